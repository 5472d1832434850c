import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3FileStore } from "../../functions/adapters/s3-file-store.js";
import { S3Emulator } from "./s3.js";

/**
 * The job bucket's file store against the twin's S3 stand-in: every request's SigV4 signature is
 * checked there (header-signed calls and presigned links alike), so what the adapter signs is what S3
 * would accept; a presigned link carries its signer's rights and expires.
 */

const decisions: { principal: string; action: string; resource: string }[] = [];
let allowed = true;
let now = () => new Date();
const s3 = new S3Emulator("eu-west-2", new Set(["job-files"]), {
  credentials: (key) =>
    key === "ASIATEST" ? { principal: "jobs", secret: "s3cret", sessionToken: "tok" } : undefined,
  authorize: async (principal, action, resource) => {
    decisions.push({ principal, action, resource });
    return allowed;
  },
  now: () => now(),
});
let store: S3FileStore;

async function* text(...parts: string[]) {
  yield* parts;
}

describe("S3FileStore on the twin's S3", () => {
  beforeAll(async () => {
    const endpoint = await s3.start();
    store = new S3FileStore({
      bucket: "job-files",
      region: "eu-west-2",
      endpoint,
      credentials: async () => ({ accessKeyId: "ASIATEST", secretAccessKey: "s3cret", sessionToken: "tok" }),
    });
  });
  afterAll(() => s3.close());

  it("writes and reads a file with signed requests, as the signer's principal", async () => {
    await store.write("jobs/a b/report.csv", text("line,kind,reason\r\n", "2,invalid,x\r\n"), "text/csv");
    const file = await store.read("jobs/a b/report.csv");
    expect(file?.size).toBe(31);
    let body = "";
    for await (const chunk of file?.body ?? []) body += chunk;
    expect(body).toBe("line,kind,reason\r\n2,invalid,x\r\n");
    expect(decisions.slice(-2)).toEqual([
      { principal: "jobs", action: "s3:PutObject", resource: "arn:aws:s3:::job-files/jobs/a b/report.csv" },
      { principal: "jobs", action: "s3:GetObject", resource: "arn:aws:s3:::job-files/jobs/a b/report.csv" },
    ]);
    expect(await store.read("jobs/none.csv")).toBeNull();
  });

  it("presigned PUT and GET links work without credentials, and only unaltered and unexpired", async () => {
    const put = await store.uploadUrl("jobs/j1/input.csv", "text/csv", 3600);
    expect(
      (await fetch(put, { method: "PUT", headers: { "content-type": "text/csv" }, body: "email\n" })).status,
    ).toBe(200);
    const get = await store.downloadUrl("jobs/j1/input.csv", "input file.csv", 60);
    const res = await fetch(get);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("email\n");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="input_file.csv"');
    const altered = get.replace("input.csv", "other.csv");
    expect((await fetch(altered)).status).toBe(403);
    now = () => new Date(Date.now() + 61_000);
    expect((await fetch(get)).status).toBe(403);
    now = () => new Date();
  });

  it("refuses what IAM does not allow", async () => {
    allowed = false;
    await expect(store.read("jobs/j1/input.csv")).rejects.toThrow(/AccessDenied/);
    allowed = true;
  });
});
