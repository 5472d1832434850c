import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { parseTokenKeys } from "../../../functions/adapters/secret-keys.js";
import { verifyToken } from "../../../functions/core/subscribers/tokens.js";
import { story } from "../../helpers/services.js";
import { fixture, startFeedServer } from "../../integration/feeds-server.js";
import {
  day,
  dayAfter,
  editionId,
  mailTo,
  REJECTED,
  SUBSCRIBERS,
  setEditionId,
  status,
  twin,
} from "./context.js";

/**
 * A whole deployed day on the twin (see twin.ts): the newsroom fills the tables through the admin API,
 * the daily schedule invokes compose, the send queue feeds send, SES events come back through the
 * EventBridge rule to ses-events, and the edition's figures are read through the admin route — every
 * AWS call checked against the calling function's role in the template.
 */
export function deployedDay(): void {
  describe("the Lambda bundles cdk deploy would ship", () => {
    it("bundles every handler, without mjml, with source maps", () => {
      expect(Object.keys(twin.functions.functions).sort()).toEqual([
        "api",
        "compose",
        "ingest",
        "jobs",
        "send",
        "sesEvents",
        "storyImport",
      ]);
      for (const fn of Object.values(twin.functions.functions)) {
        const code = readFileSync(join(fn.dir, "index.mjs"), "utf8");
        expect(code).not.toMatch(/mjml-core|mjml2html|mjml-validator/);
        expect(readdirSync(fn.dir)).toContain("index.mjs.map");
      }
    });

    it("keeps the story importers (DOM, article and feed parsers, sanitiser) out of the functions that never import stories", () => {
      // api answers readers (subscribe, unsubscribe, preferences) and the admin API; POST /admin/stories,
      // the one route that parses stories, is a function of its own (storyImport).
      for (const name of ["api", "compose", "send", "sesEvents", "jobs"]) {
        const dir = twin.functions.functions[name]?.dir as string;
        const map = JSON.parse(readFileSync(join(dir, "index.mjs.map"), "utf8")) as { sources: string[] };
        // feedsmith's generator may stay: the api writes the archive's Atom feed; its parsers may not.
        const importers = map.sources.filter(
          (s) =>
            /node_modules\/(linkedom|@mozilla\/readability|sanitize-html|htmlparser2)\//.test(s) ||
            /node_modules\/feedsmith\/.*\/parse\//.test(s),
        );
        expect({ name, importers }).toEqual({ name, importers: [] });
      }
    });

    it("keeps the reader-facing and daily bundles at most 700 KiB minified, and ingest no larger than it was", () => {
      // Size, not timing: the same sources bundle to the same bytes (bench/bundles.ts times the imports).
      const kib = (name: string) =>
        statSync(join(twin.functions.functions[name]?.dir as string, "index.mjs")).size / 1024;
      // ingest carried 1427 KiB before the story importers left the api (issue 15, item 3).
      const limits: Record<string, number> = {
        api: 700,
        compose: 700,
        send: 700,
        sesEvents: 700,
        ingest: 1427,
      };
      const over = Object.entries(limits)
        .filter(([name, limit]) => kib(name) > limit)
        .map(([name, limit]) => `${name}: ${Math.round(kib(name))} KiB > ${limit} KiB`);
      expect(over).toEqual([]);
    });
  });

  describe("a deployed day", () => {
    it("the newsroom puts stories and subscribers in through the admin API; unsigned admin calls are refused", async () => {
      const tomorrow = dayAfter(day);
      const ndjson = [story(day, 1), story(day, 2), story(day, 3), story(tomorrow, 4)]
        .map((s) => JSON.stringify(s))
        .join("\n");
      const imported = await twin.admin<{ imported: number }>(
        "POST",
        "/admin/stories",
        ndjson,
        "application/x-ndjson",
      );
      expect(imported.imported).toBe(4);
      const csv = ["email,name", ...[...SUBSCRIBERS, REJECTED].map((e) => `${e},${e.split("@")[0]}`)].join(
        "\n",
      );
      const added = await twin.admin<{ imported: number }>(
        "POST",
        "/admin/subscribers/import",
        csv,
        "text/csv",
      );
      expect(added.imported).toBe(SUBSCRIBERS.length + 1);

      // The IAM door: the gateway refuses a request without a signature, or signed by someone else.
      const unsigned = await twin.api({ method: "GET", path: "/iam/admin/subscribers" });
      expect(unsigned).toMatchObject({
        statusCode: 403,
        invoked: false,
        routeKey: "ANY /iam/admin/{proxy+}",
      });
      // The bearer door: the function's own check refuses a request without a token, or with one it does not know.
      const noToken = await twin.api({ method: "GET", path: "/admin/subscribers" });
      expect(noToken).toMatchObject({ statusCode: 401, invoked: true, routeKey: "ANY /admin/{proxy+}" });
      const badToken = await twin.api({
        method: "POST",
        path: "/admin/stories",
        headers: { authorization: "Bearer not-a-token", "content-type": "application/x-ndjson" },
        body: ndjson,
      });
      expect(badToken).toMatchObject({ statusCode: 403, invoked: true, routeKey: "POST /admin/stories" });
      const stranger = await twin.api({
        method: "GET",
        path: "/iam/admin/subscribers",
        signedBy: "arn:aws:iam::111122223333:user/someone-else",
      });
      expect(stranger).toMatchObject({ statusCode: 403, invoked: false });
      expect(await twin.api({ method: "GET", path: "/nowhere" })).toMatchObject({
        statusCode: 404,
        invoked: false,
      });

      // A reader signs up on the public route: the api function mails the confirmation through SES.
      const signup = await twin.api({
        method: "POST",
        path: "/subscribe",
        body: JSON.stringify({ email: "pat@example.com" }),
        headers: { "content-type": "application/json", accept: "application/json" },
      });
      expect(signup).toMatchObject({ statusCode: 202, invoked: true });
      expect(mailTo("pat@example.com", "confirm")).toHaveLength(1);
    });

    it("the daily schedule invokes compose; the queue feeds send; every active subscriber gets one mail", async () => {
      const run = await twin.schedule("DailySchedule");
      expect(run.error).toBeUndefined();
      expect(run.result).toMatchObject({
        status: "queued",
        recipients: SUBSCRIBERS.length + 1,
        messages: 1,
        stories: 3,
      });
      setEditionId((run.result as { editionId: string }).editionId);
      expect(editionId.startsWith(day)).toBe(true);

      const [stats] = Object.values(await twin.drainQueues());
      expect(stats).toMatchObject({ invocations: 1, movedToDeadLetters: 0 });
      for (const email of SUBSCRIBERS) expect(mailTo(email, editionId)).toHaveLength(1);
      expect(mailTo("pat@example.com", editionId)).toHaveLength(0);
      expect(mailTo(REJECTED, editionId)).toHaveLength(0);
      const settled = await twin.edition(editionId);
      expect(settled.counts).toMatchObject({ sent: SUBSCRIBERS.length, rejected: 1 });
      expect(twin.ses.stats.rejected).toBe(1);
      // The last queue message settled the edition (issue 13, item 4): "partial", not "sent", since SES
      // refused one recipient for good (edition-delivery.ts: a message with a rejected recipient settles
      // "failed"; resend-failed retries rejected ones only when asked to).
      expect(settled.status).toBe("partial");

      // Links are signed with the key Secrets Manager holds, and point at the CloudFront distribution
      // the stack deployed (not the execute-api host), whose origins are that API and the console's bucket.
      const mail = await simpleParser(mailTo("ana@example.com", editionId)[0]?.raw as Buffer);
      const url = new URL((mail.headers.get("list") as { unsubscribe: { url: string } }).unsubscribe.url);
      expect(url.origin).toBe(`https://${twin.model.distribution?.domainName}`);
      expect(url.hostname).toMatch(/^d[a-z]+\.cloudfront\.net$/);
      expect(twin.model.distribution?.originDomains).toEqual([
        `${twin.model.api?.id}.execute-api.eu-west-2.amazonaws.com`,
        expect.stringMatching(/^newsletterdigest-consolebucket[0-9a-f]{8}\.s3\.eu-west-2\.amazonaws\.com$/),
      ]);
      const secret = twin.template.ref(twin.template.ofType("AWS::SecretsManager::Secret")[0] as string);
      const keys = parseTokenKeys(twin.secretValue(secret));
      expect(verifyToken(url.searchParams.get("t") as string, "unsubscribe", keys).ok).toBe(true);
    });

    it("SES events come back through the rule to ses-events; the admin route shows the edition's figures", async () => {
      const m = (email: string) => mailTo(email, editionId)[0] ?? expect.fail(`no mail to ${email}`);
      // SES publishes a Send event for every mail it accepted (the dashboard's rates divide by them).
      for (const email of SUBSCRIBERS) expect((await twin.sesEvent(m(email), "send")).published).toBe(true);
      for (const email of SUBSCRIBERS.filter((e) => e !== "cy@example.com"))
        expect((await twin.sesEvent(m(email), "delivery")).delivered).toHaveLength(1);
      await twin.sesEvent(m("cy@example.com"), "bounce");
      await twin.sesEvent(m("dee@example.com"), "complaint");
      await twin.sesEvent(m("eve@example.com"), "softBounce");
      for (const email of ["ana@example.com", "ben@example.com"]) await twin.sesEvent(m(email), "open");
      await twin.sesEvent(m("ana@example.com"), "open");
      await twin.sesEvent(m("ben@example.com"), "click");
      expect(twin.failedAsync).toEqual([]);

      const report = await twin.edition(editionId);
      expect(report.status).toBe("partial");
      expect(report.delivery).toMatchObject({
        sent: SUBSCRIBERS.length,
        delivered: SUBSCRIBERS.length - 1,
        bounced: 1,
        softBounced: 1,
        complained: 1,
        opened: 3,
        uniqueOpened: 2,
        clicked: 1,
        uniqueClicked: 1,
      });
      expect(await status("cy@example.com")).toBe("suppressed");
      expect(await status("dee@example.com")).toBe("suppressed");
      expect(await status("ana@example.com")).toBe("active");
    });

    it("the counters land on several partition keys of the editions table; the admin route sums them (issue 13, item 7)", async () => {
      const table = twin.model.functions.sesEvents?.environment.DIGEST_TABLE_EDITIONS;
      const counterWrites = twin.calls.filter(
        (c) => c.fn === "sesEvents" && c.operation === "UpdateItem" && c.input?.TableName === table,
      );
      const partitions = counterWrites.map((c) =>
        String((c.input?.Key as { editionId?: string } | undefined)?.editionId),
      );
      // Every counter write goes to one of the edition's shards, never to the edition's own partition.
      expect(partitions.length).toBeGreaterThan(1);
      for (const key of partitions) expect(key).toMatch(new RegExp(`^stats#${editionId}#\\d+$`));
      expect(new Set(partitions).size).toBeGreaterThan(1);
      // What the events of the day added (see the case above), summed over the shards on read; `sent`
      // is the send function's counter.
      expect((await twin.edition(editionId)).stats).toEqual({
        sent: SUBSCRIBERS.length,
        delivered: SUBSCRIBERS.length - 1,
        bounced: 1,
        complained: 1,
        softBounced: 1,
        opened: 3,
        uniqueOpened: 2,
        clicked: 1,
        uniqueClicked: 1,
      });
    });

    it("a second bounce of a suppressed address keeps it suppressed", async () => {
      const mail = mailTo("cy@example.com", editionId)[0] ?? expect.fail("no mail to cy");
      expect((await twin.sesEvent(mail, "bounce")).delivered.map((d) => d.error)).toEqual([undefined]);
      expect(await status("cy@example.com")).toBe("suppressed");
    });

    it("delivers nothing the rule does not match: other SES events, another configuration set, untracked types", async () => {
      const sendingDisabled = {
        version: "0",
        id: "7e1b4b4e-0000-4000-8000-000000000001",
        "detail-type": "Sending Status Disabled",
        source: "aws.ses",
        account: "111122223333",
        time: new Date().toISOString(),
        region: "eu-west-2",
        resources: [],
        detail: {},
      };
      expect(await twin.putEvent(sendingDisabled)).toEqual([]);
      const mail = mailTo("fay@example.com", editionId)[0] as (typeof twin.mail)[number];
      expect(await twin.sesEvent({ ...mail, configurationSet: "someone-elses" }, "bounce")).toEqual({
        published: false,
        delivered: [],
      });
      const otherSet = JSON.parse(JSON.stringify(mail)) as typeof mail;
      const event = (await import("../ses-mail.js")).sesEventFor(
        { ...otherSet, raw: mail.raw, sentAt: mail.sentAt, configurationSet: "someone-elses" },
        "bounce",
        { account: "111122223333", region: "eu-west-2" },
      );
      expect(await twin.putEvent(event)).toEqual([]);
      expect(await status("fay@example.com")).toBe("active");
    });

    it("a message delivered again is sent to nobody twice; batches keep the template's BatchSize and MaximumConcurrency", async () => {
      const before = twin.mail.length;
      const queue = twin.model.queues.find((q) => q.redrive) ?? expect.fail("no send queue");
      const mapping = twin.model.eventSources[0] ?? expect.fail("no event source mapping");
      // At-least-once: the same recipients arrive again, one message each.
      for (let i = 0; i < 2 * mapping.batchSize + 1; i++) {
        const email = SUBSCRIBERS[i % SUBSCRIBERS.length] as string;
        twin.sqs.send(queue.url, JSON.stringify({ editionId, emails: [email] }));
      }
      const stats = (await twin.drainQueues())[queue.arn];
      expect(stats).toMatchObject({
        invocations: 3,
        maxBatch: mapping.batchSize,
        maxInFlight: mapping.maxConcurrency,
        movedToDeadLetters: 0,
      });
      expect(twin.mail.length).toBe(before);
    });

    it("a malformed queue message fails alone (partial batch response) and ends in the DLQ; the others are sent", async () => {
      const queue = twin.model.queues.find((q) => q.redrive) ?? expect.fail("no send queue");
      const dlq = twin.sqs.queue(queue.redrive?.deadLetterArn as string);
      const before = dlq.messages.length;
      await twin.admin("POST", "/admin/subscribers", { email: "jo@example.com" });
      twin.sqs.send(queue.url, "{not json");
      twin.sqs.send(queue.url, JSON.stringify({ editionId, emails: ["jo@example.com"] }));
      const stats = (await twin.drainQueues())[queue.arn];
      expect(stats?.movedToDeadLetters).toBe(1);
      expect(dlq.messages.slice(before).map((m) => m.body)).toEqual(["{not json"]);
      expect(mailTo("jo@example.com", editionId)).toHaveLength(1);
    });

    it("a batch that keeps failing comes back after the visibility timeout and ends in the DLQ; resend-failed sends it once", async () => {
      const queue = twin.model.queues.find((q) => q.redrive) ?? expect.fail("no send queue");
      const dlq = twin.sqs.queue(queue.redrive?.deadLetterArn as string);
      const deadBefore = dlq.messages.length;
      await twin.admin("POST", "/admin/subscribers", { email: "ivy@example.com" });
      twin.ses.setMax24HourSend(0);
      const started = twin.clock.now();
      // A scheduler retry of compose: everyone is enqueued again; only ivy is still to send, and SES's
      // daily quota refuses her every time.
      expect((await twin.schedule("DailySchedule")).result).toMatchObject({ status: "queued" });
      const stats = (await twin.drainQueues())[queue.arn];
      const receives = queue.redrive?.maxReceiveCount as number;
      expect(stats).toMatchObject({
        invocations: receives,
        redeliveries: receives - 1,
        movedToDeadLetters: 1,
      });
      // Received maxReceiveCount times, a visibility timeout after each; SQS moves it on the next receive.
      const timeout = queue.visibilityTimeoutSeconds * 1000;
      expect(twin.clock.now() - started).toBeGreaterThanOrEqual(receives * timeout);
      expect(twin.clock.now() - started).toBeLessThan((receives + 1) * timeout);
      expect(dlq.messages).toHaveLength(deadBefore + 1);
      expect(mailTo("ivy@example.com", editionId)).toHaveLength(0);

      twin.ses.setMax24HourSend(1_000_000);
      const resend = await twin.admin<{ queued: number }>(
        "POST",
        `/admin/editions/${editionId}/resend-failed`,
      );
      expect(resend).toMatchObject({ outcome: "queued", queued: 1, retried: 1 });
      await twin.drainQueues();
      expect(mailTo("ivy@example.com", editionId)).toHaveLength(1);
    });

    it("the feed poll before compose runs ingest on its schedule: it imports a feed's stories and records a broken one", async () => {
      const feeds = await startFeedServer();
      try {
        feeds.routes.set("/feed.json", {
          kind: "document",
          body: fixture("jsonfeed.json"),
          contentType: "application/feed+json",
          etag: true,
        });
        feeds.routes.set("/home", { kind: "document", body: fixture("page.html"), contentType: "text/html" });
        // Added through the deployed route (the story-import function checks the address as ingest would).
        for (const path of ["/feed.json", "/home"])
          await twin.admin("POST", "/admin/feeds", { url: `${feeds.url}${path}`, section: "Science" });
        const run = await twin.schedule("FeedPollingBeforeCompose");
        expect(run.result).toMatchObject({ feeds: 2, imported: 2, feedsFailed: 1 });
        const state = (await twin.admin<{ items: Record<string, unknown>[] }>("GET", "/admin/feeds")).items;
        expect(state.find((f) => f.url === `${feeds.url}/home`)).toMatchObject({
          lastStatus: "error",
          lastError: "not a feed: the document is HTML",
        });
        // The next poll revalidates: 304, nothing imported again.
        expect((await twin.schedule("FeedPolling")).result).toMatchObject({ imported: 0, updated: 0 });
        const last = feeds.requests.filter((r) => r.path === "/feed.json").at(-1);
        expect(last?.headers["if-none-match"]).toMatch(/^"/);
      } finally {
        await feeds.close();
      }
    });
  });
}
