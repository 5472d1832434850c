import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type {
  BatchRef,
  BatchSettlement,
  DeliveryRound,
  RoundKind,
  RoundStep,
} from "../../core/kernel/ports.js";
import { isConditionalCheckFailed } from "./client.js";

/**
 * An edition's delivery rounds in the editions table, under a partition of their own
 * ("delivery#<edition>": edition ids start with their day, so no edition is named so), away from the
 * edition's item that every queue message reads:
 * - "round": the current round: number, kind, cursor, fan-out done, and the number sets of its
 *   groups: registered, closed, closed with failed / unreached messages;
 * - "next-group": the group id counter (never reset, so a straggler of an old round cannot be taken
 *   for a group of the current one);
 * - "group#<n>": one enqueue of ≤ 10 queue messages (more with small test batches): how many, and the
 *   number sets of the indexes that settled, failed or were not reached.
 * Every step is one conditional or idempotent single-item write (ADD of a number to a number set
 * adds it once), so redeliveries and retries count once without transactions, which dynalite lacks.
 */

const ROUND = "round";
const NEXT_GROUP = "next-group";
const groupPart = (group: number) => `group#${group}`;
const partition = (editionId: string) => `delivery#${editionId}`;

const numbers = (value: unknown): Set<number> =>
  value instanceof Set ? new Set([...value].map(Number)) : new Set<number>();

function roundOf(item: Record<string, unknown> | null | undefined): DeliveryRound | null {
  if (!item || typeof item.round !== "number") return null;
  return {
    round: item.round,
    kind: item.kind as RoundKind,
    startedAt: String(item.startedAt ?? ""),
    cursor: typeof item.cursor === "string" ? item.cursor : null,
    fannedOut: item.fannedOut === true,
    carried: item.carried === true,
    groups: numbers(item.groups),
    closed: numbers(item.closed),
    failed: numbers(item.failed),
    unreached: numbers(item.unreached),
  };
}

/** "ADD a :v" or "DELETE a :v" for a number set, by whether `member` holds. */
const setOrUnset = (member: boolean, name: string, value: string) =>
  member ? { add: `${name} ${value}` } : { del: `${name} ${value}` };

/** An UpdateExpression from its clauses (ADD and DELETE of sets; DynamoDB forbids empty ones). */
function expression(clauses: { set?: string[]; remove?: string[]; add?: string[]; del?: string[] }): string {
  return [
    clauses.set?.length ? `SET ${clauses.set.join(", ")}` : "",
    clauses.remove?.length ? `REMOVE ${clauses.remove.join(", ")}` : "",
    clauses.add?.length ? `ADD ${clauses.add.join(", ")}` : "",
    clauses.del?.length ? `DELETE ${clauses.del.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join(" ");
}

export class DynamoDeliveryRounds {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private key(editionId: string, part: string) {
    return { editionId: partition(editionId), part };
  }

  /** An update that may be refused by its condition: the new item, or null when it was refused. */
  private async update(input: Omit<ConstructorParameters<typeof UpdateCommand>[0], "TableName">) {
    try {
      const res = await this.db.send(
        new UpdateCommand({ TableName: this.table, ReturnValues: "ALL_NEW", ...input }),
      );
      return res.Attributes ?? null;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return null;
      throw err;
    }
  }

  async getDelivery(editionId: string): Promise<DeliveryRound | null> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: this.key(editionId, ROUND), ConsistentRead: true }),
    );
    return roundOf(res.Item);
  }

  async startRound(
    editionId: string,
    kind: RoundKind,
    opts: { after: number | null; startedAt: string; carried: boolean },
  ): Promise<DeliveryRound | null> {
    return roundOf(
      await this.update({
        Key: this.key(editionId, ROUND),
        UpdateExpression: expression({
          set: [
            "#round = :next",
            "#kind = :kind",
            "startedAt = :at",
            "fannedOut = :no",
            "carried = :carried",
          ],
          remove: ["#cursor", "#groups", "#closed", "#failed", "#unreached"],
        }),
        ConditionExpression: opts.after === null ? "attribute_not_exists(#round)" : "#round = :after",
        ExpressionAttributeNames: {
          "#round": "round",
          "#kind": "kind",
          "#cursor": "cursor",
          "#groups": "groups",
          "#closed": "closed",
          "#failed": "failed",
          "#unreached": "unreached",
        },
        ExpressionAttributeValues: {
          ":next": (opts.after ?? 0) + 1,
          ":kind": kind,
          ":at": opts.startedAt,
          ":no": false,
          ":carried": opts.carried,
          ...(opts.after === null ? {} : { ":after": opts.after }),
        },
      }),
    );
  }

  async openGroup(editionId: string, batches: number): Promise<number> {
    const res = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(editionId, NEXT_GROUP),
        UpdateExpression: "ADD #next :one",
        ExpressionAttributeNames: { "#next": "next" },
        ExpressionAttributeValues: { ":one": 1 },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    const group = Number(res.Attributes?.next) - 1;
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { ...this.key(editionId, groupPart(group)), batches } }),
    );
    return group;
  }

  async recordGroup(editionId: string, round: number, step: RoundStep): Promise<DeliveryRound | null> {
    const set: string[] = [];
    const remove: string[] = [];
    const add: string[] = [];
    const names: Record<string, string> = { "#round": "round" };
    const values: Record<string, unknown> = { ":round": round };
    const conditions = ["#round = :round"];
    if (step.group !== undefined) {
      add.push("#groups :group");
      names["#groups"] = "groups";
      values[":group"] = new Set([step.group]);
    }
    if (step.cursor) {
      // Only the writer that read the cursor moves it on: a second compose running the same round
      // (a duplicate invocation) is refused here and stops.
      names["#cursor"] = "cursor";
      values[":no"] = false;
      conditions.push("fannedOut = :no");
      if (step.cursor.from === null) conditions.push("attribute_not_exists(#cursor)");
      else {
        conditions.push("#cursor = :from");
        values[":from"] = step.cursor.from;
      }
      if (step.cursor.to === null) remove.push("#cursor");
      else {
        set.push("#cursor = :to");
        values[":to"] = step.cursor.to;
      }
    }
    if (step.done) {
      set.push("fannedOut = :yes");
      values[":yes"] = true;
    }
    if (step.carry) {
      set.push("carried = :carried");
      values[":carried"] = true;
    }
    return roundOf(
      await this.update({
        Key: this.key(editionId, ROUND),
        UpdateExpression: expression({ set, remove, add }) || "SET #round = :round",
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async settleBatch(
    editionId: string,
    ref: BatchRef,
    settlement: BatchSettlement,
  ): Promise<DeliveryRound | null> {
    const index = new Set([ref.index]);
    const failed = setOrUnset(settlement === "failed", "#failed", ":index");
    const unreached = setOrUnset(settlement === "unreached", "#unreached", ":index");
    const group = await this.update({
      Key: this.key(editionId, groupPart(ref.group)),
      UpdateExpression: expression({
        add: ["#settled :index", failed.add, unreached.add].filter((c): c is string => Boolean(c)),
        del: [failed.del, unreached.del].filter((c): c is string => Boolean(c)),
      }),
      // A group that was never opened (a message of another version, or a stray one) counts nowhere.
      ConditionExpression: "attribute_exists(batches)",
      ExpressionAttributeNames: { "#settled": "settled", "#failed": "failed", "#unreached": "unreached" },
      ExpressionAttributeValues: { ":index": index },
    });
    if (!group) return null;
    const size = Number(group.batches);
    const settled = numbers(group.settled);
    for (let i = 0; i < size; i++) if (!settled.has(i)) return null;
    // Closed: every message of the group settled. Recorded on the round again by every later
    // settlement of the group (a redelivery, a redriven message), so the latest outcome counts.
    const inRange = (s: Set<number>) => [...s].some((i) => i < size);
    const groupFailed = setOrUnset(inRange(numbers(group.failed)), "#failed", ":group");
    const groupUnreached = setOrUnset(inRange(numbers(group.unreached)), "#unreached", ":group");
    return roundOf(
      await this.update({
        Key: this.key(editionId, ROUND),
        UpdateExpression: expression({
          add: ["#closed :group", groupFailed.add, groupUnreached.add].filter((c): c is string => Boolean(c)),
          del: [groupFailed.del, groupUnreached.del].filter((c): c is string => Boolean(c)),
        }),
        ConditionExpression: "attribute_exists(#round)",
        ExpressionAttributeNames: {
          "#round": "round",
          "#closed": "closed",
          "#failed": "failed",
          "#unreached": "unreached",
        },
        ExpressionAttributeValues: { ":group": new Set([ref.group]) },
      }),
    );
  }
}
