import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeResendCursor,
  enqueueFailed,
  withQueuedResending,
} from "../../functions/core/delivery/resend-failed.js";
import { bearerTokenAuth } from "../../functions/core/http/admin-auth.js";
import { apiFunctionRoutes, createApi } from "../../functions/core/http/routes.js";
import type { EditionRecord, RecipientBatch } from "../../functions/core/kernel/ports.js";
import type { Runtime } from "../../functions/local/runtime.js";
import { composedEdition } from "../helpers/edition-setup.js";
import { startTestStack, type TestStack } from "../helpers/services.js";

/**
 * The deployed resend-failed (POST /admin/editions/{id}/resend-failed on the api Lambda) at scale
 * (issue 15, item 1): one request takes one bounded chunk of the failed entries and answers with
 * where the next one continues, so no request reads the whole ledger or lists every failed
 * recipient; together the requests enqueue each failed recipient once, and nobody else.
 */

const DAY = "2031-04-02";
const FAILED = 25;
const emails = Array.from({ length: 40 }, (_, i) => `r${String(i).padStart(2, "0")}@example.com`);

let stack: TestStack;
let rt: Runtime;
let deps: Awaited<ReturnType<Runtime["deps"]>>;
let edition: EditionRecord;

beforeAll(async () => {
  stack = await startTestStack();
  ({ rt, deps, edition } = await composedEdition(stack, DAY, emails));
  // 25 failed (a transient error to the end), the other 15 sent: as a send with a long SES outage leaves it.
  const lease = Date.now() + 60_000;
  for (const [i, email] of emails.entries()) {
    const sub = (await deps.subscribers.get(email)) ?? expect.fail(`no ${email}`);
    await deps.ledger.claim(DAY, sub.id, "o", lease);
    if (i < FAILED) await deps.ledger.markFailed(DAY, sub.id, "o", "throttled", false);
    else await deps.ledger.markSent(DAY, sub.id, "o", `m-${i}`);
  }
  await deps.ledger.flushCounts();
  await deps.editions.setStatus(DAY, "partial");
});

afterAll(async () => {
  await rt?.close();
  await stack?.close();
});

/** Calls the deployed resend-failed as a client would: one chunk per request, on to `nextCursor`. */
async function resendChunks(
  limits: { entries: number; pages: number; pageSize: number },
  maxRequests: number,
) {
  const batches: RecipientBatch[] = [];
  const queue = { enqueue: async (b: readonly RecipientBatch[]) => void batches.push(...b) };
  const answers = [];
  let cursor: string | null = null;
  do {
    const decoded = cursor ? (decodeResendCursor(cursor) ?? expect.fail("bad cursor")) : undefined;
    const answer = await enqueueFailed(deps, queue, edition.editionId, { cursor: decoded, limits });
    if (answer.outcome !== "queued") expect.fail(answer.outcome);
    answers.push(answer);
    cursor = answer.nextCursor;
  } while (cursor && answers.length < maxRequests);
  return { answers, batches };
}

describe("the deployed resend-failed, a chunk per request", () => {
  it("enqueues every failed recipient once over several requests, each taking at most its chunk", async () => {
    const limits = { entries: 10, pages: 100, pageSize: 4 };
    const { answers, batches } = await resendChunks(limits, 10);
    expect(answers.map((a) => a.retried)).toEqual([10, 10, 5]);
    expect(answers.every((a) => a.queued <= limits.entries)).toBe(true);
    const enqueued = batches.flatMap((b) => b.emails).sort();
    expect(enqueued).toEqual(emails.slice(0, FAILED));
  });

  it("stops at its page budget on a ledger with few failures, and goes on from there", async () => {
    // Pages of 4 entries, 2 pages a request: 8 entries looked at per request, whatever they hold.
    const limits = { entries: 1_000, pages: 2, pageSize: 4 };
    const { answers, batches } = await resendChunks(limits, 20);
    expect(answers.length).toBeGreaterThanOrEqual(Math.ceil(emails.length / 8));
    expect(answers.every((a) => a.retried <= 8)).toBe(true);
    expect(answers.reduce((n, a) => n + a.retried, 0)).toBe(FAILED);
    expect(new Set(batches.flatMap((b) => b.emails)).size).toBe(batches.flatMap((b) => b.emails).length);
    expect(decodeResendCursor("not a cursor")).toBeNull();
  });

  it("POST /admin/editions/{id}/resend-failed answers 202 with nextCursor, and 400 for a cursor it never wrote", async () => {
    const batches: RecipientBatch[] = [];
    const queue = { enqueue: async (b: readonly RecipientBatch[]) => void batches.push(...b) };
    const token = "a-test-admin-token-0123456789";
    const ctx = await rt.apiContext();
    const api = createApi(
      apiFunctionRoutes,
      withQueuedResending({ ...ctx }, deps, queue),
      bearerTokenAuth(token),
    );
    const post = (query: Record<string, string>) =>
      api({
        method: "POST",
        path: `/admin/editions/${DAY}/resend-failed`,
        query,
        headers: { authorization: `Bearer ${token}` },
        body: "",
        sourceIp: "127.0.0.1",
        principal: null,
      });
    const first = await post({});
    expect(first.status).toBe(202);
    const body = JSON.parse(first.body);
    expect(body).toMatchObject({ editionId: DAY, outcome: "queued", retried: FAILED, nextCursor: null });
    expect((await post({ cursor: "bm90IGEgY3Vyc29y" })).status).toBe(400);
  });
});
