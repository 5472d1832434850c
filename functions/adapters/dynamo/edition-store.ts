import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  type BatchRef,
  type BatchSettlement,
  type DeliveryRound,
  EDITION_STATS,
  type EditionRecord,
  type EditionStat,
  type EditionStatus,
  type EditionStore,
  type EditionStoryText,
  type RenderedVariant,
  type RoundKind,
  type RoundStep,
} from "../../core/kernel/ports.js";
import { batchGetAll, isConditionalCheckFailed, queryAll } from "./client.js";
import { DynamoDeliveryRounds } from "./delivery-rounds.js";

const META = "meta";
const STATS = "stats";
/**
 * Partition keys the SES event counters of one edition are spread over. A partition key takes at most
 * 1,000 writes a second and every delivery, open, click and bounce is one write: one counters item
 * capped an edition at about 650 messages a second. 16 shards take 16,000 writes a second (the stack's
 * maxSendRate tops out at 10,000 messages a second); reading them is one BatchGetItem.
 */
export const STATS_SHARDS = 16;
/**
 * Shard n of an edition's counters: a partition of its own ("stats#<edition>#<n>"; edition ids start
 * with their day, so no edition or day index is named so), since items sharing a partition key share
 * its throughput until DynamoDB splits it for heat. Before the shards, the counters were one item
 * (edition, "stats"): readers add it in, so editions counted then keep their figures.
 */
const statsShardKey = (editionId: string, shard: number) => ({
  editionId: `stats#${editionId}#${shard}`,
  part: STATS,
});
const statsKeys = (editionId: string) => [
  { editionId, part: STATS },
  ...Array.from({ length: STATS_SHARDS }, (_, n) => statsShardKey(editionId, n)),
];
const variantPart = (key: string) => `variant#${key}`;
/**
 * The per-day index: one small item per edition under the partition "day#<YYYY-MM-DD>" (sort key: the
 * edition id), so the editions of a day are one Query even when their ids carry a suffix. Edition ids
 * start with the day, so no edition's own partition can be named "day#…".
 */
const dayIndexKey = (edition: Pick<EditionRecord, "editionId" | "date">) => ({
  editionId: `day#${edition.date}`,
  part: edition.editionId,
});

/**
 * The counters summed over "stats" items (one attribute "stats_<name>" per counter); a counter no item
 * holds is absent (lists tell "no `sent` counter" from a zero).
 */
function countersOf(items: readonly Record<string, unknown>[]): Partial<Record<EditionStat, number>> {
  const stats: Partial<Record<EditionStat, number>> = {};
  for (const item of items) {
    for (const stat of EDITION_STATS) {
      const value = item[`stats_${stat}`];
      if (typeof value === "number") stats[stat] = (stats[stat] ?? 0) + value;
    }
  }
  return stats;
}

/** Editions: a "meta" item per edition and one item per rendered variant (keeps items < 400 KB). */
export class DynamoEditionStore implements EditionStore {
  /** The next counters shard this store writes to: round robin from a random start per process. */
  private nextShard = Math.floor(Math.random() * STATS_SHARDS);
  private readonly rounds: DynamoDeliveryRounds;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.rounds = new DynamoDeliveryRounds(db, table);
  }

  /** The meta item alone: most readers (compose, send, the archive) have no use for the counters. */
  async get(editionId: string): Promise<EditionRecord | null> {
    const meta = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { editionId, part: META }, ConsistentRead: true }),
    );
    if (!meta.Item) return null;
    const { part: _part, ...item } = meta.Item;
    return item as EditionRecord;
  }

  async getStatus(editionId: string): Promise<EditionStatus | null> {
    const res = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { editionId, part: META },
        ProjectionExpression: "#status",
        ExpressionAttributeNames: { "#status": "status" },
        ConsistentRead: true,
      }),
    );
    return (res.Item?.status as EditionStatus | undefined) ?? null;
  }

  /** The sum of the edition's counters shards and of its unsharded item (one BatchGetItem). */
  async getStats(editionId: string): Promise<Partial<Record<EditionStat, number>>> {
    return countersOf(await batchGetAll(this.db, this.table, statsKeys(editionId), { consistentRead: true }));
  }

  async createIfAbsent(edition: EditionRecord): Promise<EditionRecord> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...edition, part: META },
          ConditionExpression: "attribute_not_exists(editionId)",
        }),
      );
      await this.indexDay(edition);
      return edition;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      return (await this.get(edition.editionId)) as EditionRecord;
    }
  }

  async replace(edition: EditionRecord): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...edition, part: META } }));
    await this.indexDay(edition);
  }

  /** Writes the edition's per-day index item (idempotent: the same small item each time). */
  private async indexDay(edition: EditionRecord): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: dayIndexKey(edition) }));
  }

  async idsOfDay(day: string): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: "editionId = :k",
      ExpressionAttributeValues: { ":k": dayIndexKey({ editionId: "", date: day }).editionId },
      ProjectionExpression: "part",
      ConsistentRead: true,
    });
    return items.map((item) => item.part as string);
  }

  async markReachedReaders(editionId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { editionId, part: META },
          UpdateExpression: "SET reachedReaders = :yes",
          ConditionExpression: "attribute_exists(editionId)",
          ExpressionAttributeValues: { ":yes": true },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async releaseApproval(
    editionId: string,
    by: { at: string; by: string },
    opts: { unlessHeld?: boolean } = {},
  ): Promise<boolean> {
    // One conditional write: an editor's approve and the deadline racing each other release it once.
    return this.updateIf(editionId, {
      UpdateExpression:
        "SET #status = :sending, updatedAt = :at, approval.approvedAt = :at, approval.approvedBy = :by",
      ConditionExpression:
        "#status = :awaiting" + (opts.unlessHeld ? " AND attribute_not_exists(approval.heldAt)" : ""),
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":sending": "sending",
        ":awaiting": "awaiting-approval",
        ":at": by.at,
        ":by": by.by,
      },
    });
  }

  async holdApproval(editionId: string, by: { at: string; by: string }): Promise<boolean> {
    return this.updateIf(editionId, {
      UpdateExpression: "SET updatedAt = :at, approval.heldAt = :at, approval.heldBy = :by",
      ConditionExpression: "#status = :awaiting AND attribute_exists(approval)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":awaiting": "awaiting-approval", ":at": by.at, ":by": by.by },
    });
  }

  /** A conditional update of the edition's meta item: false when its condition did not hold. */
  private async updateIf(
    editionId: string,
    update: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      "UpdateExpression" | "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
    >,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({ TableName: this.table, Key: { editionId, part: META }, ...update }),
      );
      return true;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      return false;
    }
  }

  async markLedgerCounted(editionId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { editionId, part: META },
          UpdateExpression: "SET ledgerCounted = :yes",
          ConditionExpression: "attribute_exists(editionId)",
          ExpressionAttributeValues: { ":yes": true },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async setStatus(editionId: string, status: EditionStatus, haltedBecause?: string): Promise<boolean> {
    // Cancelled is final, and a sent edition cannot be cancelled: checked in the write itself, so a
    // sender finishing at the instant an admin cancels cannot undo either.
    const guard = status === "cancelled" ? "#status <> :sent" : "#status <> :cancelled";
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { editionId, part: META },
          UpdateExpression: haltedBecause
            ? "SET #status = :s, updatedAt = :now, haltedBecause = :why"
            : "SET #status = :s, updatedAt = :now REMOVE haltedBecause",
          ConditionExpression: `attribute_exists(editionId) AND ${guard}`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":s": status,
            ":now": new Date().toISOString(),
            ...(status === "cancelled" ? { ":sent": "sent" } : { ":cancelled": "cancelled" }),
            ...(haltedBecause ? { ":why": haltedBecause } : {}),
          },
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      if (!(await this.get(editionId))) throw new Error(`edition ${editionId} does not exist`);
      return false;
    }
  }

  async addStats(editionId: string, delta: Partial<Record<EditionStat, number>>): Promise<void> {
    const entries = Object.entries(delta).filter(([, n]) => n);
    if (entries.length === 0) return;
    // One map attribute per counter ("stats_<name>") so ADD works without creating the map first.
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const adds = entries.map(([stat, n], i) => {
      names[`#s${i}`] = `stats_${stat}`;
      values[`:n${i}`] = n as number;
      return `#s${i} :n${i}`;
    });
    // Round robin rather than a hash of the message: ADD is not idempotent anyway (a redelivered event
    // adds again whichever shard it lands on), and it spreads one process's writes evenly.
    const shard = this.nextShard;
    this.nextShard = (shard + 1) % STATS_SHARDS;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          // Small items of their own: an update of the meta item (all the edition's stories, ~26 KB)
          // would cost ~26 write units per SES event; shards, so no one partition takes every event.
          Key: statsShardKey(editionId, shard),
          UpdateExpression: `ADD ${adds.join(", ")}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async getVariant(editionId: string, key: string): Promise<RenderedVariant | null> {
    const res = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { editionId, part: variantPart(key) },
        ConsistentRead: true,
      }),
    );
    if (!res.Item) return null;
    const { subject, html, text, revision } = res.Item;
    return { key, subject, html, text, ...(typeof revision === "number" ? { revision } : {}) };
  }

  async putVariant(editionId: string, variant: RenderedVariant): Promise<boolean> {
    const { revision } = variant;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { editionId, part: variantPart(variant.key), ...variant },
          // Two renderings racing (corrections still coming): the newer copy stays.
          ...(revision !== undefined
            ? {
                ConditionExpression: "attribute_not_exists(revision) OR revision <= :revision",
                ExpressionAttributeValues: { ":revision": revision },
              }
            : {}),
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      return false;
    }
  }

  correctStory(
    editionId: string,
    story: { id: string; position: number },
    text: EditionStoryText,
    at: string,
  ): Promise<boolean> {
    const index = story.position;
    if (!Number.isInteger(index) || index < 0) return Promise.resolve(false);
    const sets = ["staleSince = if_not_exists(staleSince, :at)", "updatedAt = :at"];
    const values: Record<string, unknown> = {
      ":at": at,
      ":one": 1,
      ":awaiting": "awaiting-approval",
      ":story": story.id,
    };
    for (const field of ["headline", "excerpt"] as const) {
      const value = text[field];
      if (value === undefined) continue;
      sets.push(`#stories[${index}].${field} = :${field}`);
      values[`:${field}`] = value;
    }
    // The story still at that place (the list is never reordered after compose, but a rerun of a
    // building edition replaced it), and the edition still waiting: else the release came first.
    return this.updateIf(editionId, {
      UpdateExpression: `SET ${sets.join(", ")} ADD revision :one`,
      ConditionExpression: `#status = :awaiting AND #stories[${index}].id = :story`,
      ExpressionAttributeNames: { "#status": "status", "#stories": "stories" },
      ExpressionAttributeValues: values,
    });
  }

  markRendered(editionId: string, revision: number, subject: string): Promise<boolean> {
    return this.updateIf(editionId, {
      UpdateExpression: "SET subject = :subject REMOVE staleSince",
      // Rendered from the latest revision, else a correction came meanwhile: still stale.
      ConditionExpression:
        revision === 0 ? "attribute_not_exists(revision) OR revision = :revision" : "revision = :revision",
      ExpressionAttributeValues: { ":subject": subject, ":revision": revision },
    });
  }

  async variantKeys(editionId: string): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: "editionId = :id AND begins_with(part, :variant)",
      ExpressionAttributeValues: { ":id": editionId, ":variant": variantPart("") },
      // The keys only: a variant's HTML and text stay in the table.
      ProjectionExpression: "part",
      ConsistentRead: true,
    });
    return items.map((item) => (item.part as string).slice(variantPart("").length));
  }

  getDelivery(editionId: string): Promise<DeliveryRound | null> {
    return this.rounds.getDelivery(editionId);
  }

  startRound(
    editionId: string,
    kind: RoundKind,
    opts: { after: number | null; startedAt: string; carried: boolean },
  ): Promise<DeliveryRound | null> {
    return this.rounds.startRound(editionId, kind, opts);
  }

  openGroup(editionId: string, batches: number): Promise<number> {
    return this.rounds.openGroup(editionId, batches);
  }

  recordGroup(editionId: string, round: number, step: RoundStep): Promise<DeliveryRound | null> {
    return this.rounds.recordGroup(editionId, round, step);
  }

  settleBatch(editionId: string, ref: BatchRef, settlement: BatchSettlement): Promise<DeliveryRound | null> {
    return this.rounds.settleBatch(editionId, ref, settlement);
  }

  async settleStatus(editionId: string, status: "sent" | "partial"): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { editionId, part: META },
          UpdateExpression: "SET #status = :s, updatedAt = :now",
          // Building has not gone out; cancelled is final; a halted edition waits for an operator.
          ConditionExpression:
            "#status IN (:sending, :partial, :sent) AND attribute_not_exists(haltedBecause)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":s": status,
            ":now": new Date().toISOString(),
            ":sending": "sending",
            ":partial": "partial",
            ":sent": "sent",
          },
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      return false;
    }
  }
}
