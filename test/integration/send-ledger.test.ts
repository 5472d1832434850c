import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentClientOver } from "../../functions/adapters/dynamo/client.js";
import { DynamoSendLedger } from "../../functions/adapters/dynamo/send-ledger.js";
import { tableNamesFromEnv } from "../../functions/adapters/schema.js";
import { startTestStack, type TestStack } from "../helpers/services.js";

/**
 * The send ledger's conditional writes against dynalite. The claim's condition was rewritten without
 * parentheses (far cheaper for dynalite to parse); these tests hold it to the exact truth table of the
 * expressions it replaced, over every state an item can be in.
 */

const TABLE = tableNamesFromEnv({}).sends;
const NOW = Date.now();
const LIVE = NOW + 60_000;
const LAPSED = NOW - 1_000;

/** The expressions before the rewrite, verbatim: the reference the new ones must agree with. */
const REFERENCE_CLAIM =
  "attribute_not_exists(editionId) OR #state IN (:failed, :skipped, :suppressed) OR (#state = :sending AND (leaseUntil < :nowMs OR #owner = :owner))";
const REFERENCE_NOT_SENT = "attribute_not_exists(editionId) OR #state IN (:failed, :skipped, :suppressed)";

/** Items as earlier writes leave them (null: no item); "queued" stands for a state this code never writes. */
const PRIOR: Record<string, Record<string, unknown> | null> = {
  absent: null,
  "sending, live lease of another owner": { state: "sending", owner: "other", leaseUntil: LIVE },
  "sending, lapsed lease of another owner": { state: "sending", owner: "other", leaseUntil: LAPSED },
  "sending, live lease of this owner": { state: "sending", owner: "me", leaseUntil: LIVE },
  "sending, no lease": { state: "sending", owner: "other" },
  sent: { state: "sent", owner: "other", messageId: "m-1" },
  "sent, with a stale lease": { state: "sent", owner: "other", leaseUntil: LAPSED, messageId: "m-1" },
  failed: { state: "failed", owner: "other", error: "503" },
  rejected: { state: "rejected", owner: "other", error: "MessageRejected" },
  skipped: { state: "skipped" },
  suppressed: { state: "suppressed" },
  "unknown state": { state: "queued", owner: "other", leaseUntil: LAPSED },
};

let stack: TestStack;
let dynamo: DynamoDBClient;
let db: DynamoDBDocumentClient;
let ledger: DynamoSendLedger;
let n = 0;

beforeAll(async () => {
  stack = await startTestStack();
  dynamo = new DynamoDBClient({
    endpoint: stack.dynamodbUrl,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  db = documentClientOver(dynamo);
  ledger = new DynamoSendLedger(db, TABLE);
});

afterAll(async () => {
  dynamo?.destroy();
  await stack?.close();
});

/** A fresh key holding `prior`. */
async function itemWith(prior: Record<string, unknown> | null) {
  const key = { editionId: "2031-03-14", subscriberId: `s${++n}` };
  if (prior) await db.send(new PutCommand({ TableName: TABLE, Item: { ...key, ...prior } }));
  return key;
}

/** Runs a reference condition as a no-op-ish write: did it pass? */
async function referencePasses(
  condition: string,
  key: Record<string, string>,
  names: Record<string, string>,
  values: Record<string, unknown>,
): Promise<boolean> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: key,
        UpdateExpression: "SET probe = :probe",
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...values, ":probe": 1 },
      }),
    );
    return true;
  } catch (err) {
    if ((err as Error).name === "ConditionalCheckFailedException") return false;
    throw err;
  }
}

const get = async (key: Record<string, string>) =>
  (await db.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }))).Item;

describe("DynamoSendLedger.claim", () => {
  for (const [name, prior] of Object.entries(PRIOR)) {
    it(`agrees with the reference condition: ${name}`, async () => {
      const expected = await referencePasses(
        REFERENCE_CLAIM,
        await itemWith(prior),
        { "#state": "state", "#owner": "owner" },
        {
          ":sending": "sending",
          ":failed": "failed",
          ":skipped": "skipped",
          ":suppressed": "suppressed",
          ":owner": "me",
          ":nowMs": Date.now(),
        },
      );
      const key = await itemWith(prior);
      const result = await ledger.claim(key.editionId, key.subscriberId, "me", Date.now() + 60_000);
      expect(result.claimed).toBe(expected);
      const after = await get(key);
      if (result.claimed) {
        expect(after).toMatchObject({ state: "sending", owner: "me", attempts: 1 });
      } else {
        // Refused: the item is untouched and handed back as it was.
        expect(after).toEqual({ ...key, ...prior });
        expect(result.entry).toEqual({
          state: prior?.state,
          messageId: prior?.messageId,
          error: prior?.error,
          owner: prior?.owner,
          leaseUntil: prior?.leaseUntil,
        });
      }
    });
  }

  it("counts attempts, sets the lease, the claim time and the TTL", async () => {
    const key = await itemWith(null);
    const lease = Date.now() + 60_000;
    expect(await ledger.claim(key.editionId, key.subscriberId, "me", lease)).toEqual({ claimed: true });
    expect(await ledger.claim(key.editionId, key.subscriberId, "me", lease + 1)).toEqual({ claimed: true });
    const item = await get(key);
    expect(item).toMatchObject({ state: "sending", owner: "me", leaseUntil: lease + 1, attempts: 2 });
    expect(Date.parse(item?.claimedAt as string)).toBeGreaterThan(Date.now() - 60_000);
    expect(item?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 170 * 24 * 3600);
  });

  it("takes the refused item from the error when the store returns it (no second read)", async () => {
    const sent: string[] = [];
    const fake = {
      async send(command: object) {
        sent.push(command.constructor.name);
        throw Object.assign(new Error("The conditional request failed"), {
          name: "ConditionalCheckFailedException",
          Item: {
            editionId: { S: "e" },
            subscriberId: { S: "s" },
            state: { S: "sending" },
            owner: { S: "other" },
            leaseUntil: { N: String(LIVE) },
          },
        });
      },
    } as unknown as DynamoDBDocumentClient;
    const result = await new DynamoSendLedger(fake, TABLE).claim("e", "s", "me", LIVE);
    expect(result).toEqual({
      claimed: false,
      entry: { state: "sending", owner: "other", leaseUntil: LIVE, messageId: undefined, error: undefined },
    });
    expect(sent).toEqual(["UpdateCommand"]);
  });
});

describe("DynamoSendLedger.markNotSent", () => {
  for (const [name, prior] of Object.entries(PRIOR)) {
    it(`agrees with the reference condition: ${name}`, async () => {
      const expected = await referencePasses(
        REFERENCE_NOT_SENT,
        await itemWith(prior),
        { "#state": "state" },
        { ":failed": "failed", ":skipped": "skipped", ":suppressed": "suppressed" },
      );
      const key = await itemWith(prior);
      await ledger.markNotSent(key.editionId, key.subscriberId, "suppressed");
      const after = await get(key);
      if (expected) expect(after?.state).toBe("suppressed");
      else expect(after).toEqual({ ...key, ...prior });
    });
  }
});

describe("DynamoSendLedger transitions", () => {
  it("markSent records the MessageId and drops the lease; markFailed never overwrites a send", async () => {
    const key = await itemWith(null);
    await ledger.claim(key.editionId, key.subscriberId, "me", LIVE);
    await ledger.markSent(key.editionId, key.subscriberId, "me", "m-9");
    await ledger.markFailed(key.editionId, key.subscriberId, "me", "late 503", false);
    const item = await get(key);
    expect(item).toMatchObject({ state: "sent", messageId: "m-9", owner: "me" });
    expect(item?.leaseUntil).toBeUndefined();
    expect(await ledger.claim(key.editionId, key.subscriberId, "other", LIVE)).toMatchObject({
      claimed: false,
      entry: { state: "sent", messageId: "m-9" },
    });
    // The counters take a message's changes when it is flushed (once per queue message in the send path).
    await ledger.flushCounts();
    expect((await ledger.counts(key.editionId)).sent).toBeGreaterThanOrEqual(1);
    expect((await ledger.countEntries(key.editionId)).sent).toBeGreaterThanOrEqual(1);
  });
});

describe("DynamoSendLedger.markFailed", () => {
  it("keeps SES's reason without the address it names (no personal data in the ledger's error text)", async () => {
    const editionId = "2031-05-01";
    await ledger.claim(editionId, "sub-rex", "me", Date.now() + 60_000);
    await ledger.markFailed(
      editionId,
      "sub-rex",
      "me",
      "MessageRejected: Email address is not verified. The following identities failed the check in region EU-WEST-2: Rex.Long@Example.com",
      true,
    );
    const item = (
      await db.send(new GetCommand({ TableName: TABLE, Key: { editionId, subscriberId: "sub-rex" } }))
    ).Item;
    expect(item?.state).toBe("rejected");
    expect(item?.error).toBe(
      "MessageRejected: Email address is not verified. The following identities failed the check in region EU-WEST-2: <email>",
    );
  });
});
