import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { ClaimResult, LedgerEntry, LedgerState, SendLedger } from "../../core/ports.js";
import { isConditionalCheckFailed } from "./client.js";

/** Ledger entries outlive any rerun of their edition by far; DynamoDB TTL removes them afterwards. */
const RETENTION_SECONDS = 180 * 24 * 3600;

/**
 * The send ledger: one item per (edition, subscriber). Every transition is a conditional write, so
 * two processes, an SQS redelivery or a rerun can never both hold the same recipient.
 */
export class DynamoSendLedger implements SendLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private expiresAt() {
    return Math.floor(Date.now() / 1000) + RETENTION_SECONDS;
  }

  async claim(
    editionId: string,
    subscriberId: string,
    owner: string,
    leaseUntil: number,
  ): Promise<ClaimResult> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { editionId, subscriberId },
          UpdateExpression:
            "SET #state = :sending, #owner = :owner, leaseUntil = :lease, claimedAt = :now, expiresAt = :exp, attempts = if_not_exists(attempts, :zero) + :one",
          ConditionExpression:
            "attribute_not_exists(editionId) OR #state IN (:failed, :skipped, :suppressed) OR (#state = :sending AND (leaseUntil < :nowMs OR #owner = :owner))",
          ExpressionAttributeNames: { "#state": "state", "#owner": "owner" },
          ExpressionAttributeValues: {
            ":sending": "sending",
            ":failed": "failed",
            ":skipped": "skipped",
            ":suppressed": "suppressed",
            ":owner": owner,
            ":lease": leaseUntil,
            ":now": new Date().toISOString(),
            ":nowMs": Date.now(),
            ":exp": this.expiresAt(),
            ":zero": 0,
            ":one": 1,
          },
        }),
      );
      return { claimed: true };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { editionId, subscriberId }, ConsistentRead: true }),
    );
    const item = res.Item ?? {};
    const entry: LedgerEntry = {
      state: item.state as LedgerState,
      messageId: item.messageId,
      error: item.error,
      owner: item.owner,
      leaseUntil: item.leaseUntil,
    };
    return { claimed: false, entry };
  }

  async markSent(editionId: string, subscriberId: string, owner: string, messageId: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { editionId, subscriberId },
        UpdateExpression:
          "SET #state = :sent, messageId = :mid, sentAt = :now, #owner = :owner REMOVE leaseUntil, #error",
        ExpressionAttributeNames: { "#state": "state", "#owner": "owner", "#error": "error" },
        ExpressionAttributeValues: {
          ":sent": "sent",
          ":mid": messageId,
          ":now": new Date().toISOString(),
          ":owner": owner,
        },
      }),
    );
  }

  async markFailed(
    editionId: string,
    subscriberId: string,
    owner: string,
    error: string,
    permanent: boolean,
  ): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { editionId, subscriberId },
          UpdateExpression: "SET #state = :state, #error = :error, failedAt = :now REMOVE leaseUntil",
          // Never overwrite a recipient someone else has meanwhile sent to.
          ConditionExpression: "#owner = :owner AND #state <> :sent",
          ExpressionAttributeNames: { "#state": "state", "#owner": "owner", "#error": "error" },
          ExpressionAttributeValues: {
            ":state": permanent ? "rejected" : "failed",
            ":error": error.slice(0, 1000),
            ":now": new Date().toISOString(),
            ":owner": owner,
            ":sent": "sent",
          },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async markNotSent(editionId: string, subscriberId: string, state: "suppressed" | "skipped"): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { editionId, subscriberId },
          UpdateExpression: "SET #state = :state, expiresAt = :exp, updatedAt = :now",
          ConditionExpression:
            "attribute_not_exists(editionId) OR #state IN (:failed, :skipped, :suppressed)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":state": state,
            ":exp": this.expiresAt(),
            ":now": new Date().toISOString(),
            ":failed": "failed",
            ":skipped": "skipped",
            ":suppressed": "suppressed",
          },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async counts(editionId: string): Promise<Record<LedgerState, number>> {
    const counts: Record<LedgerState, number> = {
      sending: 0,
      sent: 0,
      failed: 0,
      rejected: 0,
      suppressed: 0,
      skipped: 0,
    };
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "editionId = :e",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":e": editionId },
          ProjectionExpression: "#state",
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const state = item.state as LedgerState;
        if (state in counts) counts[state]++;
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return counts;
  }
}
