import { afterEach, describe, expect, it } from "vitest";
import { deliverEdition } from "../../functions/core/delivery/send-edition.js";
import { MailError, type Mailer } from "../../functions/core/kernel/ports.js";
import { openRuntime } from "../../functions/local/runtime.js";
import { composedEdition, seedDay } from "../helpers/edition-setup.js";
import { adminRequest, startServe } from "../helpers/serve.js";
import { startTestStack, type TestStack } from "../helpers/services.js";

const DAY = "2031-03-14";
let stack: TestStack;

afterEach(async () => {
  await stack?.close();
});

const received = () => {
  const counts = new Map<string, number>();
  for (const m of stack.ses.messages) for (const d of m.destinations) counts.set(d, (counts.get(d) ?? 0) + 1);
  return counts;
};

/** One story of DAY and `who`@example.com as active subscribers. */
const withSubscribers = (who: string[]) =>
  seedDay(
    stack,
    DAY,
    who.map((w) => `${w}@example.com`),
  );

const show = async () => JSON.parse((await stack.digest(["editions", "show", DAY, "--json"])).out);

describe("digest editions show and resend-failed", () => {
  it("retries a rejected recipient only with --include-rejected, through the same sender, never the sent ones", async () => {
    // SES refuses bad@ once (say a mailbox policy since fixed), then accepts it.
    let refusals = 0;
    stack = await startTestStack({
      reject: (raw) =>
        /^To: .*bad@example\.com/m.test(raw) && refusals++ === 0 ? "Address blacklisted." : null,
    });
    await withSubscribers(["good", "bad", "fine"]);
    const send = await stack.digest(["send", "--date", DAY]);
    expect(send.code).toBe(1);
    expect(send.out).toMatch(/recipients=3 sent=2 already_sent=0 skipped=0 suppressed=0 failed=1$/m);

    const text = await stack.digest(["editions", "show", DAY]);
    expect(text.out).toContain("recipients: queued=0 sent=2 failed=0 rejected=1 suppressed=0 skipped=0");
    expect(text.out).toContain(`digest editions resend-failed ${DAY} [--include-rejected]`);
    expect((await show()).counts).toMatchObject({ queued: 0, sent: 2, failed: 0, rejected: 1 });

    // Without the flag a permanent rejection stays as it is.
    const plain = await stack.digest(["editions", "resend-failed", DAY]);
    expect(plain.code).toBe(0);
    expect(plain.err).toContain("no failed recipients to resend");
    expect(plain.err).toContain("1 rejected recipient(s) not retried");
    expect(plain.out).toMatch(/^edition=2031-03-14 stories=1 recipients=0 sent=0 /m);
    expect(refusals).toBe(1);

    const retried = await stack.digest(["editions", "resend-failed", DAY, "--include-rejected"]);
    expect(retried.code).toBe(0);
    expect(retried.out).toMatch(
      /^edition=2031-03-14 stories=1 recipients=1 sent=1 already_sent=0 skipped=0 suppressed=0 failed=0$/m,
    );
    expect(Object.fromEntries(received())).toEqual({
      "good@example.com": 1,
      "bad@example.com": 1,
      "fine@example.com": 1,
    });
    expect((await show()).counts).toMatchObject({ sent: 3, failed: 0, rejected: 0, queued: 0 });
    // Everyone reached now: the resend's last message settles the edition "sent".
    expect((await show()).status).toBe("sent");

    // Nothing left: a second resend sends nothing; a rerun of send finds everybody sent.
    const again = await stack.digest(["editions", "resend-failed", DAY, "--include-rejected"]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/recipients=0 sent=0 /);
    const rerun = await stack.digest(["send", "--date", DAY]);
    expect(rerun.out).toMatch(/sent=0 already_sent=3 /);
    expect(stack.ses.messages).toHaveLength(3);
  });

  it("exits 1 when a retried recipient fails again", async () => {
    stack = await startTestStack({
      reject: (raw) => (/^To: .*bad@example\.com/m.test(raw) ? "Address blacklisted." : null),
    });
    await withSubscribers(["good", "bad"]);
    expect((await stack.digest(["send", "--date", DAY])).code).toBe(1);
    const rejectedBefore = stack.ses.stats.rejected;
    const retried = await stack.digest(["editions", "resend-failed", DAY, "--include-rejected", "--json"]);
    expect(retried.code).toBe(1);
    expect(JSON.parse(retried.out)).toMatchObject({ recipients: 1, sent: 0, failed: 1, retried: 1 });
    expect(stack.ses.stats.rejected).toBe(rejectedBefore + 1);
    expect(await show()).toMatchObject({ status: "partial", counts: { sent: 1, rejected: 1, failed: 0 } });
    expect(received().get("good@example.com")).toBe(1);
  });

  it("a recipient left failed by a transient error that outlasted every retry is reached by resend-failed", async () => {
    stack = await startTestStack();
    const emails = ["ana", "ben", "cy", "flaky"].map((w) => `${w}@example.com`);
    const { rt, deps, edition } = await composedEdition(stack, DAY, emails);
    // The send: SES fails flaky@ with a 5xx on every try (8 per delivery, over the queue's 2 deliveries).
    let flakyTries = 0;
    try {
      const mailer: Mailer = {
        maxSendRate: () => deps.mailer.maxSendRate(),
        async sendRaw(raw, opts) {
          if (opts.to === "flaky@example.com") {
            flakyTries++;
            throw new MailError("transient", "InternalFailure: the request processing has failed");
          }
          return deps.mailer.sendRaw(raw, opts);
        },
      };
      const summary = await deliverEdition({ ...deps, mailer, sleep: async () => {} }, edition, {
        queue: { maxReceiveCount: 2, retryDelayMs: () => 10 },
      });
      expect(summary).toMatchObject({ recipients: 4, sent: 3, failed: 1, retryable: 1, remaining: 0 });
    } finally {
      await rt.close();
    }
    expect(flakyTries).toBe(16);
    const before = await show();
    expect(before).toMatchObject({ status: "partial", counts: { sent: 3, failed: 1, rejected: 0 } });

    // SES works again: resend-failed reaches flaky@ only.
    const retried = await stack.digest(["editions", "resend-failed", DAY]);
    expect(retried.code).toBe(0);
    expect(retried.out).toMatch(/recipients=1 sent=1 already_sent=0 skipped=0 suppressed=0 failed=0$/m);
    expect(Object.fromEntries(received())).toEqual({
      "ana@example.com": 1,
      "ben@example.com": 1,
      "cy@example.com": 1,
      "flaky@example.com": 1,
    });
    expect(await show()).toMatchObject({ status: "sent", counts: { sent: 4, failed: 0 } });
  });

  it("POST /admin/editions/{id}/resend-failed does the same from digest serve", async () => {
    let refusals = 0;
    stack = await startTestStack({
      reject: (raw) =>
        /^To: .*bad@example\.com/m.test(raw) && refusals++ === 0 ? "Address blacklisted." : null,
    });
    await withSubscribers(["good", "bad"]);
    expect((await stack.digest(["send", "--date", DAY])).code).toBe(1);
    const serve = await startServe(stack);
    try {
      const post = async (path: string) => {
        const { status, json } = await adminRequest(serve, "POST", path);
        return { status, json };
      };
      const plain = await post(`/admin/editions/${DAY}/resend-failed`);
      expect(plain).toEqual({
        status: 200,
        json: expect.objectContaining({ retried: 0, rejectedLeft: 1, sent: 0, failed: 0 }),
      });
      const all = await post(`/admin/editions/${DAY}/resend-failed?includeRejected=true`);
      expect(all.status).toBe(200);
      expect(all.json).toMatchObject({ editionId: DAY, retried: 1, recipients: 1, sent: 1, failed: 0 });
      expect((await post("/admin/editions/2000-01-01/resend-failed")).status).toBe(404);
      expect((await post(`/admin/editions/${DAY}/resend-failed?includeRejected=maybe`)).status).toBe(400);
    } finally {
      await serve.stop();
    }
    expect(Object.fromEntries(received())).toEqual({ "good@example.com": 1, "bad@example.com": 1 });
  });

  it("refuses an unknown edition and a halted one", async () => {
    stack = await startTestStack();
    const missing = await stack.digest(["editions", "resend-failed", DAY]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`no edition ${DAY}`);
    expect((await stack.digest(["editions", "resend-failed"])).code).toBe(2);

    await withSubscribers(["ana"]);
    expect((await stack.digest(["send", "--date", DAY])).code).toBe(0);
    const rt = await openRuntime({ env: stack.env });
    try {
      const deps = await rt.deps();
      await deps.editions.setStatus(DAY, "partial", "bounce rate 50% (1 of 2 sent) passed the 5% limit");
    } finally {
      await rt.close();
    }
    const halted = await stack.digest(["editions", "resend-failed", DAY]);
    expect(halted.code).toBe(1);
    expect(halted.err).toContain("--resume-halted");
  });
});
