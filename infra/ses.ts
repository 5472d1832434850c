import { aws_events as events, aws_ses as ses } from "aws-cdk-lib";
import type { Construct } from "constructs";
import type { DeploymentConfig } from "./config.js";

/** Every SES event type the ses-events function takes. */
const SES_EVENTS = [
  ses.EmailSendingEvent.SEND,
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.OPEN,
  ses.EmailSendingEvent.CLICK,
  ses.EmailSendingEvent.RENDERING_FAILURE,
  ses.EmailSendingEvent.DELIVERY_DELAY,
];

/**
 * SES event types published to EventBridge for the ses-events function. Open and click are left out
 * when not tracked: SES adds its pixel and rewrites links only for a configuration set with an event
 * destination that publishes them (the stack enables no VDM engagement metrics).
 */
export function sesEventTypes(
  tracking: Pick<DeploymentConfig["digest"], "trackOpens" | "trackClicks">,
): ses.EmailSendingEvent[] {
  return SES_EVENTS.filter(
    (e) =>
      (e !== ses.EmailSendingEvent.OPEN || tracking.trackOpens) &&
      (e !== ses.EmailSendingEvent.CLICK || tracking.trackClicks),
  );
}

/**
 * The sending identity: the domain (Easy DKIM, a custom MAIL FROM) and the configuration set every
 * message goes through, which publishes its events to the default event bus.
 */
export function sendingIdentity(
  scope: Construct,
  settings: Pick<DeploymentConfig["stack"], "sendingDomain">,
  digest: Pick<DeploymentConfig["digest"], "trackOpens" | "trackClicks">,
): { configurationSet: ses.ConfigurationSet; identity: ses.EmailIdentity } {
  const configurationSet = new ses.ConfigurationSet(scope, "ConfigurationSet", {
    reputationMetrics: true,
    suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    sendingEnabled: true,
  });
  configurationSet.addEventDestination("ToEventBridge", {
    destination: ses.EventDestination.eventBus(
      events.EventBus.fromEventBusName(scope, "DefaultBus", "default"),
    ),
    events: sesEventTypes(digest),
  });
  const identity = new ses.EmailIdentity(scope, "SendingDomain", {
    identity: ses.Identity.domain(settings.sendingDomain),
    configurationSet,
    mailFromDomain: `mail.${settings.sendingDomain}`,
  });
  return { configurationSet, identity };
}
