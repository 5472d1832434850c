import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Every relative link in README.md and docs/*.md leads somewhere: the file or folder exists, and an
 * anchor names a heading of the page it points to (as GitHub and GitLab spell heading anchors). Links
 * to other sites are not fetched. Moving a section between pages is what breaks these, and nothing
 * else would notice.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pages = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

/** The page's prose: fenced code blocks blanked (keeping line numbers), so their text is no link or heading. */
function prose(markdown: string): string[] {
  let fence: string | null = null;
  return markdown.split("\n").map((line) => {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (marker && (fence === null || marker.startsWith(fence))) {
      fence = fence === null ? marker : null;
      return "";
    }
    return fence === null ? line : "";
  });
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchor(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1") // a link: its text
    .replace(/`/g, "")
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "").replace(/ /g, "-");
}

/** The anchors a page defines: one per heading, repeats numbered -1, -2 … as GitHub does. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = headingAnchor(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

interface Link {
  page: string;
  line: number;
  target: string;
}

function linksOf(page: string, markdown: string): Link[] {
  const links: Link[] = [];
  prose(markdown).forEach((text, index) => {
    // Inline code is text, not markup.
    const line = text.replace(/`[^`]*`/g, "");
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ page, line: index + 1, target: match[1] as string });
    }
  });
  return links;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** Why the link leads nowhere, or null when it resolves. */
function problem(link: Link): string | null {
  const [path = "", anchor] = link.target.split("#", 2);
  const file = path === "" ? join(root, link.page) : resolve(dirname(join(root, link.page)), decodeURI(path));
  if (!existsSync(file)) return `no such file: ${relative(root, file)}`;
  if (anchor === undefined) return null;
  if (statSync(file).isDirectory() || !file.endsWith(".md")) return `an anchor into a non-page: ${path}`;
  const anchors = anchorsOf(readFileSync(file, "utf8"));
  return anchors.has(decodeURIComponent(anchor).toLowerCase())
    ? null
    : `no heading #${anchor} in ${relative(root, file)}`;
}

describe("links between README.md and docs/", () => {
  it("spells heading anchors as GitHub does", () => {
    expect(headingAnchor("The `digest` command")).toBe("the-digest-command");
    expect(headingAnchor("Consent on import, exports, erasure")).toBe("consent-on-import-exports-erasure");
    expect(headingAnchor("Editions: what goes in, how it is sent")).toBe(
      "editions-what-goes-in-how-it-is-sent",
    );
    expect([...anchorsOf("# A\n```\n# not a heading\n```\n## A\n")]).toEqual(["a", "a-1"]);
  });

  it("finds the relative links of every page", () => {
    const readme = linksOf("README.md", readFileSync(join(root, "README.md"), "utf8"));
    expect(readme.filter((l) => !isExternal(l.target)).length).toBeGreaterThan(5);
  });

  it.each(pages)("every relative link in %s resolves, anchors included", (page) => {
    const broken = linksOf(page, readFileSync(join(root, page), "utf8"))
      .filter((link) => !isExternal(link.target))
      .map((link) => ({ link, why: problem(link) }))
      .filter(({ why }) => why !== null)
      .map(({ link, why }) => `${link.page}:${link.line}: (${link.target}) ${why}`);
    expect(broken).toEqual([]);
  });
});
