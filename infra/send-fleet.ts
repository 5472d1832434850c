/**
 * Sizes the send fleet from the SES account's MaxSendRate: SQS event-source maxConcurrency × a paced
 * rate per function keeps the whole fleet at (not over) the account's rate, and a batch is as many
 * queue messages (≤ 50 recipients each) as one function sends in about a minute. The functions get
 * both figures (env DIGEST_SEND_RATE_PER_FUNCTION and DIGEST_SEND_FLEET_SIZE): when SES's real
 * MaxSendRate is lower than the configured one, each paces to its share of that (fleetShareRate).
 */
export interface SendFleet {
  maxConcurrency: number;
  /** Messages per second each function paces itself to. */
  ratePerFunction: number;
  /** Queue messages per invocation. */
  batchSize: number;
  functionTimeoutSeconds: number;
  /**
   * Deliveries of a queue message before the redrive policy moves it to the dead-letter queue; the
   * send function is told (DIGEST_SEND_MAX_RECEIVES) so that it settles a message on its last one.
   */
  maxReceiveCount: number;
}

export const RECIPIENTS_PER_MESSAGE = 50;
const TARGET_RATE_PER_FUNCTION = 20;

export function sendFleet(maxSendRate: number): SendFleet {
  // SQS event sources accept maxConcurrency from 2 to 1000.
  const maxConcurrency = Math.min(1000, Math.max(2, Math.ceil(maxSendRate / TARGET_RATE_PER_FUNCTION)));
  const ratePerFunction = maxSendRate / maxConcurrency;
  const batchSize = Math.min(10, Math.max(1, Math.floor((60 * ratePerFunction) / RECIPIENTS_PER_MESSAGE)));
  const expectedSeconds = (batchSize * RECIPIENTS_PER_MESSAGE) / ratePerFunction;
  const functionTimeoutSeconds = Math.min(900, Math.ceil(expectedSeconds * 2 + 30));
  return {
    maxConcurrency,
    ratePerFunction: Math.floor(ratePerFunction * 1000) / 1000,
    batchSize,
    functionTimeoutSeconds,
    maxReceiveCount: 5,
  };
}
