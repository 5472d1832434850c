import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type ParsedMail, simpleParser } from "mailparser";
import { expect } from "vitest";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../../functions/adapters/dynamo/suppression-store.js";
import type { Subscriber } from "../../functions/core/subscribers/subscribers.js";
import type { SigningKey } from "../../functions/core/subscribers/tokens.js";
import { loadSigningKeys } from "../../functions/local/runtime.js";
import type { SesEndpointOptions } from "../../functions/local/ses-endpoint.js";
import { type Serve, startServe, startServeProcess } from "../helpers/serve.js";
import {
  stackDocumentClient,
  stackErasureKey,
  startTestStack,
  story,
  type TestStack,
  writeStories,
} from "../helpers/services.js";

/** Shared setup of the public-route suites: a test stack, `digest serve` on it, direct store access. */
export interface World {
  stack: TestStack;
  serve: Serve;
  subscribers: DynamoSubscriberStore;
  suppressions: DynamoSuppressionStore;
  keys(): Promise<SigningKey[]>;
  /** The stored record of an address (straight from DynamoDB). */
  record(email: string): Promise<Subscriber | null>;
  /** Imports one World, one Science and one Culture story of `day` and runs `digest send` for it. */
  sendDay(day: string): Promise<{ code: number; out: string; err: string }>;
  /** The .eml the outbox holds for `email` in `folder` (an edition id or "confirm"), parsed. */
  eml(folder: string, email: string): Promise<ParsedMail>;
  /** Addresses SES accepted a message for, with subjects, in order. */
  sesLog(): { to: string; subject: string }[];
  close(): Promise<void>;
}

export const SECTIONS = "World,Science,Culture";

/**
 * A world with `env` as configuration and `ses` as the SES endpoint's behaviour. `serve: "process"`
 * runs `digest serve` itself as a child process; by default its server runs in this process.
 */
export async function startWorld(
  env: NodeJS.ProcessEnv = {},
  ses: SesEndpointOptions = {},
  opts: { serve?: "process" | "in-process" } = {},
): Promise<World> {
  const stack = await startTestStack(ses, {
    DIGEST_BRAND_NAME: "The Test Digest",
    DIGEST_SECTIONS: SECTIONS,
    DIGEST_REPLY_TO: "editor@example.org",
    ...env,
  });
  const serve = opts.serve === "process" ? await startServeProcess(stack) : await startServe(stack);
  const db = stackDocumentClient(stack);
  const subscribers = new DynamoSubscriberStore(db, "digest-subscribers");
  const world: World = {
    stack,
    serve,
    subscribers,
    suppressions: new DynamoSuppressionStore(db, "digest-suppressions", stackErasureKey(stack)),
    keys: () => loadSigningKeys(join(stack.dir, "home"), stack.env),
    record: (email) => subscribers.get(email),
    async sendDay(day) {
      const file = await writeStories(stack, `${day}.ndjson`, [
        story(day, 1, { section: "World", headline: `World news of ${day}` }),
        story(day, 2, { section: "Science", headline: `Science news of ${day}` }),
        story(day, 3, { section: "Culture", headline: `Culture news of ${day}` }),
      ]);
      expect((await stack.digest(["stories", "import", file])).code).toBe(0);
      // The edition's links point at the running server, as they would at the deployed API.
      return stack.digest(["send", "--date", day], { DIGEST_PUBLIC_BASE_URL: serve.url });
    },
    async eml(folder, email) {
      return simpleParser(await readFile(join(stack.dir, "out", folder, `${email}.eml`)));
    },
    sesLog: () =>
      stack.ses.messages.map((m) => ({
        to: m.destinations[0] as string,
        subject: (/^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(m.raw.toString("utf8"))?.[1] ?? "").replace(
          /\r\n[ \t]+/g,
          " ",
        ),
      })),
    async close() {
      await serve.stop();
      db.destroy();
      await stack.close();
    },
  };
  return world;
}

/** The unfolded value of a raw header line, as written (mailparser reshapes List-* headers). */
export function header(mail: ParsedMail, name: string): string | undefined {
  const line = mail.headerLines.find((h) => h.key === name.toLowerCase());
  return line?.line
    .slice(line.line.indexOf(":") + 1)
    .replace(/\r?\n[ \t]+/g, " ")
    .trim();
}

/** The first link in the text part whose path is `path` (e.g. "/confirm"). */
export function linkIn(mail: ParsedMail, path: string): string {
  const match = new RegExp(`https?://[^\\s]+${path}\\?t=[A-Za-z0-9_.%-]+`).exec(mail.text ?? "");
  expect(match, `a ${path} link in:\n${mail.text}`).not.toBeNull();
  return (match as RegExpExecArray)[0];
}

/** Every HTML page must be accessible and script-free; returns the body for further checks. */
export async function page(res: Response): Promise<string> {
  const body = await res.text();
  expect(res.headers.get("content-type")).toContain("text/html");
  expect(body).toMatch(/^<!doctype html>\n<html lang="en">/);
  expect(body).toMatch(/<h1>[^<]+<\/h1>/);
  expect(body.match(/<h1>/g)).toHaveLength(1);
  expect(body).not.toMatch(/<script/i);
  // No event-handler attribute in any tag (quoted attribute values, which are escaped text, aside).
  expect(body.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
  expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
  return body;
}

export const form = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  return params;
};

/** POSTs without following redirects (so a 303 can be asserted). */
export const post = (
  url: string,
  body: string | URLSearchParams | FormData,
  headers: Record<string, string> = {},
) => fetch(url, { method: "POST", body, headers, redirect: "manual" });

/** Makes a URL taken from a page (relative) absolute against the server. */
export const absolute = (world: World, href: string) =>
  new URL(href.replace(/&amp;/g, "&"), world.serve.url).toString();

/** Signs up through the form and follows the confirmation link from the outbox; returns the welcome. */
export async function signUpAndConfirm(
  world: World,
  email: string,
  fields: Record<string, string | string[]> = {},
) {
  const res = await post(`${world.serve.url}/subscribe`, form({ email, ...fields }));
  expect(res.status).toBe(202);
  const confirmation = await world.eml("confirm", email);
  const confirmed = await fetch(linkIn(confirmation, "/confirm"));
  expect(confirmed.status).toBe(200);
  return world.eml("confirm", email);
}
