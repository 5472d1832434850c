/**
 * The build compiles MJML once with Handlebars mustaches still in it, then fills the HTML per edition.
 * This checks that the result is what a direct render gives: fill the MJML source with Handlebars
 * first, then run mjml2html over the filled MJML.
 */
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import Handlebars from "handlebars";
import mjml2html from "mjml";
import { beforeAll, describe, expect, it } from "vitest";
import { createRenderer, type DigestRenderer, templateContext } from "../../functions/core/edition/render.js";
import type { EditionView } from "../../functions/core/kernel/types.js";
import {
  BRAND_COLOR_SLOTS,
  buildTemplates,
  compactHtml,
  compileTemplate,
  digestSourcePath,
  handlebarsOptions,
  mjmlOptions,
} from "../../functions/local/build-templates.js";
import { sampleView } from "./sample-view.js";

let renderer: DigestRenderer;
let source: string;

beforeAll(async () => {
  const path = await buildTemplates();
  const built = (await import(pathToFileURL(path).href)) as { sourceHash: string; spec: unknown };
  renderer = createRenderer(built.spec);
  source = await readFile(digestSourcePath, "utf8");
  expect(built.sourceHash).toMatch(/^[0-9a-f]{64}$/);
});

/**
 * Direct render: Handlebars over the MJML source with the same context, then mjml2html, then the
 * MJML's sentinel colours painted with the context's palette (what the build's colour slots do).
 */
async function directRender(view: EditionView): Promise<string> {
  const context = templateContext(view);
  const filled = Handlebars.compile(source, handlebarsOptions)(context);
  const result = await mjml2html(filled, mjmlOptions);
  expect(result.errors).toEqual([]);
  return result.html.replace(
    /#0b0a0[1-6]\b/g,
    (c) => context.brand[BRAND_COLOR_SLOTS[c as keyof typeof BRAND_COLOR_SLOTS]],
  );
}

/** Whitespace-insensitive form: any run of whitespace is one space, none between tags or before `>`. */
function normaliseWhitespace(html: string): string {
  return html
    .replace(/\s+/g, " ")
    .replace(/> </g, "><")
    .replace(/ (\/?>)/g, "$1")
    .trim();
}

const views: Array<[string, () => EditionView]> = [
  ["the sample edition", sampleView],
  ["an edition with nothing left out", () => ({ ...sampleView(), leftOut: 0, moreUrl: null })],
  [
    "a branded edition with a logo",
    () => ({
      ...sampleView(),
      archiveUrl: null,
      brand: {
        accentColor: "#7c2d12",
        textColor: "#0f172a",
        backgroundColor: "#fffbeb",
        logo: { url: "https://cdn.example/logo.png", width: 180, height: 40 },
      },
    }),
  ],
  [
    "an edition with hostile text",
    () => {
      const view = sampleView();
      const story = view.sections[1]?.stories[0];
      if (story) {
        story.headline = `<script>alert("x")</script> & {{brandName}} \`tick\``;
        story.byline = "A = B";
        story.url = "javascript:alert(1)";
      }
      return view;
    },
  ],
];

describe("precompiled template vs direct MJML render", () => {
  it.each(views)("gives the same HTML for %s", async (_name, makeView) => {
    const view = makeView();
    const precompiled = renderer.html(view);
    const direct = await directRender(view);

    // The build passes mjml's output through compactHtml (drops line breaks and indentation between
    // tags). Where the Handlebars block tags sit, the two orders leave different indentation behind —
    // only whitespace between tags — so the direct render gets the same compaction; the results must
    // then be identical, byte for byte.
    expect(precompiled).toBe(compactHtml(direct));

    // And independently of compactHtml: apart from whitespace, the precompiled output is exactly
    // mjml's direct output (so the compaction removed nothing but whitespace).
    expect(normaliseWhitespace(precompiled)).toBe(normaliseWhitespace(direct));
  });

  it("does not interpret mustaches inside data", () => {
    const hostile = views.find(([name]) => name.includes("hostile"));
    const html = renderer.html(hostile?.[1]() ?? sampleView());
    expect(html).toContain(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; {{brandName}} &#x60;tick&#x60;",
    );
    expect(html).toContain(">Lakeside Herald · A &#x3D; B</p>");
  });
});

describe("compileTemplate", () => {
  it("reports MJML errors with their line numbers", async () => {
    const invalid = [
      "<mjml>",
      "  <mj-body>",
      "    <mj-section>",
      '      <mj-column><mj-text padding="oops">x</mj-text></mj-column>',
      "    </mj-section>",
      "  </mj-body>",
      "</mjml>",
    ].join("\n");
    await expect(compileTemplate(invalid)).rejects.toThrow(/line 4: .*padding/);
  });

  it("is deterministic", async () => {
    const a = await compileTemplate(source);
    const b = await compileTemplate(source);
    expect(a.html).toBe(b.html);
  });
});
