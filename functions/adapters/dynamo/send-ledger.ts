import { randomUUID } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type {
  ClaimResult,
  LedgerCounts,
  LedgerEntry,
  LedgerRecord,
  LedgerState,
  MarkResult,
  Page,
  RecipientMark,
  SendLedger,
} from "../../core/kernel/ports.js";
import { redactAddresses } from "../../core/kernel/redact.js";
import { isConditionalCheckFailed } from "./client.js";
import { LedgerCounters, zeroCounts } from "./ledger-counters.js";

/** Ledger entries outlive any rerun of their edition by far; DynamoDB TTL removes them afterwards. */
const RETENTION_SECONDS = 180 * 24 * 3600;
/**
 * How long an erased recipient's entry of an edition still sending keeps its key: longer than any
 * sender holds a subscriber record it read (one queue message's work), after which TTL removes it.
 */
const ERASED_HOLD_SECONDS = 24 * 3600;

/**
 * The conditions, written without parentheses: AND binds tighter than OR, so
 * `A OR B OR (S AND (L OR O))` is `A OR B OR S AND L OR S AND O`. Same truth table, and about ten times
 * cheaper for dynalite, whose expression parser backtracks on every nested parenthesis (the claim was
 * its costliest request; see docs/performance.md). DynamoDB itself charges by item size, not
 * expression, so this changes nothing deployed. `x IN (a, b)` is written `x = a OR x = b` likewise.
 *
 * Not sent yet, and either never claimed, or left failed/skipped/suppressed by an earlier run:
 */
const REPLACEABLE =
  "attribute_not_exists(editionId) OR #state = :failed OR #state = :skipped OR #state = :suppressed";
/** …or claimed by this owner, or by another whose lease has run out. */
const CLAIMABLE = `${REPLACEABLE} OR #state = :sending AND leaseUntil < :nowMs OR #state = :sending AND #owner = :owner`;

function ledgerEntry(item: Record<string, unknown>): LedgerEntry {
  return {
    state: item.state as LedgerState,
    messageId: item.messageId as string | undefined,
    error: item.error as string | undefined,
    owner: item.owner as string | undefined,
    leaseUntil: item.leaseUntil as number | undefined,
  };
}

/** The scalar attributes of a raw (not document-client) item: what a ConditionalCheckFailed carries. */
function fromAttributeValues(item: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) {
    if (value.S !== undefined) out[name] = value.S;
    else if (value.N !== undefined) out[name] = Number(value.N);
    else if (value.BOOL !== undefined) out[name] = value.BOOL;
  }
  return out;
}

/** The state an update's UPDATED_OLD/ALL_OLD return value held before the write (null: no item). */
const stateBefore = (old: Record<string, unknown> | undefined): LedgerState | null =>
  typeof old?.state === "string" ? (old.state as LedgerState) : null;

/**
 * The send ledger: one item per (edition, subscriber). Every transition is a conditional write, so
 * two processes, an SQS redelivery or a rerun can never both hold the same recipient. Each write
 * returns the state it replaced, and the change is counted (ledger-counters.ts).
 */
export class DynamoSendLedger implements SendLedger {
  private readonly counters: LedgerCounters;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.counters = new LedgerCounters(db, table, () => this.expiresAt());
  }

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
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { editionId, subscriberId },
          UpdateExpression:
            "SET #state = :sending, #owner = :owner, leaseUntil = :lease, claimedAt = :now, expiresAt = :exp ADD attempts :one",
          ConditionExpression: CLAIMABLE,
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
            ":one": 1,
          },
          // DynamoDB returns the item that failed the condition with the error (no extra read, no
          // extra cost); a store that does not (dynalite) is read once more below.
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          ReturnValues: "UPDATED_OLD",
        }),
      );
      this.counters.record(editionId, stateBefore(res.Attributes), "sending");
      return { claimed: true };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const old = (err as { Item?: Record<string, AttributeValue> }).Item;
      if (old) return { claimed: false, entry: ledgerEntry(fromAttributeValues(old)) };
    }
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { editionId, subscriberId }, ConsistentRead: true }),
    );
    return { claimed: false, entry: ledgerEntry(res.Item ?? {}) };
  }

  async markSent(editionId: string, subscriberId: string, owner: string, messageId: string): Promise<void> {
    const res = await this.db.send(
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
        ReturnValues: "UPDATED_OLD",
      }),
    );
    this.counters.record(editionId, stateBefore(res.Attributes), "sent");
  }

  async markFailed(
    editionId: string,
    subscriberId: string,
    owner: string,
    error: string,
    permanent: boolean,
  ): Promise<void> {
    const state = permanent ? "rejected" : "failed";
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { editionId, subscriberId },
          UpdateExpression: "SET #state = :state, #error = :error, failedAt = :now REMOVE leaseUntil",
          // Never overwrite a recipient someone else has meanwhile sent to.
          ConditionExpression: "#owner = :owner AND #state <> :sent",
          ExpressionAttributeNames: { "#state": "state", "#owner": "owner", "#error": "error" },
          ExpressionAttributeValues: {
            ":state": state,
            // SES names the recipient in some reasons: the ledger keeps the reason, not the address.
            ":error": redactAddresses(error).slice(0, 1000),
            ":now": new Date().toISOString(),
            ":owner": owner,
            ":sent": "sent",
          },
          ReturnValues: "UPDATED_OLD",
        }),
      );
      this.counters.record(editionId, stateBefore(res.Attributes), state);
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async markNotSent(editionId: string, subscriberId: string, state: "suppressed" | "skipped"): Promise<void> {
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { editionId, subscriberId },
          UpdateExpression: "SET #state = :state, expiresAt = :exp, updatedAt = :now",
          ConditionExpression: REPLACEABLE,
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":state": state,
            ":exp": this.expiresAt(),
            ":now": new Date().toISOString(),
            ":failed": "failed",
            ":skipped": "skipped",
            ":suppressed": "suppressed",
          },
          ReturnValues: "UPDATED_OLD",
        }),
      );
      this.counters.record(editionId, stateBefore(res.Attributes), state);
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  counts(editionId: string): Promise<LedgerCounts> {
    return this.counters.read(editionId);
  }

  flushCounts(): Promise<void> {
    return this.counters.flush();
  }

  async recount(editionId: string): Promise<LedgerCounts> {
    const counts = await this.countEntries(editionId);
    await this.counters.replace(editionId, counts);
    return counts;
  }

  async countEntries(editionId: string): Promise<LedgerCounts> {
    const counts = zeroCounts();
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: "editionId = :e",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: { ":e": editionId },
        ProjectionExpression: "#state",
      },
    );
    // Page by page, never the whole partition in memory.
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const state = item.state as LedgerState;
        if (state in counts) counts[state]++;
      }
    }
    return counts;
  }

  async list(
    editionId: string,
    states: readonly LedgerState[],
    cursor: string | null,
    limit: number,
  ): Promise<Page<LedgerRecord>> {
    if (states.length === 0) return { items: [], nextCursor: null };
    // The cursor is the last subscriber id looked at (the sort key), base64url.
    const ExclusiveStartKey = cursor
      ? { editionId, subscriberId: Buffer.from(cursor, "base64url").toString("utf8") }
      : undefined;
    const values: Record<string, string> = { ":e": editionId };
    states.forEach((state, i) => {
      values[`:s${i}`] = state;
    });
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "editionId = :e",
        FilterExpression: states.map((_, i) => `#state = :s${i}`).join(" OR "),
        ExpressionAttributeNames: { "#state": "state", "#error": "error" },
        ExpressionAttributeValues: values,
        ProjectionExpression: "subscriberId, #state, #error",
        Limit: limit,
        ExclusiveStartKey,
      }),
    );
    const items = (page.Items ?? []).map((item) => ({
      subscriberId: item.subscriberId as string,
      state: item.state as LedgerState,
      ...(typeof item.error === "string" ? { error: item.error } : {}),
    }));
    const last = page.LastEvaluatedKey?.subscriberId;
    return {
      items,
      nextCursor: typeof last === "string" ? Buffer.from(last, "utf8").toString("base64url") : null,
    };
  }

  async markFirst(
    editionId: string,
    subscriberId: string,
    mark: RecipientMark,
    at: string,
  ): Promise<MarkResult> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { editionId, subscriberId },
          UpdateExpression: "SET #at = :at",
          // attribute_exists: an event for someone not in the ledger must not create an entry.
          ConditionExpression: "attribute_exists(subscriberId) AND attribute_not_exists(#at)",
          ExpressionAttributeNames: { "#at": `${mark}At` },
          ExpressionAttributeValues: { ":at": at },
          // A repeat costs the failed write alone: DynamoDB returns the entry with the error. Only
          // when it returns none (no entry, or a store like dynalite that returns nothing) is it read.
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return "first";
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      if ((err as { Item?: Record<string, AttributeValue> }).Item) return "repeat";
    }
    const res = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { editionId, subscriberId },
        ConsistentRead: true,
        ProjectionExpression: "subscriberId",
      }),
    );
    return res.Item ? "repeat" : "absent";
  }

  async reopen(editionId: string, subscriberId: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { editionId, subscriberId },
          UpdateExpression: "SET #state = :failed, reopenedAt = :now",
          ConditionExpression: "#state = :rejected",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":failed": "failed",
            ":rejected": "rejected",
            ":now": new Date().toISOString(),
          },
        }),
      );
      this.counters.record(editionId, "rejected", "failed");
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async eraseRecipient(
    editionId: string,
    subscriberId: string,
    held: () => Promise<boolean>,
  ): Promise<"held" | "anonymised" | "absent"> {
    const key = { editionId, subscriberId };
    const res = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: "#state, expiresAt",
        ExpressionAttributeNames: { "#state": "state" },
      }),
    );
    if (!res.Item) return "absent";
    const state = res.Item.state as LedgerState;
    const now = Math.floor(Date.now() / 1000);
    if (await held()) {
      // Only what stops a second claim: "sent", or for anyone not reached yet "rejected" (never
      // claimed again, never retried); no error text, message id, owner, times or marks.
      const kept = state === "sent" ? "sent" : "rejected";
      const res = await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...key,
            state: kept,
            erasedAt: new Date().toISOString(),
            expiresAt: now + ERASED_HOLD_SECONDS,
          },
          ReturnValues: "ALL_OLD",
        }),
      );
      this.counters.record(editionId, stateBefore(res.Attributes), kept);
      return "held";
    }
    // The state alone, under a key that names nobody: the edition's counts stay as they were.
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          editionId,
          subscriberId: `erased#${randomUUID()}`,
          state,
          expiresAt: typeof res.Item.expiresAt === "number" ? res.Item.expiresAt : now + RETENTION_SECONDS,
        },
      }),
    );
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: key }));
    return "anonymised";
  }
}
