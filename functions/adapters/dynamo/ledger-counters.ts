import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { LEDGER_STATES, type LedgerCounts, type LedgerState } from "../../core/kernel/ports.js";
import { batchGetAll } from "./client.js";

/**
 * Partition keys an edition's ledger counters are spread over. The send path adds to them once per
 * queue message (≤ 50 recipients), so even the stack's top rate (10,000 messages a second = 200
 * counter writes a second per process fleet) fits one partition; four leave room for resends and
 * erasures running beside a send, and reading them is one BatchGetItem of four small items.
 */
export const LEDGER_COUNTER_SHARDS = 4;
/** The counters' sort key (their partition, "counts#<edition>#<n>", is theirs alone). */
const COUNTS = "counts";

/**
 * Shard n of an edition's counters, in the ledger's own table: a partition no entry can share (entries
 * live under the edition id, which starts with its day).
 */
const shardKey = (editionId: string, shard: number) => ({
  editionId: `counts#${editionId}#${shard}`,
  subscriberId: COUNTS,
});

export const zeroCounts = (): LedgerCounts =>
  Object.fromEntries(LEDGER_STATES.map((s) => [s, 0])) as unknown as LedgerCounts;

/**
 * The recipients per ledger state of each edition, kept as entries change state instead of read from
 * the entries (a million-recipient ledger is ~300 MB of reads). The ledger records each real
 * transition it made (the state before, from the write's own return value, and the state after):
 * a write that changed nothing (a redelivered message finding its recipient sent, a repeated mark)
 * records nothing. `flush` adds what was recorded in one ADD per edition; the send path flushes once
 * per queue message, so a crash between a message's ledger writes and its flush leaves the counters
 * short by at most that message (the entries stay exact; `digest editions recount` rebuilds them).
 */
export class LedgerCounters {
  private pending = new Map<string, Partial<Record<LedgerState, number>>>();
  private nextShard = Math.floor(Math.random() * LEDGER_COUNTER_SHARDS);

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly expiresAt: () => number,
  ) {}

  /** Records that one entry went from `from` (null: it did not exist) to `to`. */
  record(editionId: string, from: LedgerState | null, to: LedgerState): void {
    if (from === to) return;
    // A state this code never writes (an item from elsewhere) is not counted, so it is not taken off.
    if (from !== null && (LEDGER_STATES as readonly string[]).includes(from))
      this.addPending(editionId, from, -1);
    this.addPending(editionId, to, 1);
  }

  private addPending(editionId: string, state: LedgerState, n: number): void {
    const delta = this.pending.get(editionId) ?? {};
    delta[state] = (delta[state] ?? 0) + n;
    this.pending.set(editionId, delta);
  }

  /** Adds every recorded transition to its edition's counters; what fails to be written is kept. */
  async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = new Map();
    const failed: unknown[] = [];
    for (const [editionId, delta] of pending) {
      const entries = (Object.entries(delta) as [LedgerState, number][]).filter(([, n]) => n !== 0);
      if (entries.length === 0) continue;
      try {
        await this.add(editionId, entries);
      } catch (err) {
        // Kept for the next flush rather than lost: the caller's message fails and is redelivered.
        for (const [state, n] of entries) this.addPending(editionId, state, n);
        failed.push(err);
      }
    }
    if (failed.length > 0) throw failed[0];
  }

  private async add(editionId: string, entries: [LedgerState, number][]): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, number> = { ":exp": this.expiresAt() };
    const adds = entries.map(([state, n], i) => {
      names[`#c${i}`] = state;
      values[`:n${i}`] = n;
      return `#c${i} :n${i}`;
    });
    const shard = this.nextShard;
    this.nextShard = (shard + 1) % LEDGER_COUNTER_SHARDS;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: shardKey(editionId, shard),
        // The counters expire with the entries they count (each write moves the date on, as claims do).
        UpdateExpression: `ADD ${adds.join(", ")} SET expiresAt = :exp`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** The edition's counts summed over its shards (one BatchGetItem); all zero when it has none yet. */
  async read(editionId: string): Promise<LedgerCounts> {
    const keys = Array.from({ length: LEDGER_COUNTER_SHARDS }, (_, n) => shardKey(editionId, n));
    const items = await batchGetAll(this.db, this.table, keys, { consistentRead: true });
    const counts = zeroCounts();
    for (const item of items) {
      for (const state of LEDGER_STATES) {
        const n = item[state];
        if (typeof n === "number") counts[state] += n;
      }
    }
    return counts;
  }

  /** Replaces the edition's counters by `counts` (a recount): shard 0 holds them, the others zero. */
  async replace(editionId: string, counts: LedgerCounts): Promise<void> {
    this.pending.delete(editionId);
    for (let shard = 0; shard < LEDGER_COUNTER_SHARDS; shard++) {
      const item = shard === 0 ? counts : zeroCounts();
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...shardKey(editionId, shard), ...item, expiresAt: this.expiresAt() },
        }),
      );
    }
  }
}
