import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Feed, FeedPollRecord, FeedStatus, FeedStore } from "../../core/stories/feeds.js";
import type { ImportCounts } from "../../core/stories/story-import.js";
import { isConditionalCheckFailed, scanAll } from "./client.js";

const STATUSES: readonly FeedStatus[] = ["ok", "not-modified", "error"];

/** Subscribed feeds keyed by canonical URL; few enough that listing is one paged Scan. */
export class DynamoFeedStore implements FeedStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(url: string, section: string | null, addedAt: string): Promise<"added" | "updated"> {
    const sets = ["addedAt = if_not_exists(addedAt, :addedAt)"];
    const values: Record<string, unknown> = { ":addedAt": addedAt };
    if (section !== null) {
      sets.push("#section = :section");
      values[":section"] = section;
    }
    const res = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { url },
        UpdateExpression: `SET ${sets.join(", ")}`,
        ExpressionAttributeNames: section !== null ? { "#section": "section" } : undefined,
        ExpressionAttributeValues: values,
        ReturnValues: "UPDATED_OLD",
      }),
    );
    return res.Attributes?.addedAt ? "updated" : "added";
  }

  async get(url: string): Promise<Feed | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { url }, ConsistentRead: true }),
    );
    return Item ? toFeed(Item) : null;
  }

  async list(): Promise<Feed[]> {
    const items = await scanAll(this.db, { TableName: this.table, ConsistentRead: true });
    return items.map(toFeed).sort((a, b) => a.url.localeCompare(b.url));
  }

  async remove(url: string): Promise<boolean> {
    const res = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { url }, ReturnValues: "ALL_OLD" }),
    );
    return Boolean(res.Attributes);
  }

  async recordPoll(url: string, record: FeedPollRecord): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ":polledAt": record.polledAt,
      ":status": record.status,
      ":error": record.error,
    };
    const sets = ["lastPolledAt = :polledAt", "lastStatus = :status", "lastError = :error"];
    if (record.status === "error") {
      values[":zero"] = 0;
      values[":one"] = 1;
      sets.push("consecutiveFailures = if_not_exists(consecutiveFailures, :zero) + :one");
    } else {
      values[":zero"] = 0;
      sets.push("consecutiveFailures = :zero");
    }
    const optional: [keyof FeedPollRecord, string][] = [
      ["title", "title"],
      ["etag", "etag"],
      ["lastModified", "lastModified"],
      ["counts", "lastCounts"],
    ];
    for (const [key, attribute] of optional) {
      if (record[key] === undefined) continue;
      names[`#${attribute}`] = attribute;
      values[`:${attribute}`] = record[key];
      sets.push(`#${attribute} = :${attribute}`);
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { url },
          UpdateExpression: `SET ${sets.join(", ")}`,
          // Removed while it was being polled: stays removed.
          ConditionExpression: "attribute_exists(#url)",
          ExpressionAttributeNames: { ...names, "#url": "url" },
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

function toCounts(v: unknown): ImportCounts | null {
  if (typeof v !== "object" || v === null) return null;
  const o = v as Record<string, unknown>;
  const n = (k: string) => (typeof o[k] === "number" ? (o[k] as number) : 0);
  return { imported: n("imported"), updated: n("updated"), skipped: n("skipped"), invalid: n("invalid") };
}

function toFeed(item: Record<string, unknown>): Feed {
  const status = item.lastStatus as FeedStatus;
  return {
    url: String(item.url),
    section: str(item.section),
    title: str(item.title),
    addedAt: String(item.addedAt ?? ""),
    etag: str(item.etag),
    lastModified: str(item.lastModified),
    lastPolledAt: str(item.lastPolledAt),
    lastStatus: STATUSES.includes(status) ? status : null,
    lastError: str(item.lastError),
    consecutiveFailures: typeof item.consecutiveFailures === "number" ? item.consecutiveFailures : 0,
    lastCounts: toCounts(item.lastCounts),
  };
}
