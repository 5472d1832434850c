import { DynamoStoryStore } from "../../adapters/dynamo/story-store.js";
import { rerenderIfStale } from "../../core/edition/edition-rerender.js";
import type { Story } from "../../core/kernel/types.js";
import {
  type HoldResult,
  MAX_RANK,
  removeStory,
  setStoryHeld,
  setStoryPick,
} from "../../core/stories/story-admin.js";
import { correctStory } from "../../core/stories/story-correction.js";
import { cliActor } from "../cli-audit.js";
import { type Io, parseFlags, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";

/**
 * Editorial control from the command line: `digest stories remove|hold|release <id>...`, `lead <id>`,
 * `rank <id> <n>` and `correct <id>`, the same core functions as `DELETE` and `PATCH /admin/stories/{id}`. Each id is handled on its own; the exit code
 * is 1 when any of them could not be (unknown, or already in an edition), after the rest were done.
 */

function storyIds(args: string[], verb: string): string[] {
  const { positionals } = parseFlags(args, {});
  if (positionals.length === 0) throw new UsageError(`stories ${verb} takes one or more story ids`);
  return positionals;
}

const named = (s: Story) => `${s.id} "${s.headline}"`;

const unknown = (id: string) =>
  `digest: no story ${id} (ids are listed by digest stories list --date YYYY-MM-DD)`;

/**
 * `digest stories remove <id>...`: deletes stories that have gone out in no edition. A story that
 * went out (or is going out) is kept, because the emails and the archive link to it: exit 1, with a
 * message. A removed story stays removed: importing it again, or a feed that still carries it, skips it.
 */
export async function removeStoriesCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const store = new DynamoStoryStore(rt.db, rt.tables.stories);
  let failed = 0;
  for (const id of storyIds(args, "remove")) {
    const result = await removeStory(store, id);
    if (result.outcome === "removed") {
      io.out(`removed ${named(result.story)}`);
    } else if (result.outcome === "in-edition") {
      io.err(
        `digest: story ${named(result.story)} went out in edition ${result.editionId}: kept, since ` +
          "the emails that carried it link to it",
      );
      failed++;
    } else {
      io.err(unknown(id));
      failed++;
    }
  }
  return failed > 0 ? 1 : 0;
}

async function setHeld(rt: Runtime, io: Io, args: string[], held: boolean): Promise<number> {
  const store = new DynamoStoryStore(rt.db, rt.tables.stories);
  let failed = 0;
  for (const id of storyIds(args, held ? "hold" : "release")) {
    const result = await setStoryHeld(store, id, held);
    switch (result.outcome) {
      case "changed":
        io.out(
          held
            ? `held ${named(result.story)}: left out of editions until digest stories release ${id}`
            : `released ${named(result.story)}: the next edition of its day may carry it`,
        );
        break;
      case "unchanged":
        io.out(`${named(result.story)} was ${held ? "already held" : "not held"}`);
        break;
      case "in-edition":
        io.err(
          `digest: story ${named(result.story)} is already in edition ${result.editionId}: ` +
            `holding it now changes nothing (digest editions cancel ${result.editionId} stops that edition)`,
        );
        failed++;
        break;
      default:
        io.err(unknown(id));
        failed++;
    }
  }
  return failed > 0 ? 1 : 0;
}

/** `digest stories hold <id>...`: keeps stories stored but out of editions until released. */
export const holdStoriesCommand = (rt: Runtime, io: Io, args: string[]) => setHeld(rt, io, args, true);

/** `digest stories release <id>...`: lets held stories go out in their day's edition again. */
export const releaseStoriesCommand = (rt: Runtime, io: Io, args: string[]) => setHeld(rt, io, args, false);

/** Prints what a pick did; returns 1 when it could not be done. */
function reportPick(
  io: Io,
  id: string,
  result: HoldResult,
  done: (s: Story) => string,
  same: string,
): number {
  switch (result.outcome) {
    case "changed":
      io.out(done(result.story));
      return 0;
    case "unchanged":
      io.out(`${named(result.story)} ${same}`);
      return 0;
    case "in-edition":
      io.err(
        `digest: story ${named(result.story)} is already in edition ${result.editionId}: ` +
          "changing it now changes nothing",
      );
      return 1;
    default:
      io.err(unknown(id));
      return 1;
  }
}

/**
 * `digest stories lead <id> [--off]`: picks the story as its day's lead (the edition opens with it;
 * of several picks of a day, the latest), or with --off unpicks it.
 */
export async function leadStoryCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { positionals, values } = parseFlags(args, { off: { type: "boolean" } });
  if (positionals.length !== 1)
    throw new UsageError("stories lead takes one story id (and --off to unpick it)");
  const id = positionals[0] as string;
  const lead = values.off !== true;
  const store = new DynamoStoryStore(rt.db, rt.tables.stories);
  const result = await setStoryPick(store, id, { lead }, new Date());
  return reportPick(
    io,
    id,
    result,
    (s) =>
      lead ? `picked ${named(s)} as the lead of its day's edition` : `unpicked ${named(s)}: not the lead`,
    lead ? "is the lead already" : "was not picked",
  );
}

/**
 * `digest stories rank <id> <n|none>`: the story's place in its section (1 first; stories without one
 * follow, newest first); `none` clears it.
 */
export async function rankStoryCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { positionals } = parseFlags(args, {});
  const [id, raw] = positionals;
  if (positionals.length !== 2 || id === undefined || raw === undefined) {
    throw new UsageError("stories rank takes a story id and a place from 1 to 999 (or none)");
  }
  const rank = raw === "none" ? null : Number(raw);
  if (rank !== null && (!/^\d+$/.test(raw) || rank < 1 || rank > MAX_RANK)) {
    throw new UsageError(
      `stories rank: the place must be a whole number from 1 to ${MAX_RANK}, or none; got "${raw}"`,
    );
  }
  const store = new DynamoStoryStore(rt.db, rt.tables.stories);
  const result = await setStoryPick(store, id, { rank }, new Date());
  return reportPick(
    io,
    id,
    result,
    (s) =>
      rank === null
        ? `${named(s)}: no place of its own in its section`
        : `${named(s)}: place ${rank} in ${s.section}`,
    "already had that place",
  );
}

const RESTORABLE = ["headline", "excerpt", "both"] as const;

/**
 * `digest stories correct <id> [--headline TEXT] [--excerpt TEXT] [--restore headline|excerpt|both]`:
 * an editor's correction of a story's text, as `PATCH /admin/stories/{id}` makes it (read and capped
 * as imported text; `--restore` takes a correction back). A story of an edition awaiting approval is
 * corrected in that edition too, whose email this process renders again at once; one of an edition
 * past approval is refused (exit 1): what went out stays as it went.
 */
export async function correctStoryCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { positionals, values } = parseFlags(args, {
    headline: { type: "string" },
    excerpt: { type: "string" },
    restore: { type: "string" },
  });
  const [id] = positionals;
  if (positionals.length !== 1 || id === undefined)
    throw new UsageError("stories correct takes one story id, and --headline, --excerpt or --restore");
  const restore = values.restore;
  if (restore !== undefined && !(RESTORABLE as readonly string[]).includes(restore))
    throw new UsageError(`--restore takes ${RESTORABLE.join(", ")}; got "${restore}"`);
  const back = (field: "headline" | "excerpt") => restore === field || restore === "both";
  const change = {
    ...(values.headline !== undefined
      ? { headline: values.headline }
      : back("headline")
        ? { headline: null }
        : {}),
    ...(values.excerpt !== undefined
      ? { excerpt: values.excerpt }
      : back("excerpt")
        ? { excerpt: null }
        : {}),
  };
  if (Object.keys(change).length === 0)
    throw new UsageError("stories correct needs --headline, --excerpt or --restore");
  const deps = await rt.deps();
  const result = await correctStory(deps, id, change, new Date(), cliActor());
  switch (result.outcome) {
    case "invalid":
      io.err(`digest: ${result.error}`);
      return 1;
    case "not-found":
      io.err(unknown(id));
      return 1;
    case "in-edition":
      io.err(
        `digest: story ${named(result.story)} is in edition ${result.editionId}` +
          (result.status ? `, which is ${result.status}` : "") +
          ": only a story of an edition awaiting approval can be corrected",
      );
      return 1;
    default: {
      for (const notice of result.notices) io.err(`${id}: ${notice}`);
      if (result.outcome === "unchanged") {
        io.out(`${named(result.story)}: unchanged`);
        return 0;
      }
      io.out(`corrected ${named(result.story)}`);
      if (result.edition) {
        const rendered = await rerenderIfStale(deps, result.edition.id);
        io.out(
          rendered?.staleSince === undefined
            ? `edition ${result.edition.id} rendered again: its preview and email show the correction`
            : `edition ${result.edition.id} is still being rendered: it is rendered before it is sent`,
        );
      }
      return 0;
    }
  }
}
