import type { DigestConfig } from "../config.js";
import { type HttpResponse, htmlResponse } from "../http/types.js";

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/** A small accessible error page. */
export function errorPage(config: Pick<DigestConfig, "brandName">, status: number, message: string): HttpResponse {
  return htmlResponse(
    status,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(config.brandName)}</title></head><body><main><h1>${escape(config.brandName)}</h1><p>${escape(message)}</p></main></body></html>`,
  );
}
