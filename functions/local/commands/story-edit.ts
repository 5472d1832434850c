import { DynamoStoryStore } from "../../adapters/dynamo/story-store.js";
import type { Story } from "../../core/kernel/types.js";
import { removeStory, setStoryHeld } from "../../core/stories/story-admin.js";
import { type Io, parseFlags, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";

/**
 * Editorial control from the command line: `digest stories remove|hold|release <id>...`, the same core
 * functions as `DELETE` and `PATCH /admin/stories/{id}`. Each id is handled on its own; the exit code
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
