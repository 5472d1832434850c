import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { RateLimitHit, RateLimitStore } from "../../core/subscribers/rate-limits.js";
import { isConditionalCheckFailed } from "./client.js";

/**
 * Rate-limit counters in DynamoDB, one item per key: `hits` in the window that opened at
 * `windowStart` (epoch seconds), deleted by TTL (`expiresAt`) once the window is over. Every change
 * is a conditional update, so parallel requests can never count past the limit (no read-then-write).
 */
export class DynamoRateLimitStore implements RateLimitStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async hit(key: string, limit: number, windowSeconds: number, now: Date): Promise<RateLimitHit> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const opensAfter = nowSeconds - windowSeconds; // a window that opened at or before this is over
    // A window another request opened between our two writes: count again, a few times at most.
    for (let attempt = 0; attempt < 3; attempt++) {
      // One more in the open window, while it has room.
      if (
        await this.update(key, {
          UpdateExpression: "SET hits = hits + :one",
          ConditionExpression: "windowStart > :opensAfter AND hits < :limit",
          ExpressionAttributeValues: { ":one": 1, ":opensAfter": opensAfter, ":limit": limit },
        })
      ) {
        return { ok: true };
      }
      // No window, or an old one: open a new one with this event.
      if (
        await this.update(key, {
          UpdateExpression: "SET hits = :one, windowStart = :now, expiresAt = :expires",
          ConditionExpression: "attribute_not_exists(windowStart) OR windowStart <= :opensAfter",
          ExpressionAttributeValues: {
            ":one": 1,
            ":now": nowSeconds,
            ":expires": nowSeconds + windowSeconds,
            ":opensAfter": opensAfter,
          },
        })
      ) {
        return { ok: true };
      }
      const res = await this.db.send(
        new GetCommand({ TableName: this.table, Key: { id: key }, ConsistentRead: true }),
      );
      const windowStart = Number(res.Item?.windowStart);
      const hits = Number(res.Item?.hits);
      if (windowStart > opensAfter && hits >= limit) {
        return { ok: false, retryAfter: Math.max(1, windowStart + windowSeconds - nowSeconds) };
      }
    }
    return { ok: false, retryAfter: 1 };
  }

  /** True when the conditional update applied, false when its condition failed. */
  private async update(
    key: string,
    input: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      "UpdateExpression" | "ConditionExpression" | "ExpressionAttributeValues"
    >,
  ): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand({ TableName: this.table, Key: { id: key }, ...input }));
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}
