/**
 * Checks that the start and end tags of an XML document balance (comments, CDATA, processing
 * instructions and the doctype skipped). Not a full validator: enough to tell a truncated or mangled
 * document from a feed. Returns the problem with its line, or null.
 */
export function xmlTagProblem(text: string): string | null {
  const stack: { name: string; line: number }[] = [];
  // Offsets only grow: each newline is found once, so counting lines is linear over the document.
  let line = 1;
  let nextNewline = text.indexOf("\n");
  const lineAt = (offset: number) => {
    while (nextNewline !== -1 && nextNewline < offset) {
      line++;
      nextNewline = text.indexOf("\n", nextNewline + 1);
    }
    return line;
  };
  const token =
    /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<\?[\s\S]*?(?:\?>|$)|<!DOCTYPE(?:[^>[]|\[[^\]]*\])*>|<(\/?)([A-Za-z_][\w:.-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>|</g;
  let roots = 0;
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    const [whole, closing, name, , selfClosing] = m;
    if (name === undefined) {
      if (whole === "<") return `line ${lineAt(m.index)}: "<" that starts no tag`;
      if (!/(?:-->|\]\]>|\?>|>)$/.test(whole))
        return `line ${lineAt(m.index)}: unterminated ${whole.slice(0, 9)}`;
      continue;
    }
    if (closing) {
      const open = stack.pop();
      if (open === undefined) return `line ${lineAt(m.index)}: </${name}> closes nothing`;
      if (open.name !== name) {
        return `line ${lineAt(m.index)}: </${name}> closes <${open.name}> opened at line ${open.line}`;
      }
    } else if (!selfClosing) {
      if (stack.length === 0 && ++roots > 1)
        return `line ${lineAt(m.index)}: a second root element <${name}>`;
      stack.push({ name, line: lineAt(m.index) });
    } else if (stack.length === 0) {
      roots++;
    }
  }
  const open = stack.pop();
  if (open) return `<${open.name}> opened at line ${open.line} is never closed (truncated document?)`;
  if (roots === 0) return "no root element";
  return null;
}
