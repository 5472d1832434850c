import { describe, expect, it } from "vitest";
import { cliAuditEntry } from "../../functions/local/cli-audit.js";

const env = { USER: "newsdesk" } as NodeJS.ProcessEnv;
const now = new Date("2026-12-06T07:00:00Z");

describe("the audit entry of a CLI write", () => {
  it("names the edition a day's command touched: its --date, else the day it ran for", () => {
    expect(cliAuditEntry(["send", "--date", "2026-12-05"], env, now)).toMatchObject({
      actor: "cli:newsdesk",
      action: "edition.send",
      target: "2026-12-05",
      summary: "digest send --date",
    });
    expect(cliAuditEntry(["compose", "--date=2026-12-04", "--force"], env, now)?.target).toBe("2026-12-04");
    expect(cliAuditEntry(["dispatch"], env, now, "Pacific/Auckland")?.target).toBe("2026-12-06");
    expect(cliAuditEntry(["send"], env, new Date("2026-12-06T12:00:00Z"), "Pacific/Auckland")?.target).toBe(
      "2026-12-07",
    );
  });

  it("keeps flag values out: a value that is no date is never the target", () => {
    const entry = cliAuditEntry(["send", "--date", "s3cr3t-not-a-date"], env, now);
    expect(JSON.stringify(entry)).not.toContain("s3cr3t");
  });

  it("records no read and no dry run", () => {
    expect(cliAuditEntry(["stories", "list"], env, now)).toBeNull();
    expect(cliAuditEntry(["send", "--dry-run"], env, now)).toBeNull();
  });
});
