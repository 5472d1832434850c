import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { EditionRecord, EditionStatus, EditionStore, RenderedVariant } from "../../core/ports.js";
import { isConditionalCheckFailed } from "./client.js";

const META = "meta";
const variantPart = (key: string) => `variant#${key}`;

/** Editions: a "meta" item per edition and one item per rendered variant (keeps items < 400 KB). */
export class DynamoEditionStore implements EditionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(editionId: string): Promise<EditionRecord | null> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { editionId, part: META }, ConsistentRead: true }),
    );
    if (!res.Item) return null;
    const { part: _part, ...edition } = res.Item;
    return edition as EditionRecord;
  }

  async createIfAbsent(edition: EditionRecord): Promise<EditionRecord> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...edition, part: META },
          ConditionExpression: "attribute_not_exists(editionId)",
        }),
      );
      return edition;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      return (await this.get(edition.editionId)) as EditionRecord;
    }
  }

  async replace(edition: EditionRecord): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...edition, part: META } }));
  }

  async setStatus(editionId: string, status: EditionStatus): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { editionId, part: META },
        UpdateExpression: "SET #status = :s, updatedAt = :now",
        ConditionExpression: "attribute_exists(editionId)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":s": status, ":now": new Date().toISOString() },
      }),
    );
  }

  async getVariant(editionId: string, key: string): Promise<RenderedVariant | null> {
    const res = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { editionId, part: variantPart(key) },
        ConsistentRead: true,
      }),
    );
    if (!res.Item) return null;
    return { key, subject: res.Item.subject, html: res.Item.html, text: res.Item.text };
  }

  async putVariant(editionId: string, variant: RenderedVariant): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { editionId, part: variantPart(variant.key), ...variant },
      }),
    );
  }
}
