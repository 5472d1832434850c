import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { IndexRefreshPage, Page, SubscriberStore } from "../../core/kernel/ports.js";
import {
  emailOfNameSortKey,
  firstCharacter,
  SearchIndexUnavailableError,
  type SubscriberSearch,
} from "../../core/subscribers/search-keys.js";
import type { Subscriber, SubscriberStatus } from "../../core/subscribers/subscribers.js";
import { SEARCH_SHARDS, SLOT_SHARDS, STATUS_SHARDS } from "../schema.js";
import { batchGetAll, batchWriteAll, isConditionalCheckFailed } from "./client.js";
import { shardedPrefixPage } from "./sharded-prefix-query.js";
import { subscriberItem, toSubscriber } from "./subscriber-item.js";
import { refreshDerivedKeys } from "./subscriber-reindex.js";

export { subscriberItem } from "./subscriber-item.js";

/** Items a search reads per request at most (before the status filter): about 2 MB of records. */
const SEARCH_MAX_READ = 2000;

/** The partitions of a search index holding keys that start with `prefix`. */
const searchPartitions = (prefix: string) =>
  Array.from({ length: SEARCH_SHARDS }, (_, n) => `${firstCharacter(prefix)}#${n}`);

interface Cursor {
  shard?: number;
  key?: Record<string, unknown>;
  /** A search's position: the sort key it stopped after. */
  after?: string;
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

function decodeSearchCursor(text: string | null): string | null {
  if (!text) return null;
  const { after } = decodeCursor(text);
  if (typeof after !== "string" || after === "") throw new Error("invalid cursor");
  return after;
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

  async search(query: SubscriberSearch, cursorText: string | null, limit: number): Promise<Page<Subscriber>> {
    if (query.prefix === "") throw new Error("a search needs a prefix");
    const after = decodeSearchCursor(cursorText);
    // A cursor of another search would start outside this one's keys (DynamoDB refuses it too).
    if (after !== null && !after.startsWith(query.prefix)) throw new Error("invalid cursor");
    const byName = query.by === "name";
    const index = byName ? "byName" : "byAddress";
    const page = await shardedPrefixPage(
      this.db,
      {
        table: this.table,
        index,
        partitionAttribute: byName ? "nameShard" : "addressShard",
        sortAttribute: byName ? "nameKey" : "email",
        partitions: searchPartitions(query.prefix),
        prefix: query.prefix,
        tableKey: (key) => ({ email: byName ? emailOfNameSortKey(key) : key }),
        filter: query.status
          ? {
              expression: "#status = :status",
              names: { "#status": "status" },
              values: { ":status": query.status },
            }
          : undefined,
      },
      after,
      limit,
      SEARCH_MAX_READ,
    ).catch((err: Error) => {
      // DynamoDB: "Cannot read from backfilling global secondary index", or (a table older than the
      // index) "The table does not have the specified index".
      if (/backfilling|specified index/i.test(err.message ?? "")) {
        throw new SearchIndexUnavailableError(
          `the search index ${index} cannot be read yet (${err.message}): it is being built after an upgrade, or this table predates it`,
        );
      }
      throw err;
    });
    return {
      items: page.items.map(toSubscriber),
      nextCursor: page.after === null ? null : encodeCursor({ after: page.after }),
    };
  }

  refreshIndexKeys(cursorText: string | null, limit: number): Promise<IndexRefreshPage> {
    const cursor = decodeCursor(cursorText);
    return refreshDerivedKeys(this.db, this.table, cursor.key, limit).then((page) => ({
      read: page.read,
      refreshed: page.refreshed,
      nextCursor: page.lastKey ? encodeCursor({ key: page.lastKey }) : null,
    }));
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
