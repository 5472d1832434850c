import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Page, Suppression, SuppressionStore } from "../../core/ports.js";
import { erasedKey } from "../../core/subscribers.js";
import { batchGetAll } from "./client.js";

/** The suppression list, keyed by normalised address (or an erased address's hash). */
export class DynamoSuppressionStore implements SuppressionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async suppressed(emails: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const byKey = new Map<string, string>();
    for (const email of new Set(emails)) {
      byKey.set(email, email);
      byKey.set(erasedKey(email), email);
    }
    const keys = [...byKey.keys()].map((email) => ({ email }));
    for (const item of await batchGetAll(this.db, this.table, keys, { projection: "email" })) {
      const email = byKey.get(item.email as string);
      if (email) found.add(email);
    }
    return found;
  }

  async get(email: string): Promise<Suppression | null> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { email }, ConsistentRead: true }),
    );
    return res.Item ? toSuppression(res.Item) : null;
  }

  async put(entry: Suppression): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: entry }));
  }

  async remove(email: string): Promise<boolean> {
    const res = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { email }, ReturnValues: "ALL_OLD" }),
    );
    return Boolean(res.Attributes);
  }

  async list(cursor: string | null, limit: number): Promise<Page<Suppression>> {
    const res = await this.db.send(
      new ScanCommand({
        TableName: this.table,
        Limit: limit,
        ExclusiveStartKey: cursor ? JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) : undefined,
      }),
    );
    return {
      items: (res.Items ?? []).map(toSuppression),
      nextCursor: res.LastEvaluatedKey
        ? Buffer.from(JSON.stringify(res.LastEvaluatedKey)).toString("base64url")
        : null,
    };
  }
}

function toSuppression(item: Record<string, unknown>): Suppression {
  return {
    email: String(item.email),
    reason: String(item.reason ?? "manual"),
    detail: typeof item.detail === "string" ? item.detail : null,
    at: String(item.at ?? ""),
  };
}
