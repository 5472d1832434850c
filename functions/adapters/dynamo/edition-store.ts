import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  EDITION_STATS,
  type EditionRecord,
  type EditionStat,
  type EditionStatus,
  type EditionStore,
  type RenderedVariant,
} from "../../core/ports.js";
import { isConditionalCheckFailed, queryAll } from "./client.js";

const META = "meta";
const STATS = "stats";
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

/** The counters of a "stats" item (one attribute "stats_<name>" per counter). */
function countersOf(item: Record<string, unknown> | undefined): Partial<Record<EditionStat, number>> {
  const stats: Partial<Record<EditionStat, number>> = {};
  for (const stat of EDITION_STATS) {
    const value = item?.[`stats_${stat}`];
    if (typeof value === "number") stats[stat] = value;
  }
  return stats;
}

/** Editions: a "meta" item per edition and one item per rendered variant (keeps items < 400 KB). */
export class DynamoEditionStore implements EditionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(editionId: string): Promise<EditionRecord | null> {
    const [meta, counters] = await Promise.all(
      [META, STATS].map((part) =>
        this.db.send(
          new GetCommand({ TableName: this.table, Key: { editionId, part }, ConsistentRead: true }),
        ),
      ),
    );
    if (!meta?.Item) return null;
    const { part: _part, ...item } = meta.Item;
    return { ...(item as EditionRecord), stats: countersOf(counters?.Item) };
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

  async getStats(editionId: string): Promise<Partial<Record<EditionStat, number>>> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { editionId, part: STATS }, ConsistentRead: true }),
    );
    return countersOf(res.Item);
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
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          // A small item of its own: an update of the meta item (all the edition's stories, ~26 KB)
          // would cost ~26 write units per SES event and cap the event rate on that one item.
          Key: { editionId, part: STATS },
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
    return { key, subject: res.Item.subject, html: res.Item.html, text: res.Item.text };
  }

  async putVariant(editionId: string, variant: RenderedVariant): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { editionId, part: variantPart(variant.key), ...variant },
      }),
    );
  }
}
