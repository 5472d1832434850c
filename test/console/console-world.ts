import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import { composedEdition } from "../helpers/edition-setup.js";
import { story, type TestStack, writeStories } from "../helpers/services.js";

/**
 * The world the console journeys run in, made through the same CLI and core a newsroom uses (no
 * table written by hand). The stack runs with approval required (DIGEST_APPROVAL=required), so:
 * - `previewDay` (far ahead) has an edition composed and awaiting approval, with its readers and 60
 *   more to page through;
 * - the three days before today were sent (with approval off for those runs), then SES events for
 *   them applied with `digest ses-events` (the AWS documentation's examples, addressed to our readers:
 *   deliveries, a hard bounce, a complaint, opens, clicks), so the overview's history, charts and
 *   table are real figures;
 * - today's edition is composed and awaits approval: the overview shows it and its alert, and the
 *   approval journey approves it and sees it sent.
 * The overview reads the real clock (UTC days), so "today" is the machine's day.
 */
export interface ConsoleWorld {
  today: string;
  sentDays: string[];
}

/** The UTC day `n` days before `day`. */
const daysBefore = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

export const READERS = [
  "ana@example.com",
  "ben@example.com",
  ...Array.from({ length: 60 }, (_, i) => `reader-${String(i).padStart(3, "0")}@example.com`),
];

export async function makeConsoleWorld(stack: TestStack, previewDay: string): Promise<ConsoleWorld> {
  const { rt } = await composedEdition(stack, previewDay, READERS);
  await rt.close();
  const today = new Date().toISOString().slice(0, 10);
  const sentDays = [3, 2, 1].map((n) => daysBefore(today, n));
  const stories = [...sentDays, today].flatMap((day) => [story(day, 4), story(day, 5)]);
  const file = await writeStories(stack, "console-days.ndjson", stories);
  expect((await stack.digest(["stories", "import", file])).code).toBe(0);
  for (const day of sentDays) {
    const sent = await stack.digest(["send", "--date", day], { DIGEST_APPROVAL: "none" });
    expect(sent.code, sent.err).toBe(0);
  }
  await applySesEvents(stack, sentDays);
  const waiting = await stack.digest(["send", "--date", today]);
  expect(waiting.code, waiting.err).toBe(0);
  return { today, sentDays };
}

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "ses");

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited field by field
type Json = any;

/** An SES event record from a fixture, for `edition` and addressed to `to`. */
function addressed(event: Json, edition: string, to: string[]): Json {
  const record = structuredClone(event);
  record.mail.destination = to;
  record.mail.tags.edition = [edition];
  if (record.delivery) record.delivery.recipients = to;
  if (record.bounce)
    record.bounce.bouncedRecipients = to.map((emailAddress) => ({ emailAddress, status: "5.1.1" }));
  if (record.complaint) record.complaint.complainedRecipients = to.map((emailAddress) => ({ emailAddress }));
  return record;
}

/**
 * After the sends (a bounce or complaint suppresses its reader for the days after): on each day all
 * but two readers delivered, one hard bounce, more opens and clicks day by day; one complaint.
 */
async function applySesEvents(stack: TestStack, days: string[]): Promise<void> {
  const [delivery, bounce, complaint, open, click] = await Promise.all(
    [
      "event-delivery.json",
      "event-bounce.json",
      "event-complaint.json",
      "event-open.json",
      "event-click.json",
    ].map(async (name) => JSON.parse(await readFile(join(FIXTURES, name), "utf8")) as Json),
  );
  const events = days.flatMap((day, i) => [
    addressed(delivery, day, READERS.slice(0, 60)),
    addressed(bounce, day, [READERS[61] as string]),
    ...READERS.slice(0, 20 + 8 * i).map((to) => addressed(open, day, [to])),
    ...READERS.slice(0, 4 + 3 * i).map((to) => addressed(click, day, [to])),
  ]);
  events.push(addressed(complaint, days[0] as string, [READERS[60] as string]));
  const path = join(stack.dir, "console-ses-events.json");
  await writeFile(path, JSON.stringify(events));
  const applied = await stack.digest(["ses-events", path]);
  expect(applied.code, applied.err).toBe(0);
}
