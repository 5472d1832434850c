/**
 * The preview page: the edition in a desktop, a mobile and a dark-mode frame, its subject, preheader,
 * size against Gmail's clip, plain-text part and left-out stories, a section-set selector and the
 * "send a test" form. Every value goes through the `html` tag (escaped); the only script reloads the
 * page when the server says the template changed, and sizes the frames to their content.
 */
import { ALL_SECTIONS } from "../../core/edition/edition.js";
import { html, type SafeHtml, trusted } from "../../core/kernel/html.js";
import { GMAIL_CLIP_BYTES, type PreviewModel } from "./model.js";

export interface PageState {
  model: PreviewModel;
  /** The template did not compile: shown above everything (the frames keep the last good one). */
  templateError: string | null;
  /** Outcome of the last test send, shown as a status or an alert. */
  notice: { kind: "ok" | "error"; text: string } | null;
  /** Value to put back into the address field (after a failed send). */
  to: string;
  /** Nonce of the page's one inline script (Content-Security-Policy). */
  nonce: string;
}

const STYLE = trusted(`
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:#f4f4f5;color:#18181b;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
header,main{max-width:1320px;margin:0 auto;padding:0 1.25rem}
header{padding-top:1.25rem}
h1{font-size:1.4rem;margin:0 0 .25rem}
h2{font-size:1.05rem;margin:0 0 .5rem}
.sub{margin:0;color:#52525b}
.panel{background:#fff;border:1px solid #d4d4d8;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
.size-ok{color:#166534;font-weight:600}
.size-over{color:#fff;background:#b91c1c;padding:.1rem .45rem;border-radius:4px;font-weight:700}
.forms{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-end}
fieldset{border:0;margin:0;padding:0}
legend,label{font-weight:600;display:block;margin-bottom:.25rem}
.check{display:inline-flex;gap:.3rem;align-items:center;margin-right:.8rem;font-weight:400}
input[type=email]{font:inherit;padding:.4rem .5rem;border:1px solid #71717a;border-radius:4px;width:18rem;max-width:100%}
button{font:inherit;font-weight:600;padding:.45rem 1rem;border-radius:6px;border:2px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}
button:hover{background:#1e3a8a;border-color:#1e3a8a}
:focus-visible{outline:3px solid #b45309;outline-offset:2px}
.notice{border-left:4px solid #15803d;background:#f0fdf4;padding:.5rem .75rem;margin:.75rem 0 0}
.alert{border-left:4px solid #b91c1c;background:#fef2f2;padding:.5rem .75rem;margin:.75rem 0 0;white-space:pre-wrap}
.frames{display:flex;flex-wrap:wrap;gap:1.25rem;align-items:flex-start}
figure{margin:0}
figcaption{font-weight:600;margin-bottom:.35rem}
iframe{display:block;box-sizing:content-box;border:1px solid #a1a1aa;background:#fff;height:900px}
iframe.dark{background:#0d1117}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;max-height:40rem;overflow:auto}
ol{margin:0;padding-left:1.5rem}
`);

const KB = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** The query string that selects the same day and section set. */
export function variantQuery(model: Pick<PreviewModel, "variant" | "variantSections">): string {
  return model.variant === ALL_SECTIONS
    ? ""
    : `?${new URLSearchParams({ sections: model.variantSections.join(",") })}`;
}

function sizeReadout(bytes: number): SafeHtml {
  const over = bytes > GMAIL_CLIP_BYTES;
  return html`<span id="html-size" data-bytes="${String(bytes)}" class="${over ? "size-over" : "size-ok"}">${bytes.toLocaleString("en")} bytes (${KB(bytes)})</span> of Gmail's ${GMAIL_CLIP_BYTES.toLocaleString("en")}-byte clip${over ? html` <strong>— Gmail will clip this message</strong>` : ""}`;
}

function sectionSelector(model: PreviewModel): SafeHtml {
  const shown = new Set(
    model.variant === ALL_SECTIONS ? [] : model.variantSections.map((s) => s.toLowerCase()),
  );
  return html`<form method="get" action="/" id="variant-form">
<fieldset><legend>Sections (a subscriber's choice; none ticked: all)</legend>
${model.sections.map(
  (name, i) =>
    html`<label class="check" for="section-${String(i)}"><input type="checkbox" id="section-${String(i)}" name="section" value="${name}"${shown.has(name.toLowerCase()) ? trusted(" checked") : ""}>${name}</label>`,
)}
<button type="submit">Show</button>
</fieldset>
</form>`;
}

function testForm(state: PageState): SafeHtml {
  const { model } = state;
  return html`<form method="post" action="/send-test" id="test-form">
<label for="test-to">Send a test to…</label>
<input type="email" id="test-to" name="to" required autocomplete="email" value="${state.to}">
<input type="hidden" name="sections" value="${model.variant === ALL_SECTIONS ? "" : model.variantSections.join(",")}">
<button type="submit">Send test</button>
</form>`;
}

function frames(model: PreviewModel): SafeHtml {
  const src = `/email.html${variantQuery(model)}`;
  return html`<div class="frames">
<figure><figcaption id="cap-desktop">Desktop, 600 px</figcaption>
<iframe id="frame-desktop" class="email" aria-labelledby="cap-desktop" title="The email at 600 px" src="${src}" style="width:600px" sandbox="allow-same-origin allow-popups"></iframe></figure>
<figure><figcaption id="cap-mobile">Mobile, 375 px</figcaption>
<iframe id="frame-mobile" class="email" aria-labelledby="cap-mobile" title="The email at 375 px" src="${src}" style="width:375px" sandbox="allow-same-origin allow-popups"></iframe></figure>
<figure><figcaption id="cap-dark">Dark mode, 600 px</figcaption>
<iframe id="frame-dark" class="email dark" aria-labelledby="cap-dark" title="The email in dark mode" src="${src}" style="width:600px;color-scheme:dark" sandbox="allow-same-origin allow-popups"></iframe></figure>
</div>`;
}

/** The whole preview page. */
export function previewPage(state: PageState): string {
  const { model } = state;
  const body = model.empty
    ? html`<section class="panel"><p>${model.empty}</p></section>`
    : html`<section class="panel" aria-labelledby="h-message">
<h2 id="h-message">Message</h2>
<dl>
<dt>Subject</dt><dd id="subject">${model.subject}</dd>
<dt>Preheader</dt><dd id="preheader">${model.preheader}</dd>
<dt>HTML size</dt><dd>${sizeReadout(model.htmlBytes)}</dd>
<dt>Stories</dt><dd>${String(model.storyCount)} in this section set${model.leftOut.length > 0 ? `, ${model.leftOut.length} left out by the cap` : ""}</dd>
</dl>
</section>
<section class="panel" aria-labelledby="h-controls">
<h2 id="h-controls">Section set and test send</h2>
<div class="forms">${sectionSelector(model)}${testForm(state)}</div>
${
  state.notice
    ? state.notice.kind === "ok"
      ? html`<p class="notice" role="status" id="send-result">${state.notice.text}</p>`
      : html`<p class="alert" role="alert" id="send-result">${state.notice.text}</p>`
    : ""
}
</section>
<section class="panel" aria-labelledby="h-frames">
<h2 id="h-frames">As subscribers see it</h2>
${frames(model)}
</section>
<section class="panel" aria-labelledby="h-text">
<h2 id="h-text">Plain-text part</h2>
<pre id="text-part" tabindex="0">${model.text}</pre>
</section>
<section class="panel" aria-labelledby="h-left">
<h2 id="h-left">Left out by the cap</h2>
${
  model.leftOut.length === 0
    ? html`<p id="left-out">None: every story of these sections fits.</p>`
    : html`<ol id="left-out">${model.leftOut.map((s) => html`<li>${s.headline} <span class="sub">(${s.section}, ${s.source})</span></li>`)}</ol>`
}
</section>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${model.empty ? `Preview of ${model.day}` : `Preview: ${model.subject}`}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Preview of the ${model.day} edition</h1>
<p class="sub">${model.empty ? "" : `${model.status === "draft" ? "Not composed yet: this is what compose would build now" : `Stored edition, status ${model.status}`}. Nothing here is stored or sent, except a test you send.`}</p>
${state.templateError ? html`<p class="alert" role="alert" id="template-error">The template does not compile; the frames show the last version that did.\n${state.templateError}</p>` : ""}
</header>
<main>
${body}
</main>
<script nonce="${state.nonce}">
const events = new EventSource("/events");
events.addEventListener("open", () => { document.body.dataset.live = "connected"; });
events.addEventListener("reload", () => location.reload());
for (const frame of document.querySelectorAll("iframe.email")) {
  const fit = () => {
    const doc = frame.contentDocument;
    if (doc && doc.readyState === "complete") frame.style.height = doc.documentElement.scrollHeight + 2 + "px";
  };
  frame.addEventListener("load", fit);
  fit();
}
</script>
</body>
</html>
`.value;
}
