import { trusted } from "../../kernel/html.js";

/**
 * The stylesheet of every public page (inlined in the head: no request, no third party). Colours meet
 * WCAG AA (4.5:1) against their backgrounds; focus is always visible. The configured brand colours
 * repaint it from brand.ts.
 */
export const STYLE = trusted(`
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:#f4f4f5;color:#18181b;font:1rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
.page{max-width:36rem;margin:0 auto;padding:1.5rem 1rem 3rem}
.card{background:#fff;border:1px solid #d4d4d8;border-radius:8px;padding:1.5rem}
.brand{margin:0 0 1rem;font-weight:700;color:#3f3f46}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 1rem}
h2{font-size:1.15rem;margin:2rem 0 .5rem}
a{color:#1d4ed8}
a:hover{color:#1e3a8a}
:focus-visible{outline:3px solid #b45309;outline-offset:2px}
label,legend{display:block;font-weight:600;margin:1rem 0 .3rem}
.optional{font-weight:400;color:#52525b}
input[type=email],input[type=text],select{width:100%;padding:.55rem .6rem;font:inherit;color:#18181b;background:#fff;border:1px solid #71717a;border-radius:4px}
input[aria-invalid=true],select[aria-invalid=true]{border:2px solid #b91c1c}
fieldset{border:0;margin:0;padding:0}
.check{display:flex;gap:.5rem;align-items:center;margin:.3rem 0}
.check label{display:inline;margin:0;font-weight:400}
.check input{width:1.15rem;height:1.15rem;margin:0}
.hint{margin:.25rem 0 0;color:#52525b;font-size:.9rem}
.field-error{margin:.25rem 0 0;color:#b91c1c;font-weight:600}
.actions{margin-top:1.5rem;display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border-radius:6px;border:2px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}
button:hover{background:#1e3a8a;border-color:#1e3a8a}
button.secondary{background:#fff;color:#1d4ed8}
button.secondary:hover{background:#eff6ff}
form.inline{display:inline}
.notice,.alert{margin:0 0 1.25rem;padding:.75rem 1rem;border-left:4px solid;border-radius:4px}
.notice{border-color:#15803d;background:#f0fdf4}
.alert{border-color:#b91c1c;background:#fef2f2}
.alert h2{margin:0 0 .25rem;font-size:1rem}
.alert p,.notice p{margin:0}
footer{margin-top:1.5rem;color:#52525b;font-size:.85rem;text-align:center}
.lead{font-size:1.05rem;font-weight:600}
.meta{margin:.15rem 0 .4rem;color:#52525b;font-size:.9rem}
.stories{list-style:none;margin:0;padding:0}
.stories>li{margin:0 0 1.25rem}
.stories h3,.stories h4{font-size:1.05rem;margin:0}
.stories p{margin:.25rem 0}
.archive{list-style:none;margin:0;padding:0}
.archive>li{margin:0 0 1rem}
.story-body img{max-width:100%;height:auto}
.story-body pre{overflow-x:auto}
.visually-hidden{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.pager{display:flex;flex-wrap:wrap;gap:1rem;margin-top:1.5rem}
`);
