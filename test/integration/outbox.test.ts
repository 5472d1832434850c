import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FolderOutbox, outboxFileName } from "../../functions/adapters/outbox.js";
import { deliverEdition } from "../../functions/core/delivery/send-edition.js";
import type { Outbox } from "../../functions/core/kernel/ports.js";
import { composedEdition } from "../helpers/edition-setup.js";
import { startTestStack, type TestStack } from "../helpers/services.js";

/**
 * The local outbox is a copy of what SES accepted: it never decides whether someone was mailed. A long
 * address gets a file name within the file system's 255 bytes, concurrent writes never collide, and a
 * copy that cannot be written is warned about while the recipient stays sent (a rerun mails nobody again).
 */

const DAY = "2031-03-14";
/** 254 characters: the longest address accepted, whose `<address>.eml` is 258 bytes. */
const LONG = `${"a".repeat(64)}@${["b".repeat(63), "c".repeat(63), "d".repeat(57)].join(".")}.com`;

let stack: TestStack | undefined;
let dir: string | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("outbox file names", () => {
  it("keep <lower-cased email>.eml for ordinary addresses", () => {
    expect(outboxFileName("Ana.Ortiz@Example.COM")).toBe("ana.ortiz@example.com.eml");
  });

  it("give a long address a name within 255 bytes: a prefix of it and a hash of the whole", () => {
    expect(LONG).toHaveLength(254);
    const name = outboxFileName(LONG);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name).toMatch(/^a{64}@b{63}\.c{63}\.d+~[0-9a-f]{32}\.eml$/);
    expect(outboxFileName(LONG.toUpperCase())).toBe(name);
    // Two long addresses that share the prefix still get names of their own.
    expect(outboxFileName(LONG.replace(/d\.com$/, "e.com"))).not.toBe(name);
    const wide = `${"é".repeat(40)}@example.org`; // 92 characters, 132 bytes: ordinary
    expect(outboxFileName(wide)).toBe(`${wide}.eml`);
    const wider = `${"é".repeat(64)}@${"ü".repeat(60)}.example.org`; // 137 characters, 260 bytes
    expect(Buffer.byteLength(outboxFileName(wider))).toBeLessThanOrEqual(255);
  });

  it("concurrent writes of one file never collide on a temporary name", async () => {
    dir = await mkdtemp(join(tmpdir(), "outbox-"));
    const outbox = new FolderOutbox(dir);
    const bodies = Array.from({ length: 40 }, (_, i) => Buffer.from(`message ${i} `.repeat(2000)));
    await Promise.all(bodies.map((b) => outbox.writeMessage(DAY, "ana@example.com", b)));
    await Promise.all(bodies.map((_, i) => outbox.writeEdition(DAY, `<p>${i}</p>`, `${i}`)));
    const kept = await readFile(join(dir, DAY, "ana@example.com.eml"));
    expect(bodies.some((b) => b.equals(kept))).toBe(true);
    // No temporary file is left behind.
    expect((await readdir(join(dir, DAY))).sort()).toEqual([
      "ana@example.com.eml",
      "digest.html",
      "digest.txt",
    ]);
  });
});

describe("a message SES accepted is sent, whatever happens to the local copy", () => {
  it("a 254-character address is mailed once: its copy is kept under a hashed name and a rerun sends nothing", async () => {
    stack = await startTestStack();
    const { rt, deps, edition } = await composedEdition(stack, DAY, ["ana@example.com", LONG]);
    try {
      const first = await deliverEdition(deps, edition);
      expect(first).toMatchObject({ sent: 2, failed: 0, retryable: 0 });
      const again = await deliverEdition(deps, edition);
      expect(again).toMatchObject({ sent: 0, alreadySent: 2, failed: 0 });
    } finally {
      await rt.close();
    }
    expect(stack.ses.messages.filter((m) => m.destinations.includes(LONG))).toHaveLength(1);
    const files = await readdir(join(stack.dir, "out", DAY));
    expect(files).toContain(outboxFileName(LONG));
  }, 60_000);

  it("a copy that cannot be written is warned about; the recipient stays sent and is not mailed again", async () => {
    stack = await startTestStack();
    const { rt, deps, edition } = await composedEdition(stack, DAY, ["ana@example.com", "ben@example.com"]);
    const warnings: string[] = [];
    const broken: Outbox = {
      writeMessage: async () => {
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      },
      writeEdition: async () => {
        throw new Error("EACCES: permission denied, open 'out/digest.html'");
      },
    };
    try {
      const run = { ...deps, outbox: broken, onWarning: (message: string) => warnings.push(message) };
      const first = await deliverEdition(run, edition);
      expect(first).toMatchObject({ sent: 2, failed: 0, retryable: 0 });
      expect((await deps.ledger.counts(edition.editionId)).sent).toBe(2);
      const again = await deliverEdition(run, edition);
      expect(again).toMatchObject({ sent: 0, alreadySent: 2 });
    } finally {
      await rt.close();
    }
    expect(stack.ses.messages).toHaveLength(2);
    expect(warnings.filter((w) => /^outbox: .*ENOSPC/.test(w))).toHaveLength(2);
    expect(warnings.some((w) => /^outbox: .*digest\.html.*EACCES/.test(w))).toBe(true);
    // Warnings name the subscriber by id, not by address.
    expect(warnings.join("\n")).not.toContain("@example.com");
  }, 60_000);
});
