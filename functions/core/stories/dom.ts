/**
 * The small part of the DOM that the HTML readers use, typed here because the project compiles
 * without the DOM library (it is not a browser program); linkedom implements all of it.
 */
import { parseHTML } from "linkedom";

export interface DomNode {
  /** 1 element, 3 text. */
  readonly nodeType: number;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<DomNode>;
}

export interface DomElement extends DomNode {
  readonly localName: string;
  readonly isConnected: boolean;
  readonly innerHTML: string;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  remove(): void;
}

export interface DomDocument {
  readonly body: DomElement | null;
  readonly documentElement: DomElement;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}

/** A DOM document for an HTML fragment or a whole page (linkedom needs the html/body scaffold). */
export function htmlDocument(html: string): DomDocument {
  const page = /<html[\s>]/i.test(html)
    ? html
    : `<!doctype html><html><head></head><body>${html}</body></html>`;
  return parseHTML(page).document as DomDocument;
}
