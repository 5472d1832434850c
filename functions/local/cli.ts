import { ConfigError } from "../core/kernel/config.js";
import { CommandError, type Io, processIo, UsageError } from "./cli-support.js";
import { composeCommand } from "./commands/compose.js";
import { dispatchCommand } from "./commands/dispatch.js";
import { cancelEditionCommand } from "./commands/edition-cancel.js";
import { listEditionsCommand, resendFailedCommand, showEditionCommand } from "./commands/editions.js";
import { addFeedCommand, listFeedsCommand, pollFeedsCommand, removeFeedCommand } from "./commands/feeds.js";
import { initCommand } from "./commands/init.js";
import { previewCommand } from "./commands/preview.js";
import { sendCommand } from "./commands/send.js";
import { serveCommand } from "./commands/serve.js";
import { importStoriesCommand, listStoriesCommand } from "./commands/stories.js";
import { holdStoriesCommand, releaseStoriesCommand, removeStoriesCommand } from "./commands/story-edit.js";
import {
  addSubscriberCommand,
  eraseSubscriberCommand,
  exportSubscribersCommand,
  importSubscribersCommand,
  listSubscribersCommand,
  removeSubscriberCommand,
  showSubscriberCommand,
  updateSubscriberCommand,
} from "./commands/subscribers.js";
import {
  addSuppressionCommand,
  exportSuppressionsCommand,
  importSuppressionsCommand,
  listSuppressionsCommand,
  removeSuppressionCommand,
  sesEventsCommand,
} from "./commands/suppressions.js";
import { openRuntime, type Runtime } from "./runtime.js";

export const USAGE = `usage: digest [--aws] <command> [options]

  init                                   create the tables (idempotent)
  stories import <file|dir>...           .json, .ndjson, .txt raw pages, .html articles,
                                         .xml/.rss/.atom feeds, JSON Feed (.json)
          [--url U] [--published-at ISO] [--section S] [--source S]
  stories list [--date YYYY-MM-DD] [--json]   held stories are marked [held]
  stories remove <id>...                 delete stories that went out in no edition (re-imports skip them)
  stories hold <id>... · release <id>... keep stories out of editions until released
  feeds add <url> [--section S]          subscribe to an RSS, Atom or JSON Feed (again: sets the section)
  feeds list [--json]                    feeds, their section and last poll (status, error, time)
  feeds remove <url>
  feeds poll [url...] [--timeout S] [--json]
                                         fetch (conditional GET) and import every feed's new items
  subscribers add <email> [--name N] [--sections a,b] [--timezone Area/City] [--pending] [--source S]
  subscribers import <file.csv> [--pending] [--source S]   header: email[,name,sections,timezone,status]
                                         a status is kept (never raised): pending, paused, unsubscribed,
                                         suppressed rows stay so; without one, rows become active (pending)
  subscribers list [--status S] [--section S] [--json]
  subscribers show <email> [--json]           the record, consent evidence and suppression
  subscribers update <email> [--name N] [--sections a,b] [--timezone Z] [--hour H] [--pause|--resume]
  subscribers remove <email>                  unsubscribes (the record stays)
  subscribers erase <email>                   GDPR erasure: record, ledger details and outbox copies go;
                                              only a keyed-hash suppression entry stays
  subscribers export [--json] [--status S] [--section S]
  send [--date YYYY-MM-DD] [--dry-run [--json]] [--resume-halted]
                                         build the day's edition and send it (reruns resume; an edition
                                         the bounce/complaint safety pause halted needs --resume-halted);
                                         --dry-run: what each section set would get, nothing sent or stored
  editions list [--days N] [--to YYYY-MM-DD] [--json]   with sent, delivered, bounce/complaint rate, verdict
  editions show <id> [--json]            status, stories, recipients (queued, sent, failed…), SES events:
                                         delivered, bounced, complained, opened, clicked, rates and verdict
                                         against SES's thresholds (bounce 5%, complaint 0.1%)
  editions resend-failed <id> [--include-rejected] [--json]
                                         retry the recipients whose send failed (rejected ones only
                                         with --include-rejected); nobody already sent is touched
  editions cancel <id> [--json]          stop an edition in progress: nobody not yet reached gets it
  compose [--date YYYY-MM-DD]            build and freeze the day's edition without sending it
  dispatch [--at ISO]                    local morning delivery: send the current edition to those whose
                                         delivery hour (in their zone) is now; deployed, hourly
  serve [--port P]                       the HTTP API on 127.0.0.1 (default port 8787; 0 picks one)
  preview [--date YYYY-MM-DD] [--port P] [--templates DIR]
                                         the day's edition as subscribers see it (desktop, mobile, dark,
                                         text, size, left-out stories, send a test) on 127.0.0.1 (default
                                         port 8788); reloads when the template in DIR changes
  suppressions list [--json]             the suppression list (erased addresses as hmac-sha256:…)
  suppressions export | import <file.csv>
                                         the list as CSV (reasons, erased hashes) and back, for a move
  suppressions add <email> [--reason manual|bounce|complaint|transient-bounces] [--detail TEXT]
  suppressions remove <email>            lifts it; the subscriber gets back the status it had
  ses-events <file.json>... [--json]     apply saved SES notifications (SNS, SQS, EventBridge or bare)

State: DIGEST_HOME (default ./.digest); outbox: DIGEST_OUTBOX (default ./out); settings:
digest.config.json (or DIGEST_CONFIG), then DIGEST_* variables.
Embedded DynamoDB and SES unless AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SESV2 are set;
--aws: the deployed stack on AWS, its tables, settings and signing key from cdk-outputs.json.`;

type Handler = (rt: Runtime, io: Io, args: string[], env: NodeJS.ProcessEnv) => Promise<number>;

const COMMANDS: Record<string, Handler | Record<string, Handler>> = {
  init: (rt, io, args) => {
    if (args.length > 0) throw new UsageError(`unexpected argument ${args[0]}`);
    return initCommand(rt, io);
  },
  stories: {
    import: importStoriesCommand,
    list: listStoriesCommand,
    remove: removeStoriesCommand,
    hold: holdStoriesCommand,
    release: releaseStoriesCommand,
  },
  subscribers: {
    add: addSubscriberCommand,
    import: importSubscribersCommand,
    list: listSubscribersCommand,
    remove: removeSubscriberCommand,
    export: exportSubscribersCommand,
    show: showSubscriberCommand,
    update: updateSubscriberCommand,
    erase: eraseSubscriberCommand,
  },
  send: sendCommand,
  serve: serveCommand,
  preview: previewCommand,
  suppressions: {
    list: listSuppressionsCommand,
    add: addSuppressionCommand,
    remove: removeSuppressionCommand,
    export: exportSuppressionsCommand,
    import: importSuppressionsCommand,
  },
  "ses-events": sesEventsCommand,
  dispatch: dispatchCommand,
  compose: composeCommand,
  editions: {
    show: showEditionCommand,
    list: listEditionsCommand,
    "resend-failed": resendFailedCommand,
    cancel: cancelEditionCommand,
  },
  feeds: { add: addFeedCommand, list: listFeedsCommand, remove: removeFeedCommand, poll: pollFeedsCommand },
};

function resolveCommand(args: string[]): { handler: Handler; rest: string[] } {
  const [name, sub, ...rest] = args;
  const entry = name ? COMMANDS[name] : undefined;
  if (!entry) throw new UsageError(name ? `unknown command "${name}"` : "no command given");
  if (typeof entry === "function") return { handler: entry, rest: args.slice(1) };
  const handler = sub ? entry[sub] : undefined;
  if (!handler) {
    throw new UsageError(
      `${name} needs one of: ${Object.keys(entry).join(", ")}${sub ? ` (got "${sub}")` : ""}`,
    );
  }
  return { handler, rest };
}

/** Runs one `digest` invocation; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function main(
  argv: string[],
  io: Io = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const aws = argv.includes("--aws");
  const args = argv.filter((a) => a !== "--aws");
  if (args.length === 0 || args[0] === "help" || args.includes("--help") || args.includes("-h")) {
    (args.length === 0 ? io.err : io.out)(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  let rt: Runtime | null = null;
  try {
    const { handler, rest } = resolveCommand(args);
    if (aws && args[0] === "init") {
      throw new CommandError(
        "--aws init: the deployed stack's tables belong to CloudFormation (npm run deploy creates and " +
          "updates them); nothing to create",
      );
    }
    rt = await openRuntime({ env, aws });
    for (const notice of rt.notices) io.err(`digest: ${notice}`);
    return await handler(rt, io, rest, env);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`digest: ${err.message}\n(run "digest help" for usage)`);
      return 2;
    }
    if (err instanceof CommandError || err instanceof ConfigError) {
      io.err(`digest: ${err.message}`);
      return 1;
    }
    const e = err as Error;
    if (e.name === "ResourceNotFoundException") {
      io.err(`digest: ${e.message} (run "digest init" first)`);
      return 1;
    }
    io.err(`digest: ${e.stack ?? e.message}`);
    return 1;
  } finally {
    await rt?.close();
  }
}
