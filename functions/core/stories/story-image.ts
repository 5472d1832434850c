/**
 * A story's picture as an import source names it (og:image, JSON-LD `image`, a feed's enclosure or
 * media:content) checked into what the email may show: an absolute https URL, no tracking pixel,
 * plain alt text, a believable size. The reader's mail client fetches it, so anything else is dropped
 * rather than stored.
 */
import { cutAtWord, oneLine } from "../kernel/text.js";
import type { StoryDraft, StoryImage } from "../kernel/types.js";
import { toPlainLine } from "./html-text.js";

/** Longest picture URL kept (longer ones are tracking-laden or broken). */
const MAX_IMAGE_URL = 2048;
/** Longest alt text kept, cut at a word. */
const MAX_ALT = 300;
/** A side this small, or smaller, is a pixel, not a picture. */
const PIXEL_SIDE = 2;
/** Sizes above this are not believed (and not passed to the email). */
const MAX_SIDE = 20_000;

/**
 * Hosts, or host suffixes, that serve tracking pixels and beacons rather than pictures: stats and
 * analytics services and feed proxies whose images count reads.
 */
const TRACKER_HOSTS = [
  "pixel.wp.com",
  "stats.wp.com",
  "feeds.feedburner.com",
  "feeds.feedblitz.com",
  "google-analytics.com",
  "googletagmanager.com",
  "doubleclick.net",
  "scorecardresearch.com",
  "facebook.com",
  "quantserve.com",
  "chartbeat.net",
  "parsely.com",
  "pixel.quantserve.com",
];

/** Paths that name themselves a pixel or a beacon. */
const TRACKER_PATH = /(?:^|[/_.-])(?:pixel|beacon|spacer|tracking|1x1|blank)(?:[/_.-]|$)/i;

function isTracker(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  if (TRACKER_HOSTS.some((t) => host === t || host.endsWith(`.${t}`))) return true;
  return TRACKER_PATH.test(url.pathname);
}

/** A whole number of pixels from 1 to MAX_SIDE, or undefined. */
function side(v: unknown): number | undefined {
  const n = typeof v === "string" ? Number(v.trim()) : typeof v === "number" ? v : Number.NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_SIDE ? n : undefined;
}

/**
 * The picture a draft names, checked: resolved against `pageUrl` when relative, https only, without
 * credentials, no tracking pixel (a declared side of 2 px or less, a tracker's host or a pixel's path),
 * alt text as plain text (tags stripped, references decoded; "" when the source gave none), width and
 * height kept only as a believable pair. Undefined when there is no usable picture.
 */
export function checkedImage(draft: StoryDraft["image"], pageUrl: string | null): StoryImage | undefined {
  const raw = draft?.url?.trim();
  if (!raw || raw.length > MAX_IMAGE_URL) return undefined;
  let url: URL;
  try {
    url = pageUrl === null ? new URL(raw) : new URL(raw, pageUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" || url.username !== "" || url.password !== "") return undefined;
  const width = side(draft?.width);
  const height = side(draft?.height);
  if ((width ?? MAX_SIDE) <= PIXEL_SIDE || (height ?? MAX_SIDE) <= PIXEL_SIDE) return undefined;
  if (isTracker(url)) return undefined;
  url.hash = "";
  const image: StoryImage = {
    url: url.href,
    alt: cutAtWord(oneLine(toPlainLine(draft?.alt ?? "")), MAX_ALT),
  };
  if (width !== undefined && height !== undefined) {
    image.width = width;
    image.height = height;
  }
  return image;
}
