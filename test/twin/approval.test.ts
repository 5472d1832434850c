import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dayInZone, nextDailyRun } from "../../functions/core/kernel/dates.js";
import { USER_POOL_ID_ENV } from "../../functions/handlers/env.js";
import type { CognitoLocal } from "../helpers/cognito-local.js";
import { story } from "../helpers/services.js";
import { TWIN_CONTEXT } from "./bundled-assembly.js";
import { printReport } from "./report.js";
import { ADMIN, startTwin, type Twin } from "./twin.js";

/**
 * Approval deployed (issue 17), on a twin of its own (the stack synthesized with `approval: required`;
 * one twin per process, so not in deployed-day.test.ts): the daily schedule composes and holds the
 * edition, compose mails the approvers, the api function records an approval, and the ApprovalRounds
 * schedule fans the approved edition out to the send queue, which sends it; before that an editor
 * previews it and sends a test (issue 17) through the api function. Every AWS call is checked
 * against the calling function's role in the template.
 *
 * The team: members added through POST /admin/team (the api function's bundle) are invited into the
 * console's user pool — the twin's cognito-local, a real Cognito-speaking endpoint on loopback,
 * holding the pool under the id the template resolves to; each Cognito call is checked against the
 * api function's role — and compose reads the team table to mail its editors and owners.
 */

const READERS = ["ana@example.com", "ben@example.com"];
const DESK = "desk@example.com";
const EDITOR = "eda@example.com";
const VIEWER = "vic@example.com";
const FIXED = "Story number 1 of the day, corrected";
const FIXED_EXCERPT = "An excerpt the editor corrected.";
let twin: Twin;
let cognito: CognitoLocal;
let pool: string;
let day: string;

beforeAll(async () => {
  twin = await startTwin({
    context: { ...TWIN_CONTEXT, "digest:approval": "required", "digest:approvalNotify": DESK },
  });
  day = dayInZone(new Date(), twin.model.functions.compose?.environment.DIGEST_TIME_ZONE ?? "UTC");
  pool = twin.model.functions.api?.environment[USER_POOL_ID_ENV] ?? "";
  cognito = twin.cognito;
}, 240_000);

afterEach(() => twin.assertNoAccessDenied());

afterAll(async () => {
  if (twin) printReport("grants", twin);
  await twin?.close();
});

const mailTo = (email: string) => twin.mail.filter((m) => m.destinations.includes(email));

describe("approval required, deployed", () => {
  it("an owner adds people through the admin API: each is invited into the pool, in their role's group", async () => {
    expect(pool).toMatch(/^[a-z]+-[a-z]+-\d_\w+$/); // the template's pool, as the twin resolves it
    const added = await twin.admin<{ email: string; role: string; invited: boolean }>("POST", "/admin/team", {
      email: EDITOR,
      role: "viewer",
    });
    expect(added).toMatchObject({ email: EDITOR, role: "viewer", invited: true });
    expect(await cognito.user(pool, EDITOR)).toMatchObject({
      status: "FORCE_CHANGE_PASSWORD",
      attributes: { email: EDITOR, email_verified: "true" },
    });
    expect(await cognito.groupsOf(pool, EDITOR)).toEqual(["viewer"]);
    // A new role moves the group.
    await twin.admin("PATCH", `/admin/team/${EDITOR}`, { role: "editor" });
    expect(await cognito.groupsOf(pool, EDITOR)).toEqual(["editor"]);
    // Removal deletes the sign-in.
    await twin.admin("POST", "/admin/team", { email: VIEWER, role: "viewer" });
    expect(await cognito.groupsOf(pool, VIEWER)).toEqual(["viewer"]);
    await twin.admin("DELETE", `/admin/team/${VIEWER}`);
    expect(await cognito.user(pool, VIEWER)).toBeNull();
  });

  it("the daily schedule composes the edition and holds it; the approvers get the console link", async () => {
    const ndjson = [story(day, 1), story(day, 2)].map((s) => JSON.stringify(s)).join("\n");
    await twin.admin("POST", "/admin/stories", ndjson, "application/x-ndjson");
    await twin.admin("POST", "/admin/subscribers/import", `email\n${READERS.join("\n")}\n`, "text/csv");

    const run = await twin.schedule("DailySchedule");
    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ status: "awaiting-approval", date: day });
    await twin.drainQueues();
    expect(READERS.flatMap(mailTo)).toEqual([]);
    const [request] = mailTo(DESK);
    expect(request?.tags.edition).toEqual(["approval"]);
    expect(request?.raw.toString()).toContain(`/console/#/editions/${day}`);
    // The team's editor, added before compose, is asked too, with the deployed console's link (the
    // stack's ConsoleUrl: the public URL, /console/); the removed viewer is not.
    const consoleUrl = twin.model.functions.compose?.environment.DIGEST_PUBLIC_BASE_URL;
    expect(consoleUrl).toMatch(/^https:\/\//);
    const [asked] = mailTo(EDITOR);
    expect(asked?.tags.edition).toEqual(["approval"]);
    const text = asked ? (await simpleParser(asked.raw)).text : "";
    expect(text).toContain(`Preview and approve it: ${consoleUrl}/console/#/editions/${day}`);
    expect(mailTo(VIEWER)).toEqual([]);
    expect(await twin.edition(day)).toMatchObject({ status: "awaiting-approval" });

    // The approval round finds nothing approved: nothing goes out.
    expect((await twin.schedule("ApprovalRounds")).result).toMatchObject({ status: "idle" });
    await twin.drainQueues();
    expect(READERS.flatMap(mailTo)).toEqual([]);
  });

  it("an editor previews the held edition and sends a test to themselves; readers get nothing", async () => {
    // The editor the owner added above, with a personal token.
    const made = await twin.admin<{ token: string }>(
      "POST",
      `/admin/team/${encodeURIComponent(EDITOR)}/tokens`,
      {},
    );
    const asEditor = { authorization: `Bearer ${made.token}` };
    const html = await twin.api({ method: "GET", path: `/admin/editions/${day}/preview`, headers: asEditor });
    expect(html.statusCode).toBe(200);
    expect(html.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(html.body).toContain("Story number 1 of the day");
    expect(html.body).not.toMatch(/[?&]t=|digest\.invalid/);
    const info = await twin.api({
      method: "GET",
      path: `/admin/editions/${day}/preview/info`,
      headers: asEditor,
    });
    expect(JSON.parse(info.body)).toMatchObject({
      variant: "all",
      variants: ["all"],
      bytes: Buffer.byteLength(html.body),
    });

    const test = await twin.api({
      method: "POST",
      path: `/admin/editions/${day}/test`,
      headers: { ...asEditor, "content-type": "application/json" },
      body: "{}",
    });
    expect({ status: test.statusCode, body: JSON.parse(test.body) }).toEqual({
      status: 200,
      body: { sent: [EDITOR], variant: "all" },
    });
    // Beside the approval request the editor got at compose.
    const [mail, ...more] = mailTo(EDITOR).filter((m) => m.subject.startsWith("[Test] "));
    expect(more).toEqual([]);
    expect(mail?.sentBy).toBe("api");
    expect(mail?.subject).toMatch(/^\[Test\] /);
    // Tagged apart from the edition: its SES events never count into the edition's figures.
    expect(mail?.tags.edition).toEqual(["test"]);
    expect(READERS.flatMap(mailTo)).toEqual([]);
    expect(await twin.edition(day)).toMatchObject({ status: "awaiting-approval" });
  });

  it("an editor corrects a story of the held edition (story-import function); the next approval round renders it again", async () => {
    const listed = await twin.admin<{ items: { id: string; headline: string }[] }>(
      "GET",
      `/admin/stories?date=${day}`,
    );
    const target = listed.items.find((s) => s.headline === "Story number 1 of the day");
    const from = twin.calls.length;
    const fixed = await twin.admin("PATCH", `/admin/stories/${target?.id}`, { headline: FIXED });
    // Answered by the story-import function, which has no renderer: the copy is stale until a round.
    expect(fixed).toMatchObject({ headline: FIXED, editionId: day, edition: { id: day, stale: true } });
    const editions = twin.model.tables.find((t) => t.logicalId.startsWith("EditionsTable"));
    const onEditions = twin.calls
      .slice(from)
      .filter((c) => c.decisions.some((d) => d.resource === editions?.arn));
    // One read (the edition's status and the story's place in it), then the one conditional write.
    expect(onEditions.map((c) => `${c.fn} ${c.operation}`)).toEqual([
      "storyImport GetItem",
      "storyImport UpdateItem",
    ]);
    // The grant is what allows them: the role without the editions table refuses both.
    const role = twin.model.functions.storyImport;
    if (!role || !editions) throw new Error("no storyImport function or editions table in the template");
    const withoutEditions = role.policies.map((p) => ({
      ...p,
      document: {
        ...p.document,
        Statement: p.document.Statement.map((st) => ({
          ...st,
          Resource: [st.Resource].flat().filter((r) => r !== editions.arn),
        })),
      },
    }));
    for (const action of ["dynamodb:GetItem", "dynamodb:UpdateItem"]) {
      const request = { action, resource: editions.arn };
      expect(await twin.iam.evaluate(role.roleArn, role.policies, request)).toBe(true);
      expect(await twin.iam.evaluate(role.roleArn, withoutEditions, request)).toBe(false);
    }
    const info = async () =>
      JSON.parse(
        (await twin.api({ method: "GET", path: `/admin/editions/${day}/preview/info`, signedBy: ADMIN }))
          .body,
      );
    const preview = async () =>
      (await twin.api({ method: "GET", path: `/admin/editions/${day}/preview`, signedBy: ADMIN })).body;
    expect(await info()).toMatchObject({ stale: true });
    expect(await preview()).not.toContain(FIXED);
    // Why: the story-import function does not carry the email template; compose does.
    const bundle = (key: string) => {
      const { dir } = twin.functions.get(key);
      return readdirSync(dir)
        .filter((f) => f.endsWith(".mjs"))
        .map((f) => readFileSync(join(dir, f), "utf8"))
        .join("");
    };
    const templateMark = "urn:schemas-microsoft-com:vml";
    expect(bundle("compose")).toContain(templateMark);
    expect(bundle("storyImport")).not.toContain(templateMark);

    const round = await twin.schedule("ApprovalRounds");
    expect(round.error).toBeUndefined();
    expect(round.result).toMatchObject({ status: "idle" });
    expect(await info()).toMatchObject({ stale: false });
    expect(await preview()).toContain(FIXED);
    await twin.drainQueues();
    expect(READERS.flatMap(mailTo)).toEqual([]);
  });

  it("an approval through the admin API sends it on the next approval round, once", async () => {
    // One more correction, approved before any round rendered it: the release renders it first.
    const listed = await twin.admin<{ items: { id: string; headline: string }[] }>(
      "GET",
      `/admin/stories?date=${day}`,
    );
    const target = listed.items.find((s) => s.headline === FIXED);
    const corrected = await twin.admin("PATCH", `/admin/stories/${target?.id}`, { excerpt: FIXED_EXCERPT });
    expect(corrected).toMatchObject({ excerpt: FIXED_EXCERPT, edition: { id: day, stale: true } });
    const approved = await twin.api({
      method: "POST",
      path: `/admin/editions/${day}/approve`,
      signedBy: ADMIN,
    });
    expect(approved.statusCode).toBe(202);
    expect(JSON.parse(approved.body)).toMatchObject({ id: day, status: "sending" });

    const round = await twin.schedule("ApprovalRounds");
    expect(round.error).toBeUndefined();
    expect(round.result).toMatchObject({ status: "queued", recipients: READERS.length });
    await twin.drainQueues();
    for (const email of READERS) expect(mailTo(email)).toHaveLength(1);
    // With the editor's correction, not the headline the edition was composed with.
    for (const mail of READERS.flatMap(mailTo)) {
      const { html, text } = await simpleParser(mail.raw);
      expect(`${html}${text}`).toContain(FIXED);
      expect(`${html}${text}`).toContain(FIXED_EXCERPT);
      expect(`${html}${text}`).not.toMatch(/Story number 1 of the day(?!, corrected)/);
    }
    expect(await twin.edition(day)).toMatchObject({ status: "sent" });

    expect((await twin.schedule("ApprovalRounds")).result).toMatchObject({ status: "idle" });
    // The overview's next send: the daily schedule's next run as the template sets it, today's
    // edition being done (the api function learns the hour from the stack, not from this test).
    const daily = twin.model.schedules.DailySchedule;
    const [, minute, hour] = /^cron\((\d+) (\d+) /.exec(daily?.expression ?? "") ?? [];
    expect(minute).toBe("0");
    const overview = await twin.api({ method: "GET", path: "/admin/overview", signedBy: ADMIN });
    expect(JSON.parse(overview.body).today.nextSendAt).toBe(
      nextDailyRun(new Date(), Number(hour), daily?.timeZone ?? "", day).toISOString(),
    );
    const again = await twin.api({ method: "POST", path: `/admin/editions/${day}/approve`, signedBy: ADMIN });
    expect(again.statusCode).toBe(409);
    expect(JSON.parse(again.body).error).toContain("only an edition awaiting approval can be approved");
  });
});
