import type { DigestConfig } from "../kernel/config.js";
import type {
  EditionStore,
  Outbox,
  SendLedger,
  StoryStore,
  SubscriberStore,
  SuppressionStore,
} from "../kernel/ports.js";
import type { RateLimitStore } from "../subscribers/rate-limits.js";
import type { Subscriber } from "../subscribers/subscribers.js";
import type { SigningKey } from "../subscribers/tokens.js";

/** Emails that are not the edition: double opt-in confirmation, welcome, "you are already subscribed". */
export type TransactionalKind = "confirm" | "welcome" | "already-subscribed";

export interface TransactionalMail {
  /** Builds and sends one transactional email to the subscriber (signed links inside); throws on failure. */
  send(kind: TransactionalKind, subscriber: Subscriber): Promise<void>;
  /**
   * The same work as `send` without sending: builds the message and takes about as long as a send
   * lately took. For addresses that must get nothing (suppressed, erased), so that their sign-up
   * answers neither faster nor differently than anyone's.
   */
  withhold(kind: TransactionalKind, subscriber: Subscriber): Promise<void>;
}

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
  clock: () => Date;
  /** The local outbox (GDPR erasure removes the copies it keeps); absent deployed. */
  outbox?: Outbox | null;
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
  >,
  mail: TransactionalMail,
  clock: () => Date = () => new Date(),
): ApiContext {
  const { config, subscribers, suppressions, editions, ledger, stories, limits, keys, outbox } = deps;
  return { config, subscribers, suppressions, editions, ledger, stories, limits, keys, mail, clock, outbox };
}
