import { CommandError, type Io, processIo, UsageError } from "./cli-support.js";
import type { Runtime } from "./runtime.js";

/*
 * The `digest` command's dispatcher. Only this file and cli-support.ts are loaded before a command
 * is chosen: each command's module (and the runtime with the AWS SDK, dynalite and MJML behind it)
 * is imported when that command runs, so `digest --help` and usage errors answer at once.
 */

export const USAGE = `usage: digest [--aws] <command> [options]

  init                                   create the tables (idempotent)
  stories import <file|dir>...           .json, .ndjson, .txt raw pages, .html articles,
                                         .xml/.rss/.atom feeds, JSON Feed (.json)
          [--url U] [--published-at ISO] [--section S] [--source S]
                                         --url and --published-at name one story: one file of one
                                         record (the others carry their own in the file)
  stories list [--date YYYY-MM-DD] [--json]   held stories are marked [held]
  stories remove <id>...                 delete stories that went out in no edition (re-imports skip them)
  stories hold <id>... · release <id>... keep stories out of editions until released
  stories lead <id> [--off]              pick the story its day's edition opens with (--off: unpick)
  stories rank <id> <n|none>             its place in its section (1 first; none: newest first)
  stories correct <id> [--headline T] [--excerpt T] [--restore headline|excerpt|both]
                                         correct a story's text (also while its edition awaits approval)
  feeds add <url> [--section S]          subscribe to an RSS, Atom or JSON Feed (again: sets the section)
  feeds list [--json]                    feeds, their section and last poll (status, error, time)
  feeds remove <url>
  feeds poll [url...] [--timeout S] [--json]
                                         fetch (conditional GET) and import every feed's new items
  subscribers add <email> [--name N] [--sections a,b] [--timezone Area/City] [--locale L] [--hour H]
                   [--pending] [--source S]
  subscribers import <file.csv> [--pending] [--source S]
                                         header: email[,name,sections,timezone,locale,status]
                                         a status is kept (never raised): pending, paused, unsubscribed,
                                         suppressed rows stay so; without one, rows become active (pending)
  subscribers list [--status S] [--section S] [--json]
  subscribers show <email> [--json]           the record, consent evidence and suppression
  subscribers update <email> [--name N] [--sections a,b] [--timezone Z] [--locale L] [--hour H]
                      [--pause|--resume]      an empty value clears (--locale "": the digest's language)
  subscribers remove <email>                  unsubscribes (the record stays)
  subscribers erase <email>                   GDPR erasure: record, ledger details and outbox copies go;
                                              only a keyed-hash suppression entry stays
  subscribers export [--json] [--status S] [--section S]
  send [--date YYYY-MM-DD] [--dry-run [--json]] [--resume-halted] [--no-wait]
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
  editions approve <id>                  approve an edition awaiting approval (config approval) and send it
  editions hold <id>                     keep an edition awaiting approval from going out at its deadline
  editions recount <id> [--json]         rebuild an edition's recipient counters from its ledger (one
                                         sent before they were kept; show says countedFrom=entries)
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
  team add <email> --role owner|editor|viewer   add a member of the admin team (again: change the role)
  team list [--json]                     members, roles, who added them
  team remove <email>                    the member and their tokens go (the last owner stays)
  team token <email> [--label L]         print a new personal API token for them (stored hashed)

State: DIGEST_HOME (default ./.digest); outbox: DIGEST_OUTBOX (default ./out); settings:
digest.config.json (or DIGEST_CONFIG), then DIGEST_* variables.
Embedded DynamoDB and SES unless AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SESV2 are set;
--aws: the deployed stack on AWS, its tables, settings and signing key from cdk-outputs.json.
Every command that writes is recorded in the audit log as cli:<OS user>.`;

type Handler = (rt: Runtime, io: Io, args: string[], env: NodeJS.ProcessEnv) => Promise<number>;
/** Imports a command's module and returns its handler. */
type Loader = () => Promise<Handler>;

/** The handler `name` of the module `load` imports, loaded when the command runs. */
const lazy =
  <K extends string, M extends Record<K, Handler>>(load: () => Promise<M>, name: K): Loader =>
  async () =>
    (await load())[name];

const stories = () => import("./commands/stories.js");
const storyEdit = () => import("./commands/story-edit.js");
const subscribers = () => import("./commands/subscribers.js");
const suppressions = () => import("./commands/suppressions.js");
const editions = () => import("./commands/editions.js");
const feeds = () => import("./commands/feeds.js");
const team = () => import("./commands/team.js");

const COMMANDS: Record<string, Loader | Record<string, Loader>> = {
  init: async () => {
    const { initCommand } = await import("./commands/init.js");
    return (rt, io, args) => {
      if (args.length > 0) throw new UsageError(`unexpected argument ${args[0]}`);
      return initCommand(rt, io);
    };
  },
  stories: {
    import: lazy(stories, "importStoriesCommand"),
    list: lazy(stories, "listStoriesCommand"),
    remove: lazy(storyEdit, "removeStoriesCommand"),
    hold: lazy(storyEdit, "holdStoriesCommand"),
    release: lazy(storyEdit, "releaseStoriesCommand"),
    lead: lazy(storyEdit, "leadStoryCommand"),
    rank: lazy(storyEdit, "rankStoryCommand"),
    correct: lazy(storyEdit, "correctStoryCommand"),
  },
  subscribers: {
    add: lazy(subscribers, "addSubscriberCommand"),
    import: lazy(subscribers, "importSubscribersCommand"),
    list: lazy(subscribers, "listSubscribersCommand"),
    remove: lazy(subscribers, "removeSubscriberCommand"),
    export: lazy(subscribers, "exportSubscribersCommand"),
    show: lazy(subscribers, "showSubscriberCommand"),
    update: lazy(subscribers, "updateSubscriberCommand"),
    erase: lazy(subscribers, "eraseSubscriberCommand"),
  },
  send: lazy(() => import("./commands/send.js"), "sendCommand"),
  serve: lazy(() => import("./commands/serve.js"), "serveCommand"),
  preview: lazy(() => import("./commands/preview.js"), "previewCommand"),
  suppressions: {
    list: lazy(suppressions, "listSuppressionsCommand"),
    add: lazy(suppressions, "addSuppressionCommand"),
    remove: lazy(suppressions, "removeSuppressionCommand"),
    export: lazy(suppressions, "exportSuppressionsCommand"),
    import: lazy(suppressions, "importSuppressionsCommand"),
  },
  "ses-events": lazy(suppressions, "sesEventsCommand"),
  dispatch: lazy(() => import("./commands/dispatch.js"), "dispatchCommand"),
  compose: lazy(() => import("./commands/compose.js"), "composeCommand"),
  editions: {
    show: lazy(editions, "showEditionCommand"),
    list: lazy(editions, "listEditionsCommand"),
    "resend-failed": lazy(editions, "resendFailedCommand"),
    recount: lazy(editions, "recountEditionCommand"),
    cancel: lazy(() => import("./commands/edition-cancel.js"), "cancelEditionCommand"),
    approve: lazy(() => import("./commands/edition-approval.js"), "approveEditionCommand"),
    hold: lazy(() => import("./commands/edition-approval.js"), "holdEditionCommand"),
  },
  feeds: {
    add: lazy(feeds, "addFeedCommand"),
    list: lazy(feeds, "listFeedsCommand"),
    remove: lazy(feeds, "removeFeedCommand"),
    poll: lazy(feeds, "pollFeedsCommand"),
  },
  team: {
    add: lazy(team, "addMemberCommand"),
    list: lazy(team, "listMembersCommand"),
    remove: lazy(team, "removeMemberCommand"),
    token: lazy(team, "memberTokenCommand"),
  },
};

/** The command's loader and its arguments; a UsageError for an unknown command or subcommand. */
function resolveCommand(args: string[]): { load: Loader; rest: string[] } {
  const [name, sub, ...rest] = args;
  const entry = name && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) throw new UsageError(name ? `unknown command "${name}"` : "no command given");
  if (typeof entry === "function") return { load: entry, rest: args.slice(1) };
  const load = sub && Object.hasOwn(entry, sub) ? entry[sub] : undefined;
  if (!load) {
    throw new UsageError(
      `${name} needs one of: ${Object.keys(entry).join(", ")}${sub ? ` (got "${sub}")` : ""}`,
    );
  }
  return { load, rest };
}

/**
 * Runs one `digest` invocation; returns the exit code (0 ok, 1 failure, 2 usage). `untilExit`: the
 * process exits once this returns (bin/digest.js), see RuntimeOptions.
 */
export async function main(
  argv: string[],
  io: Io = processIo,
  env: NodeJS.ProcessEnv = process.env,
  opts: { untilExit?: boolean } = {},
): Promise<number> {
  const aws = argv.includes("--aws");
  const args = argv.filter((a) => a !== "--aws");
  if (args.length === 0 || args[0] === "help" || args.includes("--help") || args.includes("-h")) {
    (args.length === 0 ? io.err : io.out)(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  let rt: Runtime | null = null;
  try {
    const { load, rest } = resolveCommand(args);
    if (aws && args[0] === "init") {
      throw new CommandError(
        "--aws init: the deployed stack's tables belong to CloudFormation (npm run deploy creates and " +
          "updates them); nothing to create",
      );
    }
    const [handler, { openRuntime }] = await Promise.all([load(), import("./runtime.js")]);
    rt = await openRuntime({ env, aws, untilExit: opts.untilExit });
    for (const notice of rt.notices) io.err(`digest: ${notice}`);
    const code = await handler(rt, io, rest, env);
    // Every write that went through is recorded in the audit log, here for every command.
    if (code === 0) await (await import("./cli-audit.js")).recordCliWrite(rt, args, env, io.err);
    return code;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`digest: ${err.message}\n(run "digest help" for usage)`);
      return 2;
    }
    // ConfigError (core/kernel/config.ts) is known by its name: importing the class would load zod
    // before every command.
    const e = err as Error;
    if (err instanceof CommandError || e.name === "ConfigError") {
      io.err(`digest: ${e.message}`);
      return 1;
    }
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
