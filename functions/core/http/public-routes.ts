import { archivedEdition, isStoryPublic, listArchive } from "../edition/archive.js";
import { ARCHIVE_FEED_PATH, archiveFeed } from "../edition/archive-feed.js";
import { type DigestConfig, readerLocale } from "../kernel/config.js";
import { isDay } from "../kernel/dates.js";
import { problem, say, t } from "../kernel/i18n/index.js";
import { MailError } from "../kernel/ports.js";
import {
  applyPreferences,
  isBlocked,
  PREFERENCE_ACTIONS,
  type PreferenceAction,
  unsubscribeById,
} from "../subscribers/preferences.js";
import { confirmSignup, type SignupField, signUp } from "../subscribers/signup.js";
import { parseSections, type Subscriber } from "../subscribers/subscribers.js";
import { signToken, type TokenClaims, type TokenPurpose, verifyToken } from "../subscribers/tokens.js";
import type { ApiContext } from "./context.js";
import { archiveEditionPage, archiveListPage } from "./pages/archive.js";
import { blockedPage } from "./pages/blocked.js";
import { confirmedPage, confirmGonePage } from "./pages/confirm.js";
import { errorPage } from "./pages/error.js";
import { pageLocale } from "./pages/layout.js";
import { preferencesGonePage, preferencesPage } from "./pages/preferences.js";
import { storyPage } from "./pages/story.js";
import { checkInboxPage, rateLimitedPage, subscribePage } from "./pages/subscribe.js";
import { linkNeededPage, unsubscribeConfirmPage, unsubscribedPage } from "./pages/unsubscribe.js";
import type { Route } from "./router.js";
import {
  HttpError,
  type HttpRequest,
  type HttpResponse,
  htmlResponse,
  jsonResponse,
  parseBody,
  textResponse,
} from "./types.js";

/**
 * Public routes: sign-up (double opt-in), confirmation, RFC 8058 one-click unsubscribe and the
 * preferences page. Subscribers are identified only by the signed tokens in their links; a bad token
 * is a 400 page, an expired confirmation link a 410 page.
 */

/** A JSON caller (API client) rather than a browser form. */
function wantsJson(req: HttpRequest): boolean {
  const type = req.headers["content-type"] ?? "";
  const accept = req.headers.accept ?? "";
  return (
    type.includes("application/json") ||
    (accept.includes("application/json") && !accept.includes("text/html"))
  );
}

/** A single form/JSON value as text; anything else (numbers, objects) as undefined. */
function field(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first : undefined;
}

/** Sections as sent: an array (JSON, repeated checkboxes) or a ";"/","-separated string. */
function sectionList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
  return parts.flatMap((p) => parseSections(p));
}

/** Verifies the `t` of the request for `purpose`; throws the 400/410 HttpError the router renders. */
function claimsOf(req: HttpRequest, purpose: TokenPurpose, ctx: ApiContext): TokenClaims {
  const token = req.query.t;
  if (!token) {
    throw new HttpError(400, { key: "link.incomplete" }, "t");
  }
  const check = verifyToken(token, purpose, ctx.keys, ctx.clock());
  if (!check.ok) {
    throw new HttpError(check.status, { key: check.status === 410 ? "link.expired" : "link.invalid" }, "t");
  }
  return check.claims;
}

/** A fresh preferences link for the subscriber (relative: the page is served from the same host). */
function preferencesPath(ctx: ApiContext, subscriberId: string): string {
  const key = ctx.keys[0];
  if (!key) throw new Error("no signing key configured");
  return `/preferences?t=${encodeURIComponent(signToken("preferences", subscriberId, key, ctx.clock()))}`;
}

const withToken = (path: string, req: HttpRequest) => `${path}?t=${encodeURIComponent(req.query.t ?? "")}`;

const logError = (what: string, err: unknown) => console.error(`${what}: ${(err as Error)?.stack ?? err}`);

function mailFailed(ctx: ApiContext, json: boolean): HttpResponse {
  const message = problem("error.mailFailed");
  if (json) return jsonResponse(503, { error: message.error }, { "retry-after": "120" });
  const page = errorPage(ctx.config, 503, message.phrase);
  return { ...page, headers: { ...page.headers, "retry-after": "120" } };
}

/** The config a reader's own pages are written with: in their language (readerLocale). */
function forReader(ctx: ApiContext, subscriber: Pick<Subscriber, "locale">): DigestConfig {
  return { ...ctx.config, locale: readerLocale(ctx.config, subscriber.locale) };
}

const subscribeForm: Route<ApiContext> = {
  method: "GET",
  pattern: "/subscribe",
  handle: async (_req, _params, ctx) => subscribePage(ctx.config),
};

/**
 * POST /subscribe (form or JSON): 202 whatever the address's state, 400 naming the bad field,
 * 429 when the address had too many sign-up emails today or the client too many sign-ups this hour, 503 when the email could not be sent
 * for now (throttled after retries, SES down, quota).
 */
const subscribe: Route<ApiContext> = {
  method: "POST",
  pattern: "/subscribe",
  async handle(req, _params, ctx) {
    const json = wantsJson(req);
    let body: Record<string, unknown>;
    try {
      body = parseBody(req);
    } catch (err) {
      if (json && err instanceof HttpError) return jsonResponse(err.status, { error: err.message });
      throw err;
    }
    const values = {
      email: field(body.email) ?? "",
      name: field(body.name),
      sections: sectionList(body.sections),
      timezone: field(body.timezone) ?? null,
      locale: field(body.locale) ?? null,
    };
    let result: Awaited<ReturnType<typeof signUp>> | null;
    try {
      result = await signUp(ctx, { ...values, sourceIp: req.sourceIp });
    } catch (err) {
      if (!(err instanceof MailError)) throw err;
      logError("POST /subscribe", err);
      // SES refused this recipient for good: answer as for any address (no enumeration). Only an
      // outage the sender can retry (throttling, 5xx, quota) is worth telling them about.
      result = err.kind === "permanent" ? { outcome: "accepted", sent: null } : null;
      if (!result) return mailFailed(ctx, json);
    }
    switch (result.outcome) {
      case "accepted":
        return json ? jsonResponse(202, { status: "accepted" }) : checkInboxPage(ctx.config);
      case "invalid":
        return json
          ? jsonResponse(400, { error: `${result.field}: ${result.error}`, field: result.field })
          : subscribePage(
              ctx.config,
              values,
              { [result.field as SignupField]: say(pageLocale(ctx.config), result.phrase ?? result.error) },
              400,
            );
      case "rate-limited": {
        const error =
          result.scope === "client"
            ? problem("error.tooManySignups").error
            : "too many sign-up emails to this address; try again later";
        const retryAfter = { "retry-after": String(result.retryAfter) };
        if (json) return jsonResponse(429, { error, retryAfter: result.retryAfter }, retryAfter);
        if (result.scope === "address") return rateLimitedPage(ctx.config, result.retryAfter);
        const page = errorPage(ctx.config, 429, { key: "error.tooManySignups" });
        return { ...page, headers: { ...page.headers, ...retryAfter } };
      }
    }
  },
};

/** GET /confirm?t=: 200 subscribed (also when already), 400 bad link, 410 expired or gone, 409 blocked. */
const confirm: Route<ApiContext> = {
  method: "GET",
  pattern: "/confirm",
  async handle(req, _params, ctx) {
    let claims: TokenClaims;
    try {
      claims = claimsOf(req, "confirm", ctx);
    } catch (err) {
      if (err instanceof HttpError && err.status === 410) return confirmGonePage(ctx.config, "expired");
      throw err;
    }
    const result = await confirmSignup(ctx, claims, req.sourceIp);
    switch (result.outcome) {
      case "confirmed":
        if (result.welcomeError) logError("GET /confirm: welcome email", result.welcomeError);
        return confirmedPage(
          forReader(ctx, result.subscriber),
          preferencesPath(ctx, result.subscriber.id),
          false,
        );
      case "already":
        return confirmedPage(
          forReader(ctx, result.subscriber),
          preferencesPath(ctx, result.subscriber.id),
          true,
        );
      case "gone":
        return confirmGonePage(ctx.config, "gone");
      case "blocked":
        return blockedPage(ctx.config, 409);
    }
  },
};

/**
 * GET /unsubscribe?t=: a page with one button (never unsubscribes: scanners prefetch links);
 * without a token, a page saying where the personal link is.
 */
const unsubscribePage: Route<ApiContext> = {
  method: "GET",
  pattern: "/unsubscribe",
  async handle(req, _params, ctx) {
    if (!req.query.t) return linkNeededPage(ctx.config, "unsubscribe");
    const claims = claimsOf(req, "unsubscribe", ctx);
    const subscriber = await ctx.subscribers.getById(claims.subscriberId);
    if (!subscriber) return unsubscribedPage(ctx.config, null);
    const unsubscribed =
      subscriber.status === "unsubscribed" || subscriber.suppression?.previousStatus === "unsubscribed";
    if (unsubscribed)
      return unsubscribedPage(forReader(ctx, subscriber), preferencesPath(ctx, subscriber.id));
    return unsubscribeConfirmPage(
      forReader(ctx, subscriber),
      withToken("/unsubscribe", req),
      preferencesPath(ctx, subscriber.id),
    );
  },
};

/**
 * POST /unsubscribe?t= — RFC 8058 one-click (body List-Unsubscribe=One-Click, urlencoded or
 * multipart) and the page's button alike: unsubscribes at once, 200, also when repeated. The body is
 * not required: the signed token is the authority, and a POST is never a prefetch.
 */
const unsubscribe: Route<ApiContext> = {
  method: "POST",
  pattern: "/unsubscribe",
  async handle(req, _params, ctx) {
    const claims = claimsOf(req, "unsubscribe", ctx);
    const result = await unsubscribeById(ctx, claims.subscriberId);
    return unsubscribedPage(ctx.config, result === "gone" ? null : preferencesPath(ctx, claims.subscriberId));
  },
};

/** GET /preferences?t=: the form; 400 bad link, 410 subscription erased; blocked addresses see why. */
const preferences: Route<ApiContext> = {
  method: "GET",
  pattern: "/preferences",
  async handle(req, _params, ctx) {
    if (!req.query.t) return linkNeededPage(ctx.config, "preferences");
    const claims = claimsOf(req, "preferences", ctx);
    const subscriber = await ctx.subscribers.getById(claims.subscriberId);
    if (!subscriber) return preferencesGonePage(ctx.config);
    if (await isBlocked(ctx, subscriber)) return blockedPage(ctx.config, 200);
    const saved = PREFERENCE_ACTIONS.find((a) => a === req.query.saved) ?? null;
    return preferencesPage(forReader(ctx, subscriber), subscriber, {
      actionUrl: withToken("/preferences", req),
      saved,
    });
  },
};

/**
 * POST /preferences?t= (action = save | pause | resume | unsubscribe | resubscribe): 303 back to the
 * page with a notice (post/redirect/get); 400 with the form and the error; 409 when mail is blocked.
 */
const savePreferences: Route<ApiContext> = {
  method: "POST",
  pattern: "/preferences",
  async handle(req, _params, ctx) {
    const claims = claimsOf(req, "preferences", ctx);
    const subscriber = await ctx.subscribers.getById(claims.subscriberId);
    if (!subscriber) return preferencesGonePage(ctx.config);
    const body = parseBody(req);
    const actionUrl = withToken("/preferences", req);
    const action = PREFERENCE_ACTIONS.find((a) => a === (field(body.action) ?? "save"));
    if (!action) {
      if (await isBlocked(ctx, subscriber)) return blockedPage(ctx.config, 409);
      const reader = forReader(ctx, subscriber);
      return preferencesPage(reader, subscriber, {
        actionUrl,
        errors: { action: t(pageLocale(reader), "invalid.pageAction") },
        status: 400,
      });
    }
    const sections = Array.isArray(body.sections)
      ? body.sections.filter((s): s is string => typeof s === "string")
      : field(body.sections);
    const timezone = field(body.timezone) ?? null;
    const deliveryHour = field(body.deliveryHour);
    const locale = field(body.locale);
    const result = await applyPreferences(ctx, subscriber, {
      action,
      sections,
      timezone,
      deliveryHour,
      locale,
    });
    if (result.ok) {
      return htmlResponse(303, "", { location: `${actionUrl}&saved=${action satisfies PreferenceAction}` });
    }
    if (result.status === 409) return blockedPage(ctx.config, 409);
    const reader = forReader(ctx, subscriber);
    return preferencesPage(reader, subscriber, {
      actionUrl,
      errors: { [result.field ?? "action"]: say(pageLocale(reader), result.phrase ?? result.error) },
      values: {
        sections:
          sections === undefined
            ? []
            : (Array.isArray(sections) ? sections : [sections]).flatMap((s) => parseSections(s)),
        timezone,
      },
      status: 400,
    });
  },
};

/**
 * Caching of the public read-only pages (none carries a personal link or token, so shared caches may
 * keep them; 404s stay no-store, since the day's edition or a story may appear any minute):
 * - the archive list and its Atom feed: 5 minutes, so a new edition shows soon after it goes out;
 * - an edition that finished sending: 1 hour (its stories are frozen; only late-imported stories of
 *   the day could join "more stories"); one still sending: 5 minutes;
 * - a hosted story: 10 minutes (an updated story changes in place, a held one disappears).
 */
export const PUBLIC_CACHE = {
  archiveList: "public, max-age=300",
  archiveFinal: "public, max-age=3600",
  archiveSending: "public, max-age=300",
  archiveFeed: "public, max-age=300",
  story: "public, max-age=600",
} as const;

/** GET /archive[?before=YYYY-MM-DD]: editions that went out, newest first, a page at a time. */
const archiveList: Route<ApiContext> = {
  method: "GET",
  pattern: "/archive",
  async handle(req, _params, ctx) {
    const before = req.query.before || null;
    if (before !== null && !isDay(before)) {
      throw new HttpError(400, { key: "link.badBefore" }, "before");
    }
    const page = await listArchive(ctx, { before: before ?? undefined });
    return archiveListPage(ctx.config, { ...page, before }, { "cache-control": PUBLIC_CACHE.archiveList });
  },
};

/** GET /archive/feed.xml: the archive's newest editions as an Atom feed (absolute links). */
const archiveFeedRoute: Route<ApiContext> = {
  method: "GET",
  pattern: ARCHIVE_FEED_PATH,
  handle: async (_req, _params, ctx) =>
    textResponse(200, await archiveFeed(ctx), "application/atom+xml; charset=utf-8", {
      "cache-control": PUBLIC_CACHE.archiveFeed,
    }),
};

/** GET /archive/{date}: the edition of that day as sent, without personal links; 404 when none went out. */
const archiveDay: Route<ApiContext> = {
  method: "GET",
  pattern: "/archive/{date}",
  async handle(_req, params, ctx) {
    const date = params.date ?? "";
    const edition = await archivedEdition(ctx, date);
    if (!edition) throw new HttpError(404, { key: "error.noEdition", params: { date } });
    // A cancelled edition (shown because it reached readers) is as final as a sent one.
    const cache = edition.status === "sending" ? PUBLIC_CACHE.archiveSending : PUBLIC_CACHE.archiveFinal;
    return archiveEditionPage(ctx.config, edition, { "cache-control": cache });
  },
};

/**
 * GET /stories/{id}: a story's hosted copy, once it is public (isStoryPublic: past its publication
 * time, or in an edition that went out); 404 for unknown ids, held stories and stories not public yet,
 * alike, so the answer never confirms that an embargoed story exists.
 */
const hostedStory: Route<ApiContext> = {
  method: "GET",
  pattern: "/stories/{id}",
  async handle(_req, params, ctx) {
    const story = params.id ? await ctx.stories.get(params.id) : null;
    if (!story || !(await isStoryPublic(ctx, story))) throw new HttpError(404, { key: "error.noStory" });
    return storyPage(ctx.config, story, { "cache-control": PUBLIC_CACHE.story });
  },
};

/** Public routes: sign-up, confirmation, one-click unsubscribe, preferences, the archive, hosted stories. */
export const publicRoutes: Route<ApiContext>[] = [
  subscribeForm,
  subscribe,
  confirm,
  unsubscribePage,
  unsubscribe,
  preferences,
  savePreferences,
  archiveList,
  // Before /archive/{date}, which would take "feed.xml" for a (bad) day.
  archiveFeedRoute,
  archiveDay,
  hostedStory,
];
