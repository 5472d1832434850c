import { type DynamoDBDocumentClient, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { eachBounded } from "../../core/kernel/limiter.js";
import { isConditionalCheckFailed } from "./client.js";
import { DERIVED_KEYS, derivedKeys, toSubscriber } from "./subscriber-item.js";

/**
 * The backfill of index keys (the reindex job, core/jobs/reindex-job.ts): one Scan page of the
 * subscribers table, and for each record whose stored keys differ from those derived from it now
 * (a record written before an index existed), one UpdateItem that sets (or removes) only those keys.
 *
 * Never a whole-record put: a reader unsubscribing between the Scan and the write must not be
 * undone. The update is conditional on the attributes the keys derive from (status, name, zone,
 * hour) being what the Scan read; when one changed, that write went through the store, which set the
 * keys itself, and the record is left alone. Records already right are not written: a second run
 * (a resumed job) reads and writes nothing twice.
 */

/** Attributes the derived keys are computed from (derivedKeys, subscriber-item.ts), besides the address. */
const SOURCES = ["status", "name", "timezone", "deliveryHour"] as const;
/** Updates in flight at once. */
const IN_FLIGHT = 8;

export interface RefreshedPage {
  read: number;
  refreshed: number;
  /** The Scan's last key: where the next page starts (none: the table was read to its end). */
  lastKey?: Record<string, unknown>;
}

export async function refreshDerivedKeys(
  db: DynamoDBDocumentClient,
  table: string,
  startKey: Record<string, unknown> | undefined,
  limit: number,
): Promise<RefreshedPage> {
  const res = await db.send(
    new ScanCommand({ TableName: table, Limit: limit, ExclusiveStartKey: startKey, ConsistentRead: true }),
  );
  const items = res.Items ?? [];
  let refreshed = 0;
  await eachBounded(items, IN_FLIGHT, async (item) => {
    if (await refreshItem(db, table, item)) refreshed++;
  });
  return { read: items.length, refreshed, lastKey: res.LastEvaluatedKey };
}

/** Writes the item's derived keys if they differ; true when it did. */
async function refreshItem(
  db: DynamoDBDocumentClient,
  table: string,
  item: Record<string, unknown>,
): Promise<boolean> {
  const wanted = derivedKeys(toSubscriber(item));
  const set = DERIVED_KEYS.filter((k) => wanted[k] !== undefined && item[k] !== wanted[k]);
  const remove = DERIVED_KEYS.filter((k) => wanted[k] === undefined && item[k] !== undefined);
  if (set.length === 0 && remove.length === 0) return false;

  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions = ["attribute_exists(email)"];
  SOURCES.forEach((attribute, i) => {
    names[`#c${i}`] = attribute;
    const value = item[attribute];
    if (value === undefined) conditions.push(`attribute_not_exists(#c${i})`);
    else if (value === null) {
      values[`:c${i}`] = "NULL";
      conditions.push(`attribute_type(#c${i}, :c${i})`);
    } else {
      values[`:c${i}`] = value;
      conditions.push(`#c${i} = :c${i}`);
    }
  });
  const clauses: string[] = [];
  if (set.length > 0) {
    clauses.push(
      `SET ${set
        .map((k, i) => {
          names[`#s${i}`] = k;
          values[`:s${i}`] = wanted[k];
          return `#s${i} = :s${i}`;
        })
        .join(", ")}`,
    );
  }
  if (remove.length > 0) {
    clauses.push(
      `REMOVE ${remove
        .map((k, i) => {
          names[`#r${i}`] = k;
          return `#r${i}`;
        })
        .join(", ")}`,
    );
  }
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: { email: item.email },
        UpdateExpression: clauses.join(" "),
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
      }),
    );
    return true;
  } catch (err) {
    // Written (or deleted) since the Scan read it: that write set its keys, or there is no record.
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}
