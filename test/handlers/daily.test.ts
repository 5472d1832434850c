import { randomBytes } from "node:crypto";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTemplates } from "../../functions/local/build-templates.js";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";

const DAY = "2031-03-14";
let stack: TestStack;

beforeAll(async () => {
  await buildTemplates();
  stack = await startTestStack();
  // The handler reads only the standard variables, as it would in Lambda.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
    AWS_ENDPOINT_URL_SESV2: stack.env.AWS_ENDPOINT_URL_SESV2,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    DIGEST_TOKEN_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    DIGEST_PUBLIC_BASE_URL: "https://news.example.org",
  });
});

afterAll(async () => {
  await stack?.close();
});

describe("daily Lambda handler", () => {
  it("composes and sends the day's edition through the SDK's standard endpoint configuration", async () => {
    await stack.digest([
      "stories",
      "import",
      await writeStories(stack, "s.ndjson", [story(DAY, 1), story(DAY, 2)]),
    ]);
    await stack.digest(["subscribers", "add", "ana@example.com"]);
    const { handler } = await import("../../functions/handlers/daily.js");
    const result = await handler({ date: DAY });
    expect(result).toMatchObject({ status: "sent", editionId: DAY, recipients: 1, sent: 1, failed: 0 });
    expect(stack.ses.messages).toHaveLength(1);
    const mail = await simpleParser(stack.ses.messages[0]?.raw as Buffer);
    expect(mail.headers.get("list")).toMatchObject({
      unsubscribe: { url: expect.stringMatching(/^https:\/\/news\.example\.org\/unsubscribe\?t=/) },
    });

    const again = await handler({ date: DAY });
    expect(again).toMatchObject({ status: "sent", sent: 0, alreadySent: 1 });
    expect(await handler({ date: "2031-03-15" })).toMatchObject({ status: "empty" });
  });
});
