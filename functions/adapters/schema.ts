/**
 * The one definition of the DynamoDB tables, shared by `digest init` (local CreateTable) and the CDK
 * stack. Several small tables rather than one single-table design: each Lambda gets IAM grants on
 * exactly the tables it touches, and each table's access pattern stays readable.
 */

export type KeyType = "S" | "N";

export interface KeyDef {
  name: string;
  type: KeyType;
}

export interface IndexDef {
  name: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  /** ALL, or KEYS_ONLY when the index only maps one key to another. */
  projection: "ALL" | "KEYS_ONLY";
}

export interface TableDef {
  /** Logical name: the env var holding the physical name is TABLE_ENV[logical]. */
  logicalName: TableName;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  indexes: IndexDef[];
  /** Attribute holding an epoch-seconds expiry. DynamoDB TTL deletes lazily, so readers check it too. */
  ttlAttribute?: string;
}

export type TableName =
  | "stories"
  | "subscribers"
  | "editions"
  | "sends"
  | "suppressions"
  | "feeds"
  | "limits"
  | "jobs"
  | "team"
  | "audit";

/** Number of shards of the subscribers' status index: spreads a million active subscribers over partitions. */
export const STATUS_SHARDS = 16;
/** Shards of each local-delivery slot (zone + hour): one popular zone is not one hot partition. */
export const SLOT_SHARDS = 4;
/**
 * Shards of each first character in the search indexes (byAddress, byName). A partition is
 * "<first character>#<n>": a prefix names its partitions (its first character's four), so any
 * search, even one letter, is four Queries merged in key order, never a Scan. Why not the first
 * character alone: a million readers put ~100,000 under "j" or "s", and a migration file sorted by
 * address writes one letter at a time; one partition key takes about 1,000 writes a second, four take
 * 4,000, past what the import job writes. Why not more: every page of a search reads each shard, so
 * each shard more is one more Query per page. Why not two characters: "a" would then be some forty
 * partitions to walk, and sorted writes would still land on one.
 */
export const SEARCH_SHARDS = 4;

export const TABLES: Record<TableName, TableDef> = {
  stories: {
    logicalName: "stories",
    partitionKey: { name: "id", type: "S" },
    // "The stories of day D" is one Query on this index: day is the local calendar day in the configured zone.
    indexes: [
      {
        name: "byDay",
        partitionKey: { name: "day", type: "S" },
        sortKey: { name: "publishedAt", type: "S" },
        projection: "ALL",
      },
    ],
  },
  subscribers: {
    logicalName: "subscribers",
    partitionKey: { name: "email", type: "S" },
    indexes: [
      // Tokens carry the opaque subscriber id, never the address.
      { name: "byId", partitionKey: { name: "id", type: "S" }, projection: "KEYS_ONLY" },
      {
        name: "byStatus",
        partitionKey: { name: "statusShard", type: "S" },
        sortKey: { name: "email", type: "S" },
        projection: "ALL",
      },
      // Local delivery: active subscribers by zone and hour (sparse: only active records carry slotShard).
      // Keys only: the hourly dispatch enqueues addresses; the send re-reads each subscriber.
      { name: "bySlot", partitionKey: { name: "slotShard", type: "S" }, projection: "KEYS_ONLY" },
      // The admin's search (SEARCH_SHARDS says why the partitions are what they are): addresses by
      // prefix, and names (folded: lower-case, no accents) by prefix, sparse (records with a name).
      // All attributes: a page of results is the list's page, status filtered within the Query, with
      // no second read per record. The records a backfill job gives these keys (jobs/reindex-job.ts).
      {
        name: "byAddress",
        partitionKey: { name: "addressShard", type: "S" },
        sortKey: { name: "email", type: "S" },
        projection: "ALL",
      },
      {
        name: "byName",
        partitionKey: { name: "nameShard", type: "S" },
        sortKey: { name: "nameKey", type: "S" },
        projection: "ALL",
      },
    ],
    // Unconfirmed sign-ups expire; readers treat an expired pending record as absent (isExpired).
    ttlAttribute: "expiresAt",
  },
  editions: {
    logicalName: "editions",
    partitionKey: { name: "editionId", type: "S" },
    // "meta" holds the edition; "variant#<sections>" one rendered section set each (HTML stays < 400 KB items).
    sortKey: { name: "part", type: "S" },
    indexes: [],
  },
  sends: {
    logicalName: "sends",
    partitionKey: { name: "editionId", type: "S" },
    sortKey: { name: "subscriberId", type: "S" },
    indexes: [],
    ttlAttribute: "expiresAt",
  },
  suppressions: {
    logicalName: "suppressions",
    partitionKey: { name: "email", type: "S" },
    indexes: [],
  },
  // Subscribed feeds by canonical URL, with their conditional-GET validators and last poll outcome.
  // A handful of items: the poller reads them all with one Scan.
  feeds: {
    logicalName: "feeds",
    partitionKey: { name: "url", type: "S" },
    indexes: [],
  },
  // Rate-limit counters of the public sign-up (per address, per client), keyed by a keyed hash; each
  // item lives one window and TTL removes it (readers check the window themselves).
  limits: {
    logicalName: "limits",
    partitionKey: { name: "id", type: "S" },
    indexes: [],
    ttlAttribute: "expiresAt",
  },
  // Background jobs (large subscriber imports and exports): status and progress, one item each;
  // TTL removes a job when its files expire (JOB_RETENTION_DAYS).
  jobs: {
    logicalName: "jobs",
    partitionKey: { name: "id", type: "S" },
    indexes: [],
    ttlAttribute: "expiresAt",
  },
  // The admin team (dynamo/team-store.ts): members (pk "members", sk the email), personal API tokens
  // (pk "tokens#<email>", sk the token's id; found by their SHA-256 through byTokenHash) and one-time
  // sign-in codes (pk "signin", sk the code's hash), and removed members (pk "removed", sk the email:
  // their JWT's groups no longer let them in), and the owners lock (pk "lock", sk "owners": demoting or
  // removing an owner runs under it). TTL removes expired codes and session tokens.
  team: {
    logicalName: "team",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
    indexes: [
      { name: "byTokenHash", partitionKey: { name: "tokenHash", type: "S" }, projection: "KEYS_ONLY" },
    ],
    ttlAttribute: "expiresAtEpoch",
  },
  // The audit log (dynamo/audit-log.ts): one partition ("audit"), sort key "<at>#<id>", read newest first
  // (ScanIndexForward false) and paged by its last key. Admin writes are a few thousand a day, far
  // under one partition's 1,000 writes a second; one partition keeps "newest first" one Query.
  audit: {
    logicalName: "audit",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
    indexes: [],
  },
};

/** Env var that carries each table's physical name (set by the CDK stack; defaulted locally). */
export const TABLE_ENV: Record<TableName, string> = {
  stories: "DIGEST_TABLE_STORIES",
  subscribers: "DIGEST_TABLE_SUBSCRIBERS",
  editions: "DIGEST_TABLE_EDITIONS",
  sends: "DIGEST_TABLE_SENDS",
  suppressions: "DIGEST_TABLE_SUPPRESSIONS",
  feeds: "DIGEST_TABLE_FEEDS",
  limits: "DIGEST_TABLE_LIMITS",
  jobs: "DIGEST_TABLE_JOBS",
  team: "DIGEST_TABLE_TEAM",
  audit: "DIGEST_TABLE_AUDIT",
};

export type TableNames = Record<TableName, string>;

/** Physical table names from the environment, defaulting to `digest-<logical>` (the local names). */
export function tableNamesFromEnv(env: NodeJS.ProcessEnv = process.env): TableNames {
  const names = {} as TableNames;
  for (const logical of Object.keys(TABLES) as TableName[]) {
    names[logical] = env[TABLE_ENV[logical]] || `digest-${logical}`;
  }
  return names;
}
