import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Page, Suppression, SuppressionStore } from "../../core/kernel/ports.js";
import { erasedKey, legacyErasedKey } from "../../core/subscribers/subscribers.js";
import { batchGetAll } from "./client.js";

/**
 * The key erased addresses are hashed with (HMAC-SHA256): loaded on first use and kept, so commands
 * and functions that never meet an erasure never read the secret.
 */
export type ErasureKeySource = () => Promise<Uint8Array>;

/** Keys of one BatchGetItem request (DynamoDB's limit). */
const BATCH_KEYS = 100;

/**
 * The suppression list, keyed by normalised address, or for an erased address by its keyed hash
 * (or the unkeyed hash older erasures wrote, which is still read).
 */
export class DynamoSuppressionStore implements SuppressionStore {
  private key: Promise<Uint8Array> | null = null;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly erasureKey: ErasureKeySource,
  ) {}

  private keyedHash(email: string): Promise<string> {
    this.key ??= this.erasureKey().catch((err: unknown) => {
      this.key = null;
      throw err;
    });
    return this.key.then((key) => erasedKey(email, key));
  }

  async suppressed(emails: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const byKey = new Map<string, string>();
    for (const email of new Set(emails)) {
      byKey.set(email, email);
      byKey.set(await this.keyedHash(email), email);
      byKey.set(legacyErasedKey(email), email);
    }
    // Three keys an address: the batches of 100 go out at once, not one after the other.
    const keys = [...byKey.keys()].map((email) => ({ email }));
    const batches = [];
    for (let i = 0; i < keys.length; i += BATCH_KEYS) batches.push(keys.slice(i, i + BATCH_KEYS));
    const results = await Promise.all(
      batches.map((batch) => batchGetAll(this.db, this.table, batch, { projection: "email" })),
    );
    for (const item of results.flat()) {
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

  async erasure(email: string): Promise<Suppression | null> {
    return (await this.get(await this.keyedHash(email))) ?? (await this.get(legacyErasedKey(email)));
  }

  async markErased(email: string, at: string): Promise<void> {
    const key = await this.keyedHash(email);
    await this.put({ email: key, reason: "erased", detail: null, at });
    await this.remove(legacyErasedKey(email));
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
