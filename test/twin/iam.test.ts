import { describe, expect, it } from "vitest";
import { mapSdkCall } from "./aws-calls.js";
import { ShiftedClock } from "./clock.js";
import { IamEvaluator } from "./iam.js";
import type { NamedPolicy } from "./stack-model.js";

const ctx = {
  region: "eu-west-2",
  account: "111122223333",
  queueArn: (url: string) => `arn:aws:sqs:eu-west-2:111122223333:${url.split("/").pop()}`,
};
const table = (name: string) => `arn:aws:dynamodb:eu-west-2:111122223333:table/${name}`;

describe("what IAM authorizes for an SDK call (the twin's mapping)", () => {
  it("DynamoDB: the table, or the index a Query names; each table of a batch; each item of a transaction", () => {
    const map = (commandName: string, input: Record<string, unknown>) =>
      mapSdkCall({ clientName: "DynamoDBClient", commandName, input }, ctx).requests;
    expect(map("GetItemCommand", { TableName: "subs" })).toEqual([
      { action: "dynamodb:GetItem", resource: table("subs") },
    ]);
    expect(map("QueryCommand", { TableName: "subs", IndexName: "byId" })).toEqual([
      { action: "dynamodb:Query", resource: `${table("subs")}/index/byId` },
    ]);
    expect(map("BatchGetItemCommand", { RequestItems: { a: {}, b: {} } })).toEqual([
      { action: "dynamodb:BatchGetItem", resource: table("a") },
      { action: "dynamodb:BatchGetItem", resource: table("b") },
    ]);
    expect(
      map("TransactWriteItemsCommand", {
        TransactItems: [{ Update: { TableName: "a" } }, { ConditionCheck: { TableName: "b" } }],
      }),
    ).toEqual([
      { action: "dynamodb:UpdateItem", resource: table("a") },
      { action: "dynamodb:ConditionCheckItem", resource: table("b") },
    ]);
  });

  it("SES: the From address's identity and its domain's (from the raw message), and the configuration set", () => {
    const raw = Buffer.from("From: The Digest <Digest@News.Example.com>\r\nTo: a@example.com\r\n\r\nhi");
    const { requests } = mapSdkCall(
      {
        clientName: "SESv2Client",
        commandName: "SendEmailCommand",
        input: { Content: { Raw: { Data: raw } }, ConfigurationSetName: "digest" },
      },
      ctx,
    );
    expect(requests.map((r) => r.resource.replace("arn:aws:ses:eu-west-2:111122223333:", ""))).toEqual([
      "identity/news.example.com",
      "identity/digest@news.example.com",
      "configuration-set/digest",
    ]);
    expect(
      mapSdkCall({ clientName: "SESv2Client", commandName: "GetAccountCommand", input: {} }, ctx).requests,
    ).toEqual([{ action: "ses:GetAccount", resource: "*" }]);
  });

  it("SQS batches as their single-message action; an unknown client or operation is refused, not guessed", () => {
    const call = {
      clientName: "SQSClient",
      commandName: "SendMessageBatchCommand",
      input: { QueueUrl: "http://x/1/q" },
    };
    expect(mapSdkCall(call, ctx).requests).toEqual([
      { action: "sqs:SendMessage", resource: "arn:aws:sqs:eu-west-2:111122223333:q" },
    ]);
    expect(() =>
      mapSdkCall({ clientName: "S3Client", commandName: "GetObjectCommand", input: {} }, ctx),
    ).toThrow(/does not know the S3Client/);
    expect(() =>
      mapSdkCall({ clientName: "SESv2Client", commandName: "SendBulkEmailCommand", input: {} }, ctx),
    ).toThrow(/does not map ses:SendBulkEmail/);
  });
});

describe("the twin's IAM evaluation (iam-simulate on the role's policies)", () => {
  const policies: NamedPolicy[] = [
    {
      name: "role",
      document: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"], Resource: table("sends") },
          { Effect: "Allow", Action: "dynamodb:Query", Resource: `${table("subs")}/index/*` },
        ],
      },
    },
  ];
  const principals = { fn: { arn: "arn:aws:iam::111122223333:role/fn", policies } };

  it("allows what a statement grants, refuses the rest, and lists the pairs no request used", async () => {
    const iam = new IamEvaluator(principals, "111122223333");
    expect(
      (await iam.authorize("fn", { action: "dynamodb:GetItem", resource: table("sends") })).allowed,
    ).toBe(true);
    expect(
      (await iam.authorize("fn", { action: "dynamodb:Query", resource: `${table("subs")}/index/byId` }))
        .allowed,
    ).toBe(true);
    const denied = await iam.authorize("fn", { action: "dynamodb:DeleteItem", resource: table("sends") });
    expect(denied).toMatchObject({ allowed: false, result: "ImplicitlyDenied" });
    expect((await iam.authorize("fn", { action: "dynamodb:GetItem", resource: table("subs") })).allowed).toBe(
      false,
    );
    expect(iam.denials().map((d) => `${d.action} ${d.resource.split("/").pop()}`)).toEqual([
      "dynamodb:DeleteItem sends",
      "dynamodb:GetItem subs",
    ]);
    expect(iam.unusedGrants("fn")).toEqual([{ action: "dynamodb:UpdateItem", resource: table("sends") }]);
  });

  it("applies a resource policy's explicit deny (a queue policy refusing plain HTTP)", async () => {
    const queue = "arn:aws:sqs:eu-west-2:111122223333:q";
    const allowQueue: NamedPolicy[] = [
      {
        name: "q",
        document: { Statement: [{ Effect: "Allow", Action: "sqs:SendMessage", Resource: queue }] },
      },
    ];
    const denyHttp = {
      Statement: [
        {
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: "sqs:*",
          Resource: queue,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    };
    const iam = new IamEvaluator(
      { fn: { arn: "arn:aws:iam::111122223333:role/fn", policies: allowQueue } },
      "111122223333",
      () => denyHttp,
    );
    expect((await iam.authorize("fn", { action: "sqs:SendMessage", resource: queue })).allowed).toBe(true);
    const plainHttp = await iam.authorize(
      "fn",
      { action: "sqs:SendMessage", resource: queue },
      { "aws:SecureTransport": "false" },
    );
    expect(plainHttp.result).toBe("ExplicitlyDenied");
  });
});

describe("a function's resource policy (who may invoke it)", () => {
  it("lets the service invoke only from the source its Lambda permission names", async () => {
    const fn = "arn:aws:lambda:eu-west-2:111122223333:function:ses-events";
    const rule = "arn:aws:events:eu-west-2:111122223333:rule/ses";
    const permission = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "lambda:InvokeFunction",
          Resource: fn,
          Condition: { ArnLike: { "AWS:SourceArn": rule } },
        },
      ],
    };
    const iam = new IamEvaluator({}, "111122223333", (arn) => (arn === fn ? permission : undefined));
    const invoke = { action: "lambda:InvokeFunction", resource: fn };
    expect(await iam.evaluate("events.amazonaws.com", [], invoke, { "aws:SourceArn": rule })).toBe(true);
    expect(await iam.evaluate("events.amazonaws.com", [], invoke, { "aws:SourceArn": `${rule}-other` })).toBe(
      false,
    );
    expect(await iam.evaluate("apigateway.amazonaws.com", [], invoke, { "aws:SourceArn": rule })).toBe(false);
  });
});

describe("the twin's clock", () => {
  it("moves Date forward for everyone while installed, never back", () => {
    const clock = new ShiftedClock();
    const restore = clock.install();
    try {
      const before = Date.now();
      clock.advance(900);
      expect(Date.now() - before).toBeGreaterThanOrEqual(900_000);
      // biome-ignore lint/complexity/useDateNow: what is checked is that `new Date()` follows the clock too
      expect(new Date().getTime() - before).toBeGreaterThanOrEqual(900_000);
      clock.advanceTo(before);
      expect(Date.now() - before).toBeGreaterThanOrEqual(900_000);
      expect(new Date(0).getTime()).toBe(0);
    } finally {
      restore();
    }
    expect(Date.name).toBe("Date");
  });
});
