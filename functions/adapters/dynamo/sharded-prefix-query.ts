import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";

/**
 * A prefix search over a sharded index: the items whose sort key starts with `prefix`, read from
 * every partition of `partitions` (the shards of the prefix's first character) and merged into one
 * sequence in key order, page by page. The position between pages is one sort key (`after`): every
 * item at or before it, in every shard, was returned or filtered out. Each shard then starts after
 * it (DynamoDB takes a start key no item has), so a cursor is the same for every shard.
 *
 * A page reads each shard only as far as it must: about twice a shard's share of the page at first,
 * then more from a shard only when the merge is waiting on it (its last key read is the lowest), so a
 * page of 100 over 4 shards reads ~60 items a shard, not 100. With a filter (a status) a Query may
 * return fewer items than it read; `maxRead` bounds the items read per page, and a short page then
 * comes with the position reached.
 */

export interface ShardedPrefixQuery {
  table: string;
  index: string;
  partitionAttribute: string;
  sortAttribute: string;
  partitions: readonly string[];
  prefix: string;
  /** The table's own key of an item with this sort key (a start key names both). */
  tableKey: (sortKey: string) => Record<string, unknown>;
  /** A FilterExpression and its names and values (names and values must not start with "#k" / ":k"). */
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
}

export interface MergedPage {
  items: Record<string, unknown>[];
  /** Where the next page starts (after this sort key), or null: nothing is left. */
  after: string | null;
  /** Items the Queries read (DynamoDB's ScannedCount: before the filter). */
  read: number;
}

/** Orders strings as DynamoDB does: by their UTF-8 bytes (UTF-16 order differs past U+FFFF). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

interface Shard {
  partition: string;
  /** Items read and not yet given out, in key order. */
  buffer: Record<string, unknown>[];
  startKey?: Record<string, unknown>;
  /** The last sort key read in this shard (items up to it are in the buffer or given out). */
  frontier?: string;
  done: boolean;
}

export async function shardedPrefixPage(
  db: DynamoDBDocumentClient,
  q: ShardedPrefixQuery,
  after: string | null,
  limit: number,
  maxRead: number,
): Promise<MergedPage> {
  const sortOf = (item: Record<string, unknown>) => item[q.sortAttribute] as string;
  const shards: Shard[] = q.partitions.map((partition) => ({
    partition,
    buffer: [],
    startKey:
      after === null
        ? undefined
        : { ...q.tableKey(after), [q.partitionAttribute]: partition, [q.sortAttribute]: after },
    frontier: after ?? undefined,
    done: false,
  }));
  const items: Record<string, unknown>[] = [];
  let read = 0;
  let fetched = false;

  const fetch = async (shard: Shard, count: number) => {
    const res = await db.send(
      new QueryCommand({
        TableName: q.table,
        IndexName: q.index,
        KeyConditionExpression: "#kp = :kp AND begins_with(#ks, :ks)",
        ExpressionAttributeNames: { "#kp": q.partitionAttribute, "#ks": q.sortAttribute, ...q.filter?.names },
        ExpressionAttributeValues: { ":kp": shard.partition, ":ks": q.prefix, ...q.filter?.values },
        FilterExpression: q.filter?.expression,
        Limit: count,
        ExclusiveStartKey: shard.startKey,
      }),
    );
    read += res.ScannedCount ?? res.Items?.length ?? 0;
    shard.buffer.push(...(res.Items ?? []));
    shard.startKey = res.LastEvaluatedKey;
    if (res.LastEvaluatedKey) shard.frontier = sortOf(res.LastEvaluatedKey);
    else shard.done = true;
  };

  for (;;) {
    const open = shards.filter((s) => !s.done);
    // Nothing above the lowest frontier of a shard still open may be given out: that shard may yet
    // hold a smaller key.
    const bound = open.reduce<string | undefined>(
      (low, s) => (low === undefined || compareKeys(s.frontier as string, low) < 0 ? s.frontier : low),
      undefined,
    );
    // The shards the merge waits on: not read yet, or read only up to the bound (their buffers are empty).
    const waiting = open.filter(
      (s) => !fetched || s.frontier === undefined || (bound !== undefined && s.frontier === bound),
    );
    if (waiting.length > 0 && (!fetched || read < maxRead)) {
      const need = limit - items.length;
      let count = Math.ceil((2 * need) / shards.length) + 8;
      if (q.filter) count *= 4; // most of what a filtered Query reads may not match
      count = Math.max(1, Math.min(count, Math.ceil(maxRead / shards.length)));
      await Promise.all(waiting.map((s) => fetch(s, count)));
      fetched = true;
    }
    const stillOpen = shards.filter((s) => !s.done);
    const upTo = stillOpen.reduce<string | undefined>(
      (low, s) => (low === undefined || compareKeys(s.frontier as string, low) < 0 ? s.frontier : low),
      undefined,
    );
    while (items.length < limit) {
      let next: Shard | undefined;
      for (const s of shards) {
        const head = s.buffer[0];
        if (
          head &&
          (!next || compareKeys(sortOf(head), sortOf(next.buffer[0] as Record<string, unknown>)) < 0)
        )
          next = s;
      }
      if (!next) break;
      const key = sortOf(next.buffer[0] as Record<string, unknown>);
      if (upTo !== undefined && compareKeys(key, upTo) > 0) break;
      items.push(next.buffer.shift() as Record<string, unknown>);
    }
    if (items.length >= limit)
      return { items, after: sortOf(items[items.length - 1] as Record<string, unknown>), read };
    if (stillOpen.length === 0 && shards.every((s) => s.buffer.length === 0))
      return { items, after: null, read };
    // Read enough for one request: the page so far, and where it got to.
    if (read >= maxRead) return { items, after: upTo ?? null, read };
  }
}
