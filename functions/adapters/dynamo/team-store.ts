import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Member, StoredSignInCode, StoredToken, TeamStore } from "../../core/team/ports.js";
import { isConditionalCheckFailed, queryAll } from "./client.js";

/**
 * The team in its table (schema.ts `team`): members under pk "members" (sk the email), each member's
 * tokens under pk "tokens#<email>" (sk the id, `tokenHash` the SHA-256), sign-in codes under pk
 * "signin" (sk the code's hash), removed members' addresses under pk "removed" (sk the email; gone
 * when they are added again), the owners lock under pk "lock" (sk "owners"). A token is found through the byTokenHash index (keys only), then read
 * from the table consistently, so a revoked token is refused at once even while the index lags.
 */
const MEMBERS = "members";
const SIGN_IN = "signin";
const REMOVED = "removed";
const LOCK = "lock";
const OWNERS_LOCK = "owners";
const tokensOf = (email: string) => `tokens#${email}`;
const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export class DynamoTeamStore implements TeamStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Every item under `pk`, read consistently (a revoked token or a removed member shows at once). */
  private itemsOf(pk: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": pk },
      ConsistentRead: true,
    });
  }

  async listMembers(): Promise<Member[]> {
    return (await this.itemsOf(MEMBERS)).map(toMember);
  }

  async getMember(email: string): Promise<Member | null> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: MEMBERS, sk: email }, ConsistentRead: true }),
    );
    return res.Item ? toMember(res.Item) : null;
  }

  async putMember(m: Member): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: MEMBERS, sk: m.email, ...m } }));
    // After the member is there: whatever happens in between, the member's record decides first.
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: REMOVED, sk: m.email } }));
  }

  async deleteMember(email: string): Promise<boolean> {
    const res = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: MEMBERS, sk: email }, ReturnValues: "ALL_OLD" }),
    );
    // Their tokens go too (the auth check also refuses a token whose member is gone).
    for (const t of await this.itemsOf(tokensOf(email)))
      await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: t.pk, sk: t.sk } }));
    if (res.Attributes === undefined) return false;
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: REMOVED, sk: email, email } }));
    return true;
  }

  async wasRemoved(email: string): Promise<boolean> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: REMOVED, sk: email }, ConsistentRead: true }),
    );
    return res.Item !== undefined;
  }

  async lockOwners(holder: string, now: Date, expiresAt: Date): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: LOCK, sk: OWNERS_LOCK, holder, expiresAt: expiresAt.toISOString() },
          ConditionExpression: "attribute_not_exists(pk) OR expiresAt < :now",
          ExpressionAttributeValues: { ":now": now.toISOString() },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async unlockOwners(holder: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: LOCK, sk: OWNERS_LOCK },
          ConditionExpression: "holder = :h",
          ExpressionAttributeValues: { ":h": holder },
        }),
      );
    } catch (err) {
      // Expired and taken by another meanwhile: theirs now.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async putToken(t: StoredToken): Promise<void> {
    const { hash, ...rest } = t;
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: tokensOf(t.email),
          sk: t.id,
          tokenHash: hash,
          ...rest,
          ...(t.expiresAt ? { expiresAtEpoch: epoch(t.expiresAt) } : {}),
        },
      }),
    );
  }

  async tokenByHash(hash: string): Promise<StoredToken | null> {
    const res = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: "byTokenHash",
        KeyConditionExpression: "tokenHash = :h",
        ExpressionAttributeValues: { ":h": hash },
        Limit: 1,
      }),
    );
    const key = res.Items?.[0];
    if (!key) return null;
    const item = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }),
    );
    return item.Item && item.Item.tokenHash === hash ? toToken(item.Item) : null;
  }

  async listTokens(email: string): Promise<StoredToken[]> {
    return (await this.itemsOf(tokensOf(email))).map(toToken);
  }

  async deleteToken(email: string, id: string): Promise<boolean> {
    const res = await this.db.send(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: tokensOf(email), sk: id },
        ReturnValues: "ALL_OLD",
      }),
    );
    return res.Attributes !== undefined;
  }

  async touchToken(email: string, id: string, at: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: tokensOf(email), sk: id },
          UpdateExpression: "SET lastUsedAt = :at",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":at": at },
        }),
      );
    } catch (err) {
      // Revoked meanwhile: nothing to record.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async putSignInCode(c: StoredSignInCode): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: SIGN_IN,
          sk: c.hash,
          email: c.email,
          expiresAt: c.expiresAt,
          expiresAtEpoch: epoch(c.expiresAt),
        },
      }),
    );
  }

  async takeSignInCode(hash: string): Promise<StoredSignInCode | null> {
    // One DeleteItem returning what it deleted: of two concurrent uses only one gets the code.
    const res = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: SIGN_IN, sk: hash }, ReturnValues: "ALL_OLD" }),
    );
    const item = res.Attributes;
    return item ? { hash, email: String(item.email), expiresAt: String(item.expiresAt) } : null;
  }
}

function toMember(item: Record<string, unknown>): Member {
  return {
    email: String(item.email),
    role: item.role as Member["role"],
    createdAt: String(item.createdAt),
    addedBy: String(item.addedBy ?? ""),
  };
}

function toToken(item: Record<string, unknown>): StoredToken {
  return {
    id: String(item.id),
    email: String(item.email),
    hash: String(item.tokenHash),
    label: String(item.label ?? ""),
    createdAt: String(item.createdAt),
    lastUsedAt: typeof item.lastUsedAt === "string" ? item.lastUsedAt : null,
    expiresAt: typeof item.expiresAt === "string" ? item.expiresAt : null,
    ...(item.localOwner === true ? { localOwner: true } : {}),
  };
}
