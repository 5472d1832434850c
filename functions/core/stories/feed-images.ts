/** A feed item's picture: an image enclosure (RSS, Atom), else its Media RSS picture (feed-parse.ts). */
import { nonBlank } from "../kernel/text.js";
import type { StoryDraft } from "../kernel/types.js";

type FeedImage = StoryDraft["image"];

type MediaGroup = {
  contents?: Array<
    { url?: string; type?: string; medium?: string; width?: number; height?: number } & MediaText
  >;
  thumbnails?: Array<{ url?: string; width?: number; height?: number }>;
} & MediaText;
type MediaText = { description?: { value?: string }; title?: { value?: string } };
export type Media = MediaGroup & { groups?: MediaGroup[] };

const isImage = (type: string | undefined, medium?: string) =>
  medium === "image" || (medium === undefined && /^image\//i.test(type ?? ""));

/**
 * The picture of an item's Media RSS: the first image media:content (in a media:group too), else the
 * first media:thumbnail; its alt text the content's description or title, else the item's.
 */
function mediaImage(media: Media | undefined): FeedImage {
  if (!media) return undefined;
  const groups: MediaGroup[] = [media, ...(media.groups ?? [])];
  const alt = (...texts: Array<MediaText | undefined>) =>
    texts.map((m) => m?.description?.value ?? m?.title?.value).find(nonBlank);
  for (const group of groups) {
    const content = (group.contents ?? []).find((c) => nonBlank(c.url) && isImage(c.type, c.medium));
    if (content) {
      return {
        url: content.url as string,
        alt: alt(content, group, media),
        width: content.width,
        height: content.height,
      };
    }
  }
  for (const group of groups) {
    const thumb = (group.thumbnails ?? []).find((c) => nonBlank(c.url));
    if (thumb)
      return { url: thumb.url as string, alt: alt(group, media), width: thumb.width, height: thumb.height };
  }
  return undefined;
}

/** The first image enclosure (RSS `<enclosure>`, Atom `rel="enclosure"`), else the Media RSS picture. */
export function itemImage(
  enclosures: Array<{ url?: string; type?: string }>,
  media: Media | undefined,
): FeedImage {
  const enclosure = enclosures.find((e) => nonBlank(e.url) && isImage(e.type));
  return enclosure ? { url: enclosure.url as string } : mediaImage(media);
}
