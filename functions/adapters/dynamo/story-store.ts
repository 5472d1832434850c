import { createHash } from "node:crypto";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type {
  StoredCorrection,
  StoryPick,
  StoryRemoval,
  StoryStore,
  UpsertOutcome,
} from "../../core/kernel/ports.js";
import type { Story, StoryImage } from "../../core/kernel/types.js";
import { isConditionalCheckFailed, queryAll } from "./client.js";

const CONTENT_FIELDS = [
  "headline",
  "url",
  "source",
  "section",
  "byline",
  "publishedAt",
  "body",
  "excerpt",
  "html",
  "image",
] as const;

/**
 * Stories keyed by id; the byDay index answers "the stories of day D" with one Query. A removed story
 * leaves a tombstone `{id, removedAt}`: without `day` it is in no day's index, and upsert refuses it.
 * An editor's correction is an attribute of its own (`correction`), which upsert never writes: the
 * imported headline and excerpt stay in theirs, and a story read shows the correction over them.
 */
export class DynamoStoryStore implements StoryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async upsert(story: Omit<Story, "editionId">, day: string): Promise<UpsertOutcome> {
    // A story without a picture hashes as it did before pictures were kept: re-importing it is "skipped".
    const hashed = CONTENT_FIELDS.filter((f) => f !== "image" || story.image !== undefined);
    const contentHash = createHash("sha256")
      .update(JSON.stringify([day, ...hashed.map((f) => story[f])]))
      .digest("base64url");
    const values: Record<string, unknown> = {
      ":day": day,
      ":hash": contentHash,
      ":now": new Date().toISOString(),
    };
    const names: Record<string, string> = { "#day": "day" };
    const sets = [
      "#day = :day",
      "contentHash = :hash",
      "updatedAt = :now",
      "createdAt = if_not_exists(createdAt, :now)",
    ];
    for (const field of CONTENT_FIELDS) {
      names[`#${field}`] = field;
      values[`:${field}`] = story[field] ?? null;
      sets.push(`#${field} = :${field}`);
    }
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id: story.id },
          // editionId is never touched: a story that went out stays out of later editions.
          UpdateExpression: `SET ${sets.join(", ")}`,
          // An unchanged story is skipped, and so is a removed one (its tombstone stays).
          ConditionExpression:
            "(attribute_not_exists(id) OR contentHash <> :hash) AND attribute_not_exists(removedAt)",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_OLD",
        }),
      );
      return result.Attributes?.id ? "updated" : "imported";
    } catch (err) {
      if (isConditionalCheckFailed(err)) return "skipped";
      throw err;
    }
  }

  async get(id: string): Promise<Story | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { id } }));
    return Item && Item.removedAt === undefined ? toStory(Item) : null;
  }

  async listDay(day: string): Promise<Story[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: "byDay",
      KeyConditionExpression: "#day = :day",
      ExpressionAttributeNames: { "#day": "day" },
      ExpressionAttributeValues: { ":day": day },
      ScanIndexForward: false,
    });
    return items.map(toStory);
  }

  async markInEdition(storyIds: readonly string[], editionId: string): Promise<void> {
    await Promise.all(
      storyIds.map(async (id) => {
        try {
          await this.db.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { id },
              UpdateExpression: "SET editionId = :e",
              ConditionExpression:
                "attribute_exists(id) AND attribute_not_exists(removedAt) AND (attribute_not_exists(editionId) OR editionId = :e)",
              ExpressionAttributeValues: { ":e": editionId },
            }),
          );
        } catch (err) {
          if (!isConditionalCheckFailed(err)) throw err;
        }
      }),
    );
  }

  async remove(id: string): Promise<StoryRemoval> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { id, removedAt: new Date().toISOString() },
          // A story that went out stays: the emails that carried it link to it.
          ConditionExpression:
            "attribute_exists(id) AND attribute_not_exists(removedAt) AND attribute_not_exists(editionId)",
        }),
      );
      return { outcome: "removed" };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    const story = await this.get(id);
    return story?.editionId
      ? { outcome: "in-edition", editionId: story.editionId }
      : { outcome: "not-found" };
  }

  async setHeld(id: string, held: boolean): Promise<Story | null> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: held ? "SET held = :true" : "REMOVE held",
          ConditionExpression: "attribute_exists(id) AND attribute_not_exists(removedAt)",
          ...(held ? { ExpressionAttributeValues: { ":true": true } } : {}),
          ReturnValues: "ALL_NEW",
        }),
      );
      return Attributes ? toStory(Attributes) : null;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return null;
      throw err;
    }
  }
  async setPick(id: string, pick: StoryPick): Promise<Story | null> {
    const sets: string[] = [];
    const removes: string[] = [];
    const values: Record<string, unknown> = {};
    if (pick.leadPickedAt !== undefined) {
      if (pick.leadPickedAt === null) removes.push("leadPickedAt");
      else {
        sets.push("leadPickedAt = :lead");
        values[":lead"] = pick.leadPickedAt;
      }
    }
    if (pick.rank !== undefined) {
      if (pick.rank === null) removes.push("#rank");
      else {
        sets.push("#rank = :rank");
        values[":rank"] = pick.rank;
      }
    }
    if (sets.length === 0 && removes.length === 0) return this.get(id);
    const expression = [
      sets.length ? `SET ${sets.join(", ")}` : "",
      removes.length ? `REMOVE ${removes.join(", ")}` : "",
    ];
    const usesRank = pick.rank !== undefined;
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: expression.filter((e) => e !== "").join(" "),
          ConditionExpression: "attribute_exists(id) AND attribute_not_exists(removedAt)",
          ...(usesRank ? { ExpressionAttributeNames: { "#rank": "rank" } } : {}),
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
          ReturnValues: "ALL_NEW",
        }),
      );
      return Attributes ? toStory(Attributes) : null;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return null;
      throw err;
    }
  }

  async setCorrection(
    id: string,
    correction: StoredCorrection | null,
    opts: { inEdition?: string } = {},
  ): Promise<Story | "in-edition" | null> {
    const values: Record<string, unknown> = {
      ...(correction ? { ":c": correction } : {}),
      ...(opts.inEdition ? { ":edition": opts.inEdition } : {}),
    };
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: correction ? "SET correction = :c" : "REMOVE correction",
          // An edition is frozen: a story it carries is corrected no more, but for the edition awaiting
          // approval the correction was first written into (story-correction.ts).
          ConditionExpression:
            "attribute_exists(id) AND attribute_not_exists(removedAt) AND " +
            (opts.inEdition
              ? "(attribute_not_exists(editionId) OR editionId = :edition)"
              : "attribute_not_exists(editionId)"),
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
          ReturnValues: "ALL_NEW",
        }),
      );
      return Attributes ? toStory(Attributes) : null;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    const story = await this.get(id);
    return story?.editionId ? "in-edition" : null;
  }
}

function toStory(item: Record<string, unknown>): Story {
  const str = (k: string) => (typeof item[k] === "string" ? (item[k] as string) : "");
  const correction = toCorrection(item.correction, str("headline"), str("excerpt"));
  return {
    id: str("id"),
    headline: correction?.headline ?? str("headline"),
    url: typeof item.url === "string" ? item.url : null,
    source: str("source"),
    section: str("section"),
    byline: str("byline"),
    publishedAt: str("publishedAt"),
    body: str("body"),
    excerpt: correction?.excerpt ?? str("excerpt"),
    ...(typeof item.html === "string" ? { html: item.html } : {}),
    editionId: typeof item.editionId === "string" ? item.editionId : null,
    ...(item.held === true ? { held: true } : {}),
    ...(isImage(item.image) ? { image: item.image } : {}),
    ...(typeof item.leadPickedAt === "string" ? { leadPickedAt: item.leadPickedAt } : {}),
    ...(typeof item.rank === "number" ? { rank: item.rank } : {}),
    ...(correction ? { correction } : {}),
  };
}

function toCorrection(v: unknown, headline: string, excerpt: string): Story["correction"] | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const c = v as Record<string, unknown>;
  const text = (k: string) => (typeof c[k] === "string" ? { [k]: c[k] as string } : {});
  if (!("headline" in text("headline")) && !("excerpt" in text("excerpt"))) return undefined;
  return {
    ...text("headline"),
    ...text("excerpt"),
    at: typeof c.at === "string" ? c.at : "",
    by: typeof c.by === "string" ? c.by : null,
    imported: { headline, excerpt },
  };
}

function isImage(v: unknown): v is StoryImage {
  return typeof v === "object" && v !== null && typeof (v as StoryImage).url === "string";
}
