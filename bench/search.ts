/**
 * Stage 9 (named only: `npm run bench -- --only search`): the admin's subscriber search over 100,000
 * subscribers on dynalite (issue 17: "the time to search 100,000 subscribers locally"). Seeds the
 * subscribers with BatchWriteItem through the store (every index key written, as the import writes
 * them; its time reported on its own), then times one page (the console's 50) of: a one-letter
 * address prefix, a three-letter one, a whole address, a name prefix, the console's q= (addresses
 * then names), and, for comparison, the way search worked before the indexes: the pages of a Scan
 * filtered by prefix (2,000 records a request), both one request and every request until the whole
 * table was read (what finding all matches took). Through listSubscribers, the function
 * GET /admin/subscribers calls. dynalite runs in this process.
 */
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { documentClientOver } from "../functions/adapters/dynamo/client.js";
import { createTables } from "../functions/adapters/dynamo/create-tables.js";
import { DynamoSubscriberStore } from "../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../functions/adapters/dynamo/suppression-store.js";
import { tableNamesFromEnv } from "../functions/adapters/schema.js";
import type { Page } from "../functions/core/kernel/ports.js";
import { listSubscribers, type SubscriberFilter } from "../functions/core/subscribers/subscriber-list.js";
import type { Subscriber } from "../functions/core/subscribers/subscribers.js";
import { median, percentile, round } from "./stats.js";

const FIRST = [
  "Ana",
  "Ben",
  "Chloé",
  "David",
  "Élodie",
  "Farid",
  "Grace",
  "Hugo",
  "Inès",
  "James",
  "Kenji",
  "Léa",
]
  .concat(["Maria", "Mark", "Marta", "Nadia", "Olivier", "Paul", "Quentin", "Rosa", "Sam", "Sofia", "Tom"])
  .concat(["Ursula", "Victor", "Wen", "Xavier", "Yusuf", "Zoë", "John", "Mohammed", "Sarah", "Michael"]);
const LAST = [
  "Smith",
  "García",
  "Müller",
  "Nguyen",
  "O'Brien",
  "Rossi",
  "Kowalski",
  "Dubois",
  "Øster",
].concat(["Ångström", "Silva", "Khan", "Tanaka", "Jones", "Brown", "Martin", "Petrov", "Novak", "Ali"]);

export interface SearchCase {
  label: string;
  medianMs: number;
  p95Ms: number;
  /** Subscribers on the page. */
  found: number;
  /** More pages follow. */
  more: boolean;
}

export interface SearchResult {
  subscribers: number;
  seedSeconds: number;
  seedRowsPerSec: number;
  runs: number;
  cases: SearchCase[];
  /** The old way: one request (a 2,000-record Scan page filtered), and the whole table. */
  scanOneRequestMs: number;
  scanOneRequestFound: number;
  scanWholeTableMs: number;
  scanWholeTableRequests: number;
}

/** A reader: "<first>.<last><n>@<domain>" lower-cased, the name as written (accents kept). */
function reader(i: number, at: string): Subscriber {
  const first = FIRST[(i * 7) % FIRST.length] as string;
  const last = LAST[(i * 13) % LAST.length] as string;
  const local = `${first}.${last}`
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^A-Za-z.]/g, "")
    .toLowerCase();
  return {
    id: `bench-${i}`,
    email: `${local}${i}@example.${i % 3 === 0 ? "org" : "com"}`,
    name: i % 10 === 9 ? null : `${first} ${last}`,
    status: i % 20 === 0 ? "unsubscribed" : i % 33 === 0 ? "paused" : "active",
    sections: [],
    timezone: null,
    createdAt: at,
    confirmedAt: at,
    updatedAt: at,
    consent: { method: "import", at, source: "bench" },
  };
}

export async function benchSearch(opts: {
  subscribers: number;
  runs: number;
  pageSize: number;
}): Promise<SearchResult> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  });
  const tables = tableNamesFromEnv({});
  await createTables(client, tables);
  const db = documentClientOver(client);
  try {
    const store = new DynamoSubscriberStore(db, tables.subscribers);
    const deps = {
      subscribers: store,
      suppressions: new DynamoSuppressionStore(db, tables.suppressions, async () => Buffer.alloc(32, 7)),
      config: { sections: [] },
      clock: () => new Date(),
    };
    const at = new Date().toISOString();
    const seedStart = performance.now();
    for (let i = 0; i < opts.subscribers; i += 1000) {
      const chunk: Subscriber[] = [];
      for (let j = i; j < Math.min(i + 1000, opts.subscribers); j++) chunk.push(reader(j, at));
      await store.putMany(chunk);
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const someone = reader(Math.floor(opts.subscribers / 2), at).email;

    const time = async (label: string, filter: SubscriberFilter): Promise<SearchCase> => {
      const times: number[] = [];
      let page: Page<Subscriber> = { items: [], nextCursor: null };
      for (let r = 0; r < opts.runs; r++) {
        const t = performance.now();
        page = await listSubscribers(deps, filter, null, opts.pageSize);
        times.push(performance.now() - t);
      }
      return {
        label,
        medianMs: round(median(times), 1),
        p95Ms: round(percentile(times, 95), 1),
        found: page.items.length,
        more: page.nextCursor !== null,
      };
    };
    const cases = [
      await time('address prefix, 1 character ("m")', { prefix: "m" }),
      await time('address prefix, 3 characters ("mar")', { prefix: "mar" }),
      await time(`whole address (${someone})`, { prefix: someone }),
      await time('name prefix ("zoe ang", accents folded)', { name: "zoe ang" }),
      await time('name prefix, 1 character ("z")', { name: "z" }),
      await time('q= (addresses, then names: "ursula")', { q: "ursula" }),
      await time('address prefix "m", status unsubscribed', { prefix: "m", status: "unsubscribed" }),
    ];

    // Before the indexes: a Scan's pages filtered by prefix, at most 2,000 records read a request.
    const prefix = "mar";
    const scanRequest = async (cursor: string | null) => {
      const found: Subscriber[] = [];
      let next = cursor;
      let read = 0;
      do {
        const page: Page<Subscriber> = await store.list({}, next, opts.pageSize - found.length);
        read += page.items.length;
        found.push(...page.items.filter((s) => s.email.startsWith(prefix)));
        next = page.nextCursor;
      } while (next !== null && found.length < opts.pageSize && read < 2000);
      return { found: found.length, next };
    };
    const oneTimes: number[] = [];
    let oneFound = 0;
    for (let r = 0; r < opts.runs; r++) {
      const t = performance.now();
      oneFound = (await scanRequest(null)).found;
      oneTimes.push(performance.now() - t);
    }
    const wholeStart = performance.now();
    let requests = 0;
    let cursor: string | null = null;
    do {
      cursor = (await scanRequest(cursor)).next;
      requests++;
    } while (cursor !== null);
    const scanWholeTableMs = performance.now() - wholeStart;

    return {
      subscribers: opts.subscribers,
      seedSeconds: round(seedSeconds, 1),
      seedRowsPerSec: Math.round(opts.subscribers / seedSeconds),
      runs: opts.runs,
      cases,
      scanOneRequestMs: round(median(oneTimes), 1),
      scanOneRequestFound: oneFound,
      scanWholeTableMs: Math.round(scanWholeTableMs),
      scanWholeTableRequests: requests,
    };
  } finally {
    db.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
}
