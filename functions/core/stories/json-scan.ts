/**
 * JSON text read with positions: the line and column of an offset, the lines array elements start on,
 * and the place of the first syntax error (for import reports that name a line).
 */

/** 1-based line and column of a UTF-16 offset in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * 1-based lines of ascending UTF-16 offsets in `text`, in one pass (one lineAndColumn call per element
 * of a large array would read the text once per element).
 */
export function linesOf(text: string, offsets: readonly number[]): number[] {
  const lines: number[] = [];
  let line = 1;
  // Each newline is found once: the next one is remembered until an offset passes it.
  let nextNewline = text.indexOf("\n");
  for (const offset of offsets) {
    while (nextNewline !== -1 && nextNewline < offset) {
      line++;
      nextNewline = text.indexOf("\n", nextNewline + 1);
    }
    lines.push(line);
  }
  return lines;
}

class JsonScanFailure {
  constructor(
    readonly pos: number,
    readonly message: string,
  ) {}
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Scans JSON text without building values. Returns the start offsets of the elements when the top-level
 * value is an array (empty otherwise), and the offset and description of the first syntax error, if any.
 * Used because Node 20's JSON.parse does not report a position for every error. Iterative (an explicit
 * stack of open containers), so no nesting overflows the call stack.
 */
export function scanJson(text: string): {
  elementStarts: number[];
  error: { pos: number; message: string } | null;
} {
  const elementStarts: number[] = [];
  let i = 0;
  const fail = (message: string): never => {
    throw new JsonScanFailure(i, message);
  };
  const found = (): string => (i >= text.length ? "end of input" : JSON.stringify(text[i]));
  const skipWhitespace = (): void => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r"))
      i++;
  };
  const scanString = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail("control character in string (escape it)");
      if (c === 0x5c) {
        const e = text[i + 1] ?? "";
        if ('"\\/bfnrt'.includes(e) && e !== "") i += 2;
        else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else fail("bad escape in string");
      } else {
        i++;
      }
    }
  };
  /** A property name and its ":" (the value follows). */
  const scanKey = (): void => {
    skipWhitespace();
    if (text[i] !== '"') fail(`expected a property name in double quotes, found ${found()}`);
    scanString();
    skipWhitespace();
    if (text[i] !== ":") fail(`expected ':' after the property name, found ${found()}`);
    i++;
  };
  /** Open containers, innermost last: "{" or "[". */
  const open: string[] = [];
  /**
   * Reads one value: a scalar or an empty container whole; a container with members is opened (pushed)
   * and read on into its first member, down to the first scalar, so the loop below goes on from there.
   */
  const readValue = (): void => {
    for (;;) {
      skipWhitespace();
      if (open.length === 1 && open[0] === "[") elementStarts.push(i);
      const c = text[i];
      if (c === "{" || c === "[") {
        i++;
        skipWhitespace();
        if (text[i] === (c === "{" ? "}" : "]")) {
          i++;
          return;
        }
        open.push(c);
        if (c === "{") scanKey();
        continue;
      }
      if (c === '"') {
        scanString();
        return;
      }
      NUMBER_RE.lastIndex = i;
      if (c !== undefined && /[-0-9]/.test(c) && NUMBER_RE.test(text)) {
        i = NUMBER_RE.lastIndex;
        return;
      }
      for (const literal of ["true", "false", "null"]) {
        if (text.startsWith(literal, i)) {
          i += literal.length;
          return;
        }
      }
      fail(`unexpected ${found()}`);
    }
  };
  try {
    readValue();
    // After each whole value: close containers that end here, then read the next member.
    while (open.length > 0) {
      skipWhitespace();
      const container = open[open.length - 1];
      if (text[i] === ",") {
        i++;
        if (container === "{") scanKey();
        readValue();
      } else if (text[i] === (container === "{" ? "}" : "]")) {
        i++;
        open.pop();
      } else if (container === "{") {
        fail(`expected ',' or '}' after a property value, found ${found()}`);
      } else {
        fail(`expected ',' or ']' after an array element, found ${found()}`);
      }
    }
    skipWhitespace();
    if (i < text.length) fail(`unexpected ${found()} after the end of the JSON value`);
    return { elementStarts, error: null };
  } catch (e) {
    if (e instanceof JsonScanFailure) return { elementStarts, error: { pos: e.pos, message: e.message } };
    throw e;
  }
}

/** JSON.parse, or the position and description of the syntax error. */
export function parseJson(text: string): { value: unknown } | { pos: number; message: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const m = /(?: in JSON)? at position (\d+)(?: \(line \d+ column \d+\))?/.exec(message);
    if (m) return { pos: Number(m[1]), message: message.slice(0, m.index) };
    const scanned = scanJson(text).error;
    return scanned ?? { pos: 0, message };
  }
}
