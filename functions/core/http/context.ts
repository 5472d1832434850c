import type { JobDeps } from "../jobs/jobs.js";
import type { DigestConfig } from "../kernel/config.js";
import type {
  EditionRecord,
  EditionStore,
  Mailer,
  Outbox,
  SendLedger,
  StoryStore,
  SubscriberStore,
  SuppressionStore,
} from "../kernel/ports.js";
import type { FeedAdminDeps } from "../stories/feed-admin.js";
import type { FeedStore } from "../stories/feeds.js";
import type { RateLimitStore } from "../subscribers/rate-limits.js";
import type { SigningKey } from "../subscribers/tokens.js";
import type { TransactionalMail } from "../subscribers/transactional.js";
import type { MemberDirectory } from "../team/member-directory.js";
import type { AuditLog, TeamStore } from "../team/ports.js";

/** Everything the HTTP routes need; built by `digest serve` locally and by the api Lambda deployed. */
export interface ApiContext {
  config: DigestConfig;
  subscribers: SubscriberStore;
  suppressions: SuppressionStore;
  editions: EditionStore;
  ledger: SendLedger;
  stories: StoryStore;
  /** Sign-up rate limits (per address, per client). */
  limits: RateLimitStore;
  /** The first key signs. */
  keys: readonly SigningKey[];
  mail: TransactionalMail;
  /** The edition's mailer (SES): an edition's test send goes through it; absent, that route answers 501. */
  mailer?: Mailer | null;
  clock: () => Date;
  /** The hour (config timeZone) of the deployed daily schedule (DIGEST_SEND_HOUR); absent locally, where nothing runs at a set hour. */
  sendHour?: number | null;
  /** The local outbox (GDPR erasure removes the copies it keeps); absent deployed. */
  outbox?: Outbox | null;
  /** Import and export jobs (their records, files and starter); absent, the job routes answer 501. */
  jobs?: JobDeps | null;
  /** Members, tokens and sign-in codes; absent, the team routes answer 501. */
  team?: TeamStore | null;
  /** Where members sign in (deployed: the console's Cognito pool); absent, nothing besides the team. */
  directory?: MemberDirectory | null;
  /** Where admin writes are recorded; absent, nothing is (and GET /admin/audit answers 501). */
  audit?: AuditLog | null;
  /** The subscribed feeds, the poller's fetcher and its address check; absent, the feed routes answer 501. */
  feeds?: FeedAdminDeps | null;
  /** The feeds' last polls (the overview's feed alerts); also where the feed routes are served elsewhere (the api function). */
  feedStore?: Pick<FeedStore, "list"> | null;
  /**
   * Renders an edition's copy again after a correction made it stale (edition/edition-rerender.ts),
   * returning the edition as it is then: where this process has the renderer (`digest serve`).
   * Absent deployed: the story-import function carries no renderer, compose's approval round renders.
   */
  rerenderEdition?: ((editionId: string) => Promise<EditionRecord | null>) | null;
}

/** The API context over the stores and keys the sender already uses. */
export function apiContextFrom(
  deps: Pick<
    ApiContext,
    | "config"
    | "subscribers"
    | "suppressions"
    | "editions"
    | "ledger"
    | "stories"
    | "limits"
    | "keys"
    | "outbox"
    | "mailer"
  >,
  mail: TransactionalMail,
  clock: () => Date = () => new Date(),
): ApiContext {
  const { config, subscribers, suppressions, editions, ledger, stories, limits, keys, outbox, mailer } = deps;
  return {
    config,
    subscribers,
    suppressions,
    editions,
    ledger,
    stories,
    limits,
    keys,
    mail,
    mailer,
    clock,
    outbox,
  };
}
