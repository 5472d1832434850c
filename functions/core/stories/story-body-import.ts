/**
 * Importing the stories of one request body (`POST /admin/stories`) through the one import path
 * (`parseStoryFile` + `importStoryRecords`): which media types are read as which kind of story file,
 * and the body imported as that file. Apart from story-admin.ts because it loads the story parsers
 * (DOM, article and feed parsers, sanitiser), which only the functions that import stories carry.
 */
import type { StoryStore } from "../kernel/ports.js";
import type { FinaliseOptions } from "./stories.js";
import { parseStoryFile, STORY_FILE_EXTENSIONS } from "./story-files.js";
import { type ImportReport, importStoryRecords } from "./story-import.js";

/** What a request body holds, by its media type: the import file kind it is read as. */
const MEDIA_TYPE_EXTENSIONS: Record<string, string> = {
  "application/json": ".json",
  "application/x-ndjson": ".ndjson",
  "application/ndjson": ".ndjson",
  "application/jsonl": ".ndjson",
  "application/x-jsonlines": ".ndjson",
  "text/plain": ".txt",
  "text/html": ".html",
  "application/xhtml+xml": ".html",
  "application/rss+xml": ".rss",
  "application/atom+xml": ".atom",
  "application/xml": ".xml",
  "text/xml": ".xml",
};

/**
 * The import file extension a media type is read as (`parseStoryFile` decides by extension), or null
 * when the type is not one stories can be imported from, or its kind of file is not supported.
 */
export function storyExtensionFor(mediaType: string): string | null {
  const ext = MEDIA_TYPE_EXTENSIONS[mediaType.trim().toLowerCase()];
  return ext && (STORY_FILE_EXTENSIONS as readonly string[]).includes(ext) ? ext : null;
}

/** Media types `storyExtensionFor` accepts now. */
export function acceptedStoryMediaTypes(): string[] {
  return Object.keys(MEDIA_TYPE_EXTENSIONS).filter((t) => storyExtensionFor(t) !== null);
}

/**
 * A JSON body `{"stories": [...]}` (the wrapper an API client tends to send) as the bare array, with
 * every character of the wrapper blanked but newlines kept, so line numbers still point into the body
 * as sent. Any other text is returned unchanged.
 */
export function unwrapStoriesObject(raw: string): string {
  const text = raw.startsWith("\uFEFF") ? raw.slice(1) : raw;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return raw;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return raw;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== "stories" || !Array.isArray((value as { stories: unknown }).stories))
    return raw;
  // The only key is "stories" and its value an array: the first "[" opens it, the last "]" closes it.
  const start = text.indexOf("[");
  const end = text.lastIndexOf("]");
  if (start < 0 || end < start) return raw;
  const blank = (s: string) => s.replace(/[^\n]/g, " ");
  return blank(text.slice(0, start)) + text.slice(start, end + 1) + blank(text.slice(end + 1));
}

/**
 * Imports the stories of one request body read as a file of kind `extension` (see
 * `storyExtensionFor`), through the same path as `digest stories import`. Returns the import report:
 * counts, a `{line, reason}` per bad record (lines within the body) and the stored ids.
 */
export async function importStoryBody(
  store: StoryStore,
  extension: string,
  body: string,
  options: FinaliseOptions,
): Promise<ImportReport> {
  const text = extension === ".json" ? unwrapStoriesObject(body) : body;
  return importStoryRecords(parseStoryFile(`request${extension}`, text), store, options);
}
