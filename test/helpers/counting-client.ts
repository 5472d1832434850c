import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** What a counting client saw: items DynamoDB returned, per operation and table. */
export interface ReadCount {
  /** Items returned by reads (GetItem's Item, Query's and Scan's Items, BatchGetItem's Responses). */
  items: number;
  /** Items a Query or Scan evaluated (ScannedCount: what DynamoDB charges for, filter or not). */
  scanned: number;
  /** "<Command> <table>" of every call, in order. */
  calls: string[];
}

/**
 * `db` with every command's reads counted into the returned `count` (reset it between measurements
 * with `reset`). The real client answers; only the results are looked at.
 */
export function countingClient(db: DynamoDBDocumentClient): {
  client: DynamoDBDocumentClient;
  count: ReadCount;
  reset(): void;
} {
  const count: ReadCount = { items: 0, scanned: 0, calls: [] };
  const client = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== "send") return Reflect.get(target, prop, receiver);
      return async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        // biome-ignore lint/suspicious/noExplicitAny: every command's output passes through
        const out: any = await (target.send as any)(command);
        const input = command.input;
        const tables = input.TableName
          ? [input.TableName as string]
          : Object.keys((input.RequestItems as object | undefined) ?? {});
        count.calls.push(`${command.constructor.name} ${tables.join(",")}`);
        if (out?.Item) count.items += 1;
        if (Array.isArray(out?.Items)) count.items += out.Items.length;
        if (typeof out?.ScannedCount === "number") count.scanned += out.ScannedCount;
        for (const items of Object.values((out?.Responses as Record<string, unknown[]> | undefined) ?? {}))
          count.items += items.length;
        return out;
      };
    },
  });
  return {
    client,
    count,
    reset() {
      count.items = 0;
      count.scanned = 0;
      count.calls.length = 0;
    },
  };
}
