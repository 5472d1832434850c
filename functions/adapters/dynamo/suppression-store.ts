import { BatchGetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SuppressionStore } from "../../core/ports.js";

const BATCH_GET_LIMIT = 100;

/** The suppression list, keyed by normalised address. */
export class DynamoSuppressionStore implements SuppressionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async suppressed(emails: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const unique = [...new Set(emails)];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = unique
        .slice(i, i + BATCH_GET_LIMIT)
        .map((email) => ({ email }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        const res = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.table]: { Keys: keys, ProjectionExpression: "email" } },
          }),
        );
        for (const item of res.Responses?.[this.table] ?? []) found.add(item.email as string);
        keys = res.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return found;
  }
}
