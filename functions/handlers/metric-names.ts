import type { SesEventType } from "../core/events/ses-events.js";

/**
 * The one list of the digest's CloudWatch metrics: the handlers emit them (EMF, through Powertools,
 * see ./metrics.ts) and the stack's alarms and dashboard read them (infra/monitoring.ts). A metric
 * renamed here is renamed on both sides, so no graph or alarm is left watching a name nobody emits.
 * Pure data: the stack imports it, so nothing here may pull in AWS or Powertools.
 */

/** The namespace of every custom metric (the stack sets it as POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = "Digest";

/** The functions that emit metrics of their own. */
export type MeteredFunction = "compose" | "send" | "ses-events";

/**
 * The function's service name: POWERTOOLS_SERVICE_NAME in the stack, hence the `service` dimension
 * Powertools puts on every metric the function emits (and the logger's `service` field).
 */
export const serviceName = (fn: string): string => `digest-${fn}`;

/** The dimension Powertools adds to every metric: the emitting function's service name. */
export const SERVICE_DIMENSION = "service";

/** compose: one set per daily run that returned (an empty or cancelled day included). */
export const COMPOSE_METRICS = {
  /** Milliseconds from invocation to the edition queued (or found empty or cancelled). */
  duration: "ComposeDuration",
  storiesInEdition: "StoriesInEdition",
  recipientsEnqueued: "RecipientsEnqueued",
  /** 1 per run that returned: the "no successful compose" alarm watches for its absence. */
  succeeded: "ComposeSucceeded",
} as const;

/** send: per queue message (up to 50 recipients), from its summary; Throttled per SES answer. */
export const SEND_METRICS = {
  /** Messages SES accepted (one per recipient). */
  sent: "MessagesSent",
  /** Recipients found sent already (a redelivered message or a second compose): nobody mailed twice. */
  alreadySent: "AlreadySent",
  /** Recipients that were not sent: rejected for good, or transient failures to the last try. */
  failed: "SendFailures",
  /** SES throttling answers (429): each one waited and retried by the sender. */
  throttled: "Throttled",
  /** Queue messages that stopped on the account's daily quota (retried by the queue). */
  quotaStopped: "QuotaStopped",
} as const;

/** ses-events: per recipient of each SES event applied (transactional mail included, as SES counts). */
export const SES_EVENT_METRICS = {
  sends: "Sends",
  deliveries: "Deliveries",
  /** Permanent bounces: what SES's bounce rate counts. */
  hardBounces: "HardBounces",
  /** Transient bounces (mailbox full, …): not in SES's bounce rate. */
  softBounces: "SoftBounces",
  complaints: "Complaints",
  rejects: "Rejects",
  opens: "Opens",
  clicks: "Clicks",
  deliveryDelays: "DeliveryDelays",
  renderingFailures: "RenderingFailures",
} as const;

type SesEventMetric = (typeof SES_EVENT_METRICS)[keyof typeof SES_EVENT_METRICS];

/** The metric each SES event type counts into; bounces are split by their type (see sesEventMetric). */
const BY_SES_EVENT: Record<Exclude<SesEventType, "Bounce">, SesEventMetric | null> = {
  Send: SES_EVENT_METRICS.sends,
  Delivery: SES_EVENT_METRICS.deliveries,
  Complaint: SES_EVENT_METRICS.complaints,
  Reject: SES_EVENT_METRICS.rejects,
  Open: SES_EVENT_METRICS.opens,
  Click: SES_EVENT_METRICS.clicks,
  DeliveryDelay: SES_EVENT_METRICS.deliveryDelays,
  RenderingFailure: SES_EVENT_METRICS.renderingFailures,
  Subscription: null,
};

/** The metric an applied SES event counts into, or null (subscription events are not counted). */
export function sesEventMetric(type: SesEventType, bounceType?: string): SesEventMetric | null {
  if (type === "Bounce")
    return bounceType === "Permanent" ? SES_EVENT_METRICS.hardBounces : SES_EVENT_METRICS.softBounces;
  return BY_SES_EVENT[type];
}

/**
 * Metrics that come from log lines, not EMF: a handler logs `{"alert": key}` and a metric filter in
 * the stack counts those lines (see handlers/runtime.ts onAlert and handlers/ingest.ts).
 */
export const LOG_ALERT_METRICS = {
  /** The send's safety pause tripped (bounce or complaint rate over the limit). */
  editionHalted: { alert: "edition-halted", metricName: "EditionHalted" },
  /** A feed failed several polls in a row. */
  feedFailing: { alert: "feed-failing", metricName: "FeedFailing" },
} as const;

/** Every metric each function emits through EMF, by its service name. */
export const EMITTED_METRICS: Record<string, readonly string[]> = {
  [serviceName("compose")]: Object.values(COMPOSE_METRICS),
  [serviceName("send")]: Object.values(SEND_METRICS),
  [serviceName("ses-events")]: Object.values(SES_EVENT_METRICS),
};
