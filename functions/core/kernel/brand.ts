/**
 * Brand colours: hex parsing, WCAG 2.x contrast, and the palette the email and the public pages are
 * drawn with. Pure; shared by the config validation (which rejects unreadable colours), the renderer
 * and the tests that check the rendered colours.
 */

/** WCAG AA minimum contrast for body text. */
export const MIN_TEXT_CONTRAST = 4.5;

/** Defaults of the configurable colours (contrast on #ffffff: text 14.7:1, accent 6.7:1). */
export const DEFAULT_COLORS = {
  accentColor: "#1d4ed8",
  textColor: "#1f2937",
  backgroundColor: "#ffffff",
} as const;

/**
 * The dark-mode palette (prefers-color-scheme: dark). Fixed, since a brand's light colours say nothing
 * about readable dark ones: text #e6edf3 on #161b22 is 14.6:1, muted 8.1:1, links 8.3:1.
 */
export const DARK_PALETTE = {
  page: "#0d1117",
  background: "#161b22",
  text: "#e6edf3",
  muted: "#a8b3bf",
  accent: "#8ab4ff",
  rule: "#30363d",
} as const;

/** Everything the email and pages paint with; every text colour reaches 4.5:1 on `background`. */
export interface Palette {
  accent: string;
  text: string;
  /** Secondary text (date, source lines, footer): the text colour mixed towards the background. */
  muted: string;
  background: string;
  /** Hairlines between sections. */
  rule: string;
  /** Around the content card; decorative, no text sits on it. */
  page: string;
}

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** Returns `#rrggbb` (lower case) for `#rgb` or `#rrggbb`, or null when `value` is neither. */
export function normaliseHex(value: string): string | null {
  const v = value.trim();
  if (!HEX.test(v)) return null;
  const digits = v.length === 4 ? [...v.slice(1)].map((c) => c + c).join("") : v.slice(1);
  return `#${digits.toLowerCase()}`;
}

function channels(hex: string): [number, number, number] {
  const h = normaliseHex(hex);
  if (!h) throw new Error(`not a hex colour: ${hex}`);
  return [0, 2, 4].map((i) => Number.parseInt(h.slice(1 + i, 3 + i), 16)) as [number, number, number];
}

/** WCAG 2.x relative luminance of a hex colour (0 black … 1 white). */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2.x contrast ratio of two hex colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** "4.12:1": a ratio as people read it, rounded down so a shown 4.50 never hides 4.499. */
export const formatRatio = (ratio: number) => `${(Math.floor(ratio * 100) / 100).toFixed(2)}:1`;

/** `from` moved `amount` (0…1) of the way towards `to`, as #rrggbb. */
export function mix(from: string, to: string, amount: number): string {
  const a = channels(from);
  const b = channels(to);
  return `#${a
    .map((c, i) => Math.round(c + ((b[i] as number) - c) * amount))
    .map((c) => c.toString(16).padStart(2, "0"))
    .join("")}`;
}

/**
 * The palette of the configured colours: muted text is the text colour mixed as far towards the
 * background as it can go while still reaching 4.5:1 (at most 35 %; the text colour itself when even
 * 5 % would fall short); the rule is a faint mix of the two; the page around the card is the background shaded a little towards the text.
 */
export function lightPalette(colors: {
  accentColor: string;
  textColor: string;
  backgroundColor: string;
}): Palette {
  const text = normaliseHex(colors.textColor) ?? DEFAULT_COLORS.textColor;
  const background = normaliseHex(colors.backgroundColor) ?? DEFAULT_COLORS.backgroundColor;
  const accent = normaliseHex(colors.accentColor) ?? DEFAULT_COLORS.accentColor;
  let muted = text;
  for (let step = 35; step >= 5; step -= 5) {
    const candidate = mix(text, background, step / 100);
    if (contrastRatio(candidate, background) >= MIN_TEXT_CONTRAST + 0.05) {
      muted = candidate;
      break;
    }
  }
  return {
    accent,
    text,
    muted,
    background,
    rule: mix(text, background, 0.85),
    page: mix(background, text, 0.07),
  };
}
