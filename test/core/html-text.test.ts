import { describe, expect, it } from "vitest";
import {
  decodeCharacterReferences,
  htmlToText,
  looksLikeHtml,
  toPlainText,
} from "../../functions/core/stories/html-text.js";

describe("htmlToText", () => {
  it("makes block elements paragraphs, joins <br> lines, decodes references", () => {
    expect(
      htmlToText(
        "<div><h2>Title</h2><p>One &amp; <b>two</b><br>three</p><ul><li>a</li><li>b</li></ul>tail</div>",
      ),
    ).toBe("Title\n\nOne & two three\n\na\n\nb\n\ntail");
  });

  it("drops scripts, styles, forms, SVG and figure captions", () => {
    expect(
      htmlToText(
        "<p>Kept.</p><script>var x = 1;</script><style>p{}</style><form><label>Email</label></form><svg><text>t</text></svg><figure><figcaption>Photo: X</figcaption></figure>",
      ),
    ).toBe("Kept.");
  });

  it("reads a whole page from its body and returns NFC text with collapsed whitespace", () => {
    expect(
      htmlToText("<html><head><title>T</title></head><body><p>Cafe\u0301   au\n lait</p></body></html>"),
    ).toBe("Café au lait");
    expect(htmlToText("")).toBe("");
  });
});

describe("decodeCharacterReferences", () => {
  it("decodes named and numeric references, also double-encoded ones", () => {
    expect(decodeCharacterReferences("Tea &amp; toast")).toBe("Tea & toast");
    expect(decodeCharacterReferences("O&#8217;Neill &#x2014; caf&eacute;")).toBe("O’Neill — café");
    expect(decodeCharacterReferences("it&amp;#8217;s &amp;amp; more")).toBe("it’s & more");
    expect(decodeCharacterReferences("a&nbsp;b")).toBe("a\u00a0b");
  });

  it("keeps tags and bare ampersands as written", () => {
    expect(decodeCharacterReferences("the <b>best</b> AT&T &T; & co")).toBe("the <b>best</b> AT&T &T; & co");
    expect(decodeCharacterReferences("&lt;b&gt;")).toBe("<b>");
  });
});

describe("looksLikeHtml / toPlainText", () => {
  it("tells HTML from text that merely has angle brackets", () => {
    expect(looksLikeHtml("<p>x</p>")).toBe(true);
    expect(looksLikeHtml("one<br/>two")).toBe(true);
    expect(looksLikeHtml("x < y and y > z")).toBe(false);
    expect(looksLikeHtml("<not-a-tag>")).toBe(false);
  });

  it("reads HTML as text and decodes references in text", () => {
    expect(toPlainText("<p>One</p><p>Two &amp; three</p>")).toBe("One\n\nTwo & three");
    expect(toPlainText("Fish &amp; chips")).toBe("Fish & chips");
  });
});
