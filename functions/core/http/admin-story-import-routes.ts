import { acceptedStoryMediaTypes, importStoryBody, storyExtensionFor } from "../stories/story-body-import.js";
import { feedRoutes } from "./admin-feed-routes.js";
import { adminRoute, bad, MAX_IMPORT_REPORTS } from "./admin-request.js";
import { type StoryEditContext, storyEditRoutes } from "./admin-story-edit-routes.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { HttpError, jsonResponse } from "./types.js";

/**
 * The admin API's story import, `POST /admin/stories` (the same import path as `digest stories
 * import`). Apart from the other story routes because it loads the story parsers: deployed, the
 * story-import function answers it, so the api function that answers readers never loads them.
 */

/** What the story-import function's routes read of the API context. */
export type StoryImportContext = Pick<ApiContext, "config" | "stories" | "clock" | "feeds"> &
  StoryEditContext;

/** Largest story import body: under the 6 MB a Lambda invocation's payload may carry. */
export const MAX_STORY_BODY_BYTES = 5 * 1024 * 1024;

/** Import options a POST /admin/stories takes as query parameters (the flags of `digest stories import`). */
const STORY_IMPORT_OPTIONS = ["url", "publishedAt", "section", "source"] as const;

/**
 * The field a story problem names ("headline: required" → headline, a page with "no headline: …" →
 * headline), else the body as a whole.
 */
const problemField = (reason: string) =>
  /^(\w+): /.exec(reason)?.[1] ?? /^no (headline|body)\b/.exec(reason)?.[1] ?? "body";

const importStoriesRoute = adminRoute<StoryImportContext>(
  "POST",
  "/admin/stories",
  async (req, _params, ctx) => {
    const mediaType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const extension = storyExtensionFor(mediaType);
    if (!extension) {
      throw new HttpError(
        415,
        `cannot import stories from ${mediaType || "a body without a content type"} ` +
          `(send one of: ${acceptedStoryMediaTypes().join(", ")})`,
      );
    }
    if (Buffer.byteLength(req.body) > MAX_STORY_BODY_BYTES) {
      throw new HttpError(413, `the body is larger than ${MAX_STORY_BODY_BYTES} bytes: send fewer stories`);
    }
    for (const key of Object.keys(req.query)) {
      if (!(STORY_IMPORT_OPTIONS as readonly string[]).includes(key))
        bad(key, `unknown parameter ${key} (allowed: ${STORY_IMPORT_OPTIONS.join(", ")})`);
    }
    const report = await importStoryBody(ctx.stories, extension, req.body, {
      defaults: {
        url: req.query.url,
        publishedAt: req.query.publishedAt,
        section: req.query.section,
        source: req.query.source,
      },
      timeZone: ctx.config.timeZone,
      now: ctx.clock(),
    });
    const { imported, updated, skipped, invalid } = report.counts;
    const answer = {
      imported,
      updated,
      skipped,
      invalid,
      problems: report.problems.slice(0, MAX_IMPORT_REPORTS),
      ...(report.problems.length > MAX_IMPORT_REPORTS
        ? { problemsOmitted: report.problems.length - MAX_IMPORT_REPORTS }
        : {}),
      notices: report.notices.slice(0, MAX_IMPORT_REPORTS),
      ids: report.storyIds,
    };
    const first = report.problems[0];
    if (imported + updated + skipped === 0) {
      // Nothing valid was sent: say what is wrong with the first record, and list every problem.
      const error = first ? `line ${first.line}: ${first.reason}` : "the body holds no story";
      return jsonResponse(400, { error, field: first ? problemField(first.reason) : "body", ...answer });
    }
    return jsonResponse(200, answer);
  },
  { role: "editor", audit: { action: "story.import", target: () => "stories" } },
);

/**
 * The routes that load the story parsers, which the story-import function answers deployed (and
 * `digest serve` beside the api function's): the story import, a story's change (a corrected headline
 * is read as an imported one is) and the feeds (a poll imports).
 */
export const storyImportRoutes: Route<StoryImportContext>[] = [
  { ...importStoriesRoute, maxBodyBytes: MAX_STORY_BODY_BYTES },
  ...storyEditRoutes,
  ...feedRoutes,
];
