import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Page, SubscriberStore } from "../../core/kernel/ports.js";
import {
  deliverySlot,
  type Subscriber,
  type SubscriberStatus,
  shardOf,
  statusShard,
} from "../../core/subscribers/subscribers.js";
import { SLOT_SHARDS, STATUS_SHARDS } from "../schema.js";
import { batchGetAll, batchWriteAll, isConditionalCheckFailed } from "./client.js";

/**
 * A subscriber as stored: the record plus the keys of its sharded indexes (byStatus; bySlot for
 * active subscribers only, so that index stays sparse).
 */
export function subscriberItem(s: Subscriber): Record<string, unknown> {
  const slot = deliverySlot(s);
  return {
    ...s,
    statusShard: statusShard(s.status, s.email, STATUS_SHARDS),
    slotShard: slot === null ? undefined : shardOf(slot, s.email, SLOT_SHARDS),
  };
}

interface Cursor {
  shard?: number;
  key?: Record<string, unknown>;
}

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString("base64url");
function decodeCursor(text: string | null): Cursor {
  if (!text) return {};
  try {
    return JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Cursor;
  } catch {
    throw new Error("invalid cursor");
  }
}

/**
 * Subscribers keyed by normalised address (one record per address). Listing by status walks the
 * sharded byStatus index shard by shard; the cursor carries the shard and DynamoDB's own key.
 */
export class DynamoSubscriberStore implements SubscriberStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private item(s: Subscriber) {
    return subscriberItem(s);
  }

  async get(email: string): Promise<Subscriber | null> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { email }, ConsistentRead: true }),
    );
    return res.Item ? toSubscriber(res.Item) : null;
  }

  async getMany(emails: readonly string[]): Promise<Map<string, Subscriber>> {
    const keys = [...new Set(emails)].map((email) => ({ email }));
    const items = await batchGetAll(this.db, this.table, keys, { consistentRead: true });
    return new Map(items.map((item) => [item.email as string, toSubscriber(item)]));
  }

  async getById(id: string): Promise<Subscriber | null> {
    const res = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: "byId",
        KeyConditionExpression: "id = :id",
        ExpressionAttributeValues: { ":id": id },
        Limit: 1,
      }),
    );
    const email = res.Items?.[0]?.email;
    return typeof email === "string" ? this.get(email) : null;
  }

  async delete(email: string): Promise<boolean> {
    const res = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { email }, ReturnValues: "ALL_OLD" }),
    );
    return Boolean(res.Attributes);
  }

  async listSlot(slot: string, cursorText: string | null, limit: number): Promise<Page<string>> {
    const page = await this.queryShards(
      { index: "bySlot", key: "slotShard", shards: SLOT_SHARDS, shard: (n) => `${slot}#${n}` },
      cursorText,
      limit,
    );
    return { items: page.items.map((item) => item.email as string), nextCursor: page.nextCursor };
  }

  async create(subscriber: Subscriber): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: this.item(subscriber),
          ConditionExpression: "attribute_not_exists(email)",
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async put(subscriber: Subscriber): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: this.item(subscriber) }));
  }

  async putMany(subscribers: readonly Subscriber[]): Promise<void> {
    // One item per address: BatchWriteItem refuses a request that names a key twice (the last wins).
    const byEmail = new Map(subscribers.map((s) => [s.email, s]));
    await batchWriteAll(this.db, this.table, [...byEmail.values()].map(subscriberItem));
  }

  async noteSignupRequest(email: string, at: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { email },
          UpdateExpression: "SET signupRequestedAt = :at",
          ConditionExpression: "attribute_exists(email)",
          ExpressionAttributeValues: { ":at": at },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async list(
    filter: { status?: SubscriberStatus },
    cursorText: string | null,
    limit: number,
  ): Promise<Page<Subscriber>> {
    if (!filter.status) {
      const cursor = decodeCursor(cursorText);
      const res = await this.db.send(
        new ScanCommand({ TableName: this.table, Limit: limit, ExclusiveStartKey: cursor.key }),
      );
      return {
        items: (res.Items ?? []).map(toSubscriber),
        nextCursor: res.LastEvaluatedKey ? encodeCursor({ key: res.LastEvaluatedKey }) : null,
      };
    }
    const page = await this.queryShards(
      {
        index: "byStatus",
        key: "statusShard",
        shards: STATUS_SHARDS,
        shard: (n) => `${filter.status}#${String(n).padStart(2, "0")}`,
      },
      cursorText,
      limit,
    );
    return { items: page.items.map(toSubscriber), nextCursor: page.nextCursor };
  }

  /**
   * One page of a sharded index, shard after shard (each shard is one partition key, `shard(n)`): the
   * cursor holds the shard it stopped in and DynamoDB's start key within it.
   */
  private async queryShards(
    sharded: { index: string; key: string; shards: number; shard: (n: number) => string },
    cursorText: string | null,
    limit: number,
  ): Promise<Page<Record<string, unknown>>> {
    const cursor = decodeCursor(cursorText);
    const items: Record<string, unknown>[] = [];
    let shard = cursor.shard ?? 0;
    let key = cursor.key;
    while (shard < sharded.shards && items.length < limit) {
      const res = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: sharded.index,
          KeyConditionExpression: `${sharded.key} = :s`,
          ExpressionAttributeValues: { ":s": sharded.shard(shard) },
          Limit: limit - items.length,
          ExclusiveStartKey: key,
        }),
      );
      items.push(...(res.Items ?? []));
      key = res.LastEvaluatedKey;
      if (!key) shard++;
    }
    return { items, nextCursor: shard < sharded.shards ? encodeCursor({ shard, key }) : null };
  }
}

function toSubscriber(item: Record<string, unknown>): Subscriber {
  const { statusShard: _shard, slotShard: _slot, ...rest } = item;
  return rest as unknown as Subscriber;
}
