import { contrastRatio, DARK_PALETTE, type Palette } from "../../kernel/brand.js";
import { type SafeHtml, trusted } from "../../kernel/html.js";

/**
 * The stylesheet of every public page (inlined in the head: no request, no third party), drawn like
 * the email (templates/digest.mjml): the same palette (the configured brand colours in light, the
 * fixed DARK_PALETTE when the reader's system is dark), the same type (system sans-serif body at
 * 16/24 px, Georgia headlines, section headings in the accent over a rule), the same 600 px card with
 * the accent along its top, and the footer inside the card under a hairline. So a visitor can tell the
 * pages and the email apart from nothing but their content.
 *
 * Every rule but the document's own (`html`, `body`) sits under `.page`, the layout's wrapper: the
 * archive puts the same blocks under a sent email (archive-sent.ts) without restyling the email.
 * Text colours are pairs the config guarantees at 4.5:1 (text, muted and accent on the background;
 * button labels in the background colour on the accent); notices keep their own light boxes; focus is
 * always visible.
 */

const SANS = `-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif`;
const SERIF = `Georgia,"Times New Roman",serif`;

/** The look that does not depend on colour. */
const LAYOUT = `
.page{max-width:600px;margin:0 auto;padding:24px 0 32px;font:16px/24px ${SANS};text-align:left}
.page *{box-sizing:border-box}
.page .card{border-top:4px solid;padding:20px 32px 28px}
.page .card>:first-child{margin-top:0}
.page .brand{margin:0 0 16px;font:800 26px/32px ${SERIF}}
.page .brand img{display:block;max-width:100%;height:auto}
.page h1{margin:0 0 16px;font:800 28px/34px ${SERIF}}
.page h2{margin:32px 0 12px;padding-bottom:8px;border-bottom:2px solid;font:700 15px/20px ${SANS}}
.page h3,.page h4{margin:0 0 4px;font:700 19px/26px ${SERIF}}
.page p{margin:0 0 12px}
.page h2 a,.page h3 a,.page h4 a{text-decoration:none}
.page h2 a:hover,.page h3 a:hover,.page h4 a:hover{text-decoration:underline}
.page :focus-visible{outline:3px solid #b45309;outline-offset:2px}
.page label,.page legend{display:block;font-weight:600;margin:16px 0 4px}
.page .optional{font-weight:400}
.page input[type=email],.page input[type=text],.page select{width:100%;padding:8px 10px;font:inherit;border:1px solid;border-radius:4px}
.page input[aria-invalid=true],.page select[aria-invalid=true]{border-width:2px}
.page fieldset{border:0;margin:0;padding:0}
.page .check{display:flex;gap:8px;align-items:center;margin:4px 0}
.page .check label{display:inline;margin:0;font-weight:400}
.page .check input{width:18px;height:18px;margin:0}
.page .hint{margin:4px 0 0;font-size:14px;line-height:20px}
.page .field-error{margin:4px 0 0;font-weight:600}
.page .actions{margin-top:24px;display:flex;flex-wrap:wrap;gap:12px;align-items:center}
.page button{font:inherit;font-weight:600;padding:10px 20px;border-radius:4px;border:2px solid;cursor:pointer}
.page form.inline{display:inline}
.page .notice,.page .alert{margin:0 0 20px;padding:12px 16px;border-left:4px solid;border-radius:4px;color:#18181b}
.page .notice{border-color:#15803d;background:#f0fdf4}
.page .alert{border-color:#b91c1c;background:#fef2f2}
.page .notice a,.page .alert a{color:#1d4ed8}
.page .alert h2{margin:0 0 4px;padding:0;border:0;font-size:16px;color:inherit}
.page .alert p,.page .notice p{margin:0}
.page>footer{padding:0 32px 28px;font-size:13px;line-height:20px;text-align:center}
.page>footer p{margin:0;padding-top:20px;border-top:1px solid}
.page .lead{font-size:17px;line-height:26px;font-weight:600}
.page .meta{margin:0 0 8px;font-size:13px;line-height:18px}
.page .stories{list-style:none;margin:0;padding:0}
.page .stories>li{margin:0 0 20px}
.page .stories h2{margin:0 0 6px;padding:0;border:0;font:800 28px/34px ${SERIF}}
.page .stories img{display:block;width:100%;height:auto;margin:0 0 16px}
.page .archive{list-style:none;margin:0;padding:0}
.page .archive>li{margin:0 0 16px}
.page .story-body img{max-width:100%;height:auto}
.page .story-body pre{overflow-x:auto}
.page .visually-hidden{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.page .pager{display:flex;flex-wrap:wrap;gap:16px;margin-top:24px}
`;

/** Error reds: #b91c1c is 6.5:1 on white, #ff7b72 6.6:1 on DARK_PALETTE's card. */
const ERROR_REDS = ["#b91c1c", "#ff7b72"] as const;

/** The colour rules of one palette (light: the brand's; dark: DARK_PALETTE). */
function colours(p: Palette): string {
  // A brand may paint a dark card in light mode too: the red that reads better on it.
  const errorColour = [...ERROR_REDS].sort(
    (a, b) => contrastRatio(b, p.background) - contrastRatio(a, p.background),
  )[0];
  return `
.page{color:${p.text}}
.page .card,.page>footer{background:${p.background};color:${p.text};border-color:${p.accent}}
.page .brand,.page h1,.page h3,.page h4,.page label,.page legend,.page h2 a,.page h3 a,.page h4 a{color:${p.text}}
.page h2{color:${p.accent};border-color:${p.rule}}
.page>footer p{border-color:${p.rule}}
.page .optional,.page .hint,.page .meta,.page>footer{color:${p.muted}}
.page a,.page a:hover{color:${p.accent}}
.page input[type=email],.page input[type=text],.page select{color:${p.text};background:${p.background};border-color:${p.muted}}
.page input[aria-invalid=true],.page select[aria-invalid=true]{border-color:${errorColour}}
.page .field-error{color:${errorColour}}
.page button,.page button:hover{background:${p.accent};border-color:${p.accent};color:${p.background}}
.page button.secondary,.page button.secondary:hover{background:${p.background};color:${p.accent}}
`;
}

/**
 * The pages' stylesheet in `light` (the configured palette) and, for a dark system, DARK_PALETTE (as
 * the email). With `document`, also the rules of the document itself (page colour around the card):
 * every page but the archived email, whose own body keeps its colours.
 */
export function pageStyle(light: Palette, opts: { document: boolean }): SafeHtml {
  const root = (p: Palette) => (opts.document ? `body{margin:0;background:${p.page};color:${p.text}}` : "");
  // Values are validated #rrggbb (config.ts), so they are safe inside CSS.
  return trusted(
    `${opts.document ? ":root{color-scheme:light dark}" : ""}${root(light)}${LAYOUT}${colours(light)}` +
      `@media (prefers-color-scheme:dark){${root(DARK_PALETTE)}${colours(DARK_PALETTE)}}`,
  );
}
