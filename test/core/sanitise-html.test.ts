import { describe, expect, it } from "vitest";
import { LINK_REL, sanitiseStoryHtml } from "../../functions/core/stories/sanitise-html.js";

const BASE = "https://site.example/news/story";
const clean = (html: string, base: string | null = BASE) => sanitiseStoryHtml(html, base);

/** Nothing executable, styled or loaded from elsewhere is left. */
function expectInert(html: string): void {
  expect(html).not.toMatch(
    /<(?:script|style|iframe|object|embed|svg|math|form|input|button|img|link|meta)\b/i,
  );
  expect(html).not.toMatch(/\son\w+\s*=/i);
  expect(html).not.toMatch(/\s(?:style|class|id|src|srcset|target)\s*=/i);
  expect(html).not.toMatch(/javascript:|data:|vbscript:/i);
}

describe("sanitiseStoryHtml: hostile input", () => {
  const hostile: Array<[string, string]> = [
    ["script", `<p>Hi <script>alert(1)</script>there</p>`],
    ["onerror", `<p>Hi <img src=x onerror=alert(1)>there</p>`],
    ["javascript: href", `<p><a href="javascript:alert(1)">click</a></p>`],
    [
      "obfuscated scheme",
      `<p><a href=" JaVaScRiPt:alert(1)">c</a><a href="jav&#x09;ascript:alert(1)">d</a></p>`,
    ],
    ["data: href", `<p><a href="data:text/html;base64,PHNjcmlwdD4=">data</a></p>`],
    [
      "svg with script",
      `<svg onload="alert(1)"><script>alert(2)</script><text>svgtext</text></svg><p>after</p>`,
    ],
    ["math with href", `<math><mi xlink:href="javascript:alert(1)">x</mi></math><p>after</p>`],
    ["split script tag", `<scr<script>ipt>alert(1)</script><p>after</p>`],
    [
      "noscript trick",
      `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></p></noscript><p>z</p>`,
    ],
    [
      "iframe and form",
      `<p><iframe src="https://evil.example"></iframe>x</p><form action="/x"><input name=a><button>Go</button></form>`,
    ],
    [
      "style element and attributes",
      `<style>p{color:red}</style><p style="background:url(javascript:alert(1))" class="x" id="y">styled</p>`,
    ],
    ["event handlers everywhere", `<p onclick="a()" onmouseover="b()"><em onfocus="c()">text</em></p>`],
    [
      "link with target and handler",
      `<a href="https://x.example/a" onclick="x()" target="_blank" class="c">ok</a>`,
    ],
    [
      "nested tricks",
      `<p><a href="https://x.example/"><scr<script>x</script>ipt>alert(1)</a></p><<script>script>alert(1)<</script>/script>`,
    ],
    ["object and embed", `<object data="x.swf"><embed src="y.swf"></object><p>ok</p>`],
    ["meta refresh", `<meta http-equiv="refresh" content="0;url=javascript:alert(1)"><p>ok</p>`],
  ];
  for (const [name, input] of hostile) {
    it(`leaves nothing active: ${name}`, () => {
      const out = clean(input);
      expectInert(out);
      expect(clean(out)).toBe(out); // sanitising the output again changes nothing
    });
  }

  it("keeps the text of what it unwraps and drops the content of code and embeds", () => {
    expect(clean(`<p>Hi <script>alert(1)</script>there</p>`)).toBe("<p>Hi there</p>");
    expect(clean(`<svg><text>svgtext</text></svg><p>after</p>`)).toBe("<p>after</p>");
    expect(clean(`<div><span class="x">Inside a <u>span</u></span></div>`)).toBe("Inside a span");
    expect(clean(`<p><a href="javascript:alert(1)">click</a></p>`)).toBe("<p>click</p>");
  });
});

describe("sanitiseStoryHtml: what it keeps", () => {
  it("keeps structure and emphasis", () => {
    const html =
      "<p>One <em>two</em> <strong>three</strong> <b>four</b> <i>five</i><br>six</p><ul><li>a</li></ul><ol><li>b</li></ol><blockquote><p>q</p></blockquote><h2>h2</h2><h3>h3</h3><h4>h4</h4>";
    expect(clean(html)).toBe(html.replace("<br>", "<br />"));
  });

  it("moves h1 to h2 and h5/h6 to h4", () => {
    expect(clean("<h1>A</h1><h5>B</h5><h6>C</h6>")).toBe("<h2>A</h2><h4>B</h4><h4>C</h4>");
  });

  it("makes links absolute against the story URL, allows mailto, and sets rel on every link", () => {
    expect(clean(`<a href="/other?x=1">rel</a>`)).toBe(
      `<a href="https://site.example/other?x=1" rel="${LINK_REL}">rel</a>`,
    );
    expect(clean(`<a href="//cdn.example/a">proto</a>`)).toBe(
      `<a href="https://cdn.example/a" rel="${LINK_REL}">proto</a>`,
    );
    expect(clean(`<a href="mailto:desk@site.example">mail</a>`)).toBe(
      `<a href="mailto:desk@site.example" rel="${LINK_REL}">mail</a>`,
    );
    expect(clean(`<a href="https://x.example/" rel="opener">x</a>`)).toBe(
      `<a href="https://x.example/" rel="${LINK_REL}">x</a>`,
    );
  });

  it("without a story URL, unwraps relative links and keeps absolute ones", () => {
    expect(clean(`<p><a href="/rel">rel</a> <a href="https://x.example/a">abs</a></p>`, null)).toBe(
      `<p>rel <a href="https://x.example/a" rel="${LINK_REL}">abs</a></p>`,
    );
  });

  it("drops images (tracking pixels, third parties) and keeps a figure's caption", () => {
    expect(clean(`<p>x</p><img src="https://track.example/p.gif" width="1" height="1">`)).toBe("<p>x</p>");
    expect(clean(`<figure><img src="a.jpg" alt="A"><figcaption>Cap</figcaption></figure>`)).toBe(
      "<figure><figcaption>Cap</figcaption></figure>",
    );
    expect(clean(`<figure><img src="a.jpg"></figure><p>&nbsp;</p><p> </p>`)).toBe("");
  });

  it("drops page furniture with its content: nav, aside", () => {
    expect(clean(`<nav><a href="/">Home</a></nav><p>Story.</p><aside>Most read</aside>`)).toBe(
      "<p>Story.</p>",
    );
  });

  it("returns NFC and collapses whitespace between blocks", () => {
    expect(clean("<p>Cafe\u0301</p>\n\n   \n<p>b</p>")).toBe("<p>Café</p>\n<p>b</p>");
  });
});
