import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  paginateQuery,
  paginateScan,
  type QueryCommandInput,
  type ScanCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { eachBounded } from "../../core/kernel/limiter.js";

/**
 * A DynamoDB document client. With no explicit endpoint the SDK's own resolution applies
 * (AWS_ENDPOINT_URL_DYNAMODB, region, credentials chain), so the same code runs in Lambda.
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return documentClientOver(new DynamoDBClient({ maxAttempts: 5, ...config }));
}

export function documentClientOver(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return (err as { name?: string })?.name === "ConditionalCheckFailedException";
}

const BATCH_GET_LIMIT = 100;

/**
 * Reads items by key in BatchGetItem pages of 100, retrying the keys DynamoDB returns as unprocessed
 * with a growing pause; resolves with every item found (missing keys simply have none).
 */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
  opts: { consistentRead?: boolean; projection?: string } = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + BATCH_GET_LIMIT);
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      const res = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: pending,
              ConsistentRead: opts.consistentRead,
              ProjectionExpression: opts.projection,
            },
          },
        }),
      );
      items.push(...(res.Responses?.[table] ?? []));
      pending = res.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return items;
}

const BATCH_WRITE_LIMIT = 25;
/** Requests of one batchWriteAll in flight at once. */
const BATCH_WRITE_IN_FLIGHT = 4;
/** Rounds of retrying unprocessed items before giving up (about 10 s of pauses in all). */
const BATCH_WRITE_ROUNDS = 15;

/**
 * Puts items with BatchWriteItem, 25 a request and a few requests at once. The items DynamoDB returns
 * as unprocessed (throttling, a partition busy) are sent again after a growing pause (50 ms doubling,
 * at most 1 s), up to BATCH_WRITE_ROUNDS times; then it throws, saying how many were not written.
 * Unconditional: an item replaces whatever has its key.
 */
export async function batchWriteAll(
  db: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT)
    chunks.push(items.slice(i, i + BATCH_WRITE_LIMIT));
  await eachBounded(chunks, BATCH_WRITE_IN_FLIGHT, async (chunk) => {
    let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= BATCH_WRITE_ROUNDS) {
        throw new Error(`BatchWriteItem: ${pending.length} item(s) still unprocessed after ${attempt} tries`);
      }
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      const res = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (res.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  });
}

/** Every item a Query matches, page after page (the SDK's paginator follows LastEvaluatedKey). */
export async function queryAll(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateQuery({ client: db }, input)) items.push(...(page.Items ?? []));
  return items;
}

/** Every item of a Scan, page after page; for small tables only (the feeds). */
export async function scanAll(
  db: DynamoDBDocumentClient,
  input: ScanCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: db }, input)) items.push(...(page.Items ?? []));
  return items;
}
