import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  type AuditEntry,
  type AuditLog,
  type AuditPage,
  type AuditQuery,
  ERASED_TARGET,
  InvalidAuditCursorError,
} from "../../core/team/ports.js";
import { queryAll } from "./client.js";

/**
 * The audit log in its table (schema.ts `audit`): one partition, sort key "<at>#<id>", so newest first
 * is one Query read backwards; from/to bound the sort key, actor/action/target filter. A page's cursor
 * is the sort key of its last entry (base64url), so the next page starts right after it even when the
 * filters made the Query read further than the page holds.
 */
const PARTITION = "audit";
/** Query reads per page at most, when the filters match few entries (the cursor then resumes). */
const MAX_READS = 10;

export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(e: AuditEntry): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: PARTITION, sk: `${e.at}#${e.id}`, ...e },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async forget(target: string): Promise<number> {
    // A read of the whole log (filtered): erasures are rare and the log is admin writes only.
    const keys = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: "pk = :pk",
      FilterExpression: "#target = :t",
      ExpressionAttributeNames: { "#target": "target" },
      ExpressionAttributeValues: { ":pk": PARTITION, ":t": target },
      ProjectionExpression: "pk, sk",
    });
    for (const key of keys) {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: key.pk, sk: key.sk },
          UpdateExpression: "SET #target = :erased",
          ExpressionAttributeNames: { "#target": "target" },
          ExpressionAttributeValues: { ":erased": ERASED_TARGET },
        }),
      );
    }
    return keys.length;
  }

  async list(q: AuditQuery): Promise<AuditPage> {
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ":pk": PARTITION,
      ":lo": q.from ?? "0",
      ":hi": `${q.to ?? "9999"}\uffff`,
    };
    const filters: string[] = [];
    for (const field of ["actor", "action", "target"] as const) {
      const value = q[field];
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      filters.push(`#${field} = :${field}`);
    }
    const items: AuditEntry[] = [];
    let start: Record<string, unknown> | undefined = after ? { pk: PARTITION, sk: after } : undefined;
    let lastSk: string | null = null;
    for (let reads = 0; reads < MAX_READS; reads++) {
      const res = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
          FilterExpression: filters.length ? filters.join(" AND ") : undefined,
          ExpressionAttributeNames: filters.length ? names : undefined,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          ExclusiveStartKey: start,
          Limit: Math.max(q.limit - items.length, 25),
        }),
      );
      for (const item of res.Items ?? []) {
        if (items.length === q.limit) return { items, nextCursor: encodeCursor(lastSk as string) };
        items.push(toEntry(item));
        lastSk = String(item.sk);
      }
      start = res.LastEvaluatedKey;
      if (!start) return { items, nextCursor: null };
      lastSk = String(start.sk);
      if (items.length === q.limit) return { items, nextCursor: encodeCursor(lastSk) };
    }
    return { items, nextCursor: lastSk ? encodeCursor(lastSk) : null };
  }
}

const encodeCursor = (sk: string) => Buffer.from(JSON.stringify({ sk }), "utf8").toString("base64url");

function decodeCursor(cursor: string): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { sk?: unknown };
    if (typeof value.sk === "string" && /^\d{4}-\d\d-\d\dT[^#]+#[\w-]+$/.test(value.sk)) return value.sk;
  } catch {}
  throw new InvalidAuditCursorError();
}

function toEntry(item: Record<string, unknown>): AuditEntry {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as AuditEntry;
}
