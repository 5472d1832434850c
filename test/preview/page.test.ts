/** The preview page's markup on its own: the size warning past Gmail's clip, escaping, the empty day. */
import { describe, expect, it } from "vitest";
import { GMAIL_CLIP_BYTES, type PreviewModel } from "../../functions/local/preview/model.js";
import { previewPage } from "../../functions/local/preview/page.js";

function model(patch: Partial<PreviewModel> = {}): PreviewModel {
  return {
    day: "2031-05-06",
    empty: null,
    status: "draft",
    sections: ["World", "Science"],
    variant: "all",
    variantSections: ["World", "Science"],
    subject: "Subject",
    preheader: "Preheader",
    html: "<p>x</p>",
    rawHtml: "<p>x</p>",
    text: "x\n",
    rawText: "x\n",
    htmlBytes: 8,
    storyCount: 2,
    leftOut: [],
    ...patch,
  };
}

const render = (m: PreviewModel) =>
  previewPage({ model: m, templateError: null, notice: null, to: "", nonce: "n0nce" });

describe("preview page", () => {
  it("marks the size as over Gmail's clip only past 102 KB", () => {
    expect(render(model({ htmlBytes: GMAIL_CLIP_BYTES }))).toContain(
      `<span id="html-size" data-bytes="${GMAIL_CLIP_BYTES}" class="size-ok">104,448 bytes (102.0 KB)</span>`,
    );
    const over = render(model({ htmlBytes: GMAIL_CLIP_BYTES + 1 }));
    expect(over).toContain('class="size-over">104,449 bytes (102.0 KB)</span>');
    expect(over).toContain("Gmail will clip this message");
  });

  it("escapes every value, and runs only its own nonce'd script", () => {
    const page = render(
      model({
        subject: '<script>alert("s")</script>',
        text: "</pre><img src=x onerror=alert(1)>",
        preheader: "a & b",
      }),
    );
    expect(page).toContain("&lt;script&gt;alert(&quot;s&quot;)&lt;/script&gt;");
    expect(page).toContain("&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;");
    expect(page).toContain("a &amp; b");
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page).toContain('<script nonce="n0nce">');
  });

  it("says why there is nothing to show on a day without stories", () => {
    const page = render(model({ empty: "no stories for 2031-05-06: nothing to send" }));
    expect(page).toContain("<p>no stories for 2031-05-06: nothing to send</p>");
    expect(page).not.toContain("<iframe");
  });
});
