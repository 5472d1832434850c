import type { SubscriberSearch } from "../../subscribers/search-keys.js";
import type { Subscriber, SubscriberStatus } from "../../subscribers/subscribers.js";
import type { Page } from "./page.js";

export interface SubscriberStore {
  get(email: string): Promise<Subscriber | null>;
  /**
   * The subscribers of these addresses that exist, by address, read consistently in as few requests
   * as the store allows (DynamoDB: BatchGetItem, 100 keys a call). Optional: without it callers `get`
   * each address.
   */
  getMany?(emails: readonly string[]): Promise<Map<string, Subscriber>>;
  /** Looks a subscriber up by the opaque id carried in signed links. */
  getById(id: string): Promise<Subscriber | null>;
  /** Deletes the record (GDPR erasure); true when there was one. */
  delete(email: string): Promise<boolean>;
  /** Creates the subscriber; returns false (and writes nothing) when the address exists. */
  create(subscriber: Subscriber): Promise<boolean>;
  /** Replaces a stored subscriber (same email). */
  put(subscriber: Subscriber): Promise<void>;
  /**
   * Stores many subscribers (each created or replaced, unconditionally), in as few requests as the
   * store allows (DynamoDB: BatchWriteItem, 25 items a call, unprocessed items retried). Optional:
   * without it callers `put` each one.
   */
  putMany?(subscribers: readonly Subscriber[]): Promise<void>;
  /**
   * Notes on an existing record when its address was last entered in the public sign-up form
   * (`signupRequestedAt`); writes nothing, and creates nothing, for an address without a record. A
   * sign-up that changes no record makes this one write, so every sign-up does the same store work
   * whatever the address's state (no enumeration by what the server does).
   */
  noteSignupRequest(email: string, at: string): Promise<void>;
  /** Pages through the addresses of active subscribers in one local-delivery slot (see deliverySlot). */
  listSlot(slot: string, cursor: string | null, limit: number): Promise<Page<string>>;
  /** Pages through subscribers of one status (all statuses when undefined), in address order per shard. */
  list(
    filter: { status?: SubscriberStatus },
    cursor: string | null,
    limit: number,
  ): Promise<Page<Subscriber>>;
  /**
   * One page of the subscribers whose address (or folded name) starts with the search's prefix, of
   * its status if it names one, in key order: keyed reads of an index, never a scan. A page may hold
   * fewer than `limit` (even none) and still have a next one (a status filter read past many others).
   */
  search(query: SubscriberSearch, cursor: string | null, limit: number): Promise<Page<Subscriber>>;
  /**
   * Writes the keys a store derives from a record (its index keys) on one page of stored records that
   * were written before those keys existed; changes nothing else, and leaves a record written since it
   * was read alone. For the reindex job (jobs/reindex-job.ts). Optional: a store that derives no keys
   * has nothing to refresh.
   */
  refreshIndexKeys?(cursor: string | null, limit: number): Promise<IndexRefreshPage>;
}

export interface IndexRefreshPage {
  /** Records read, and those whose keys were written. */
  read: number;
  refreshed: number;
  nextCursor: string | null;
}

export interface Suppression {
  /**
   * Normalised address, or for an erased one (the address itself is gone) "hmac-sha256:<hex>" (its
   * keyed hash) or "sha256:<hex>" (the unkeyed hash older erasures wrote).
   */
  email: string;
  /** bounce | complaint | manual | erased | transient-bounces */
  reason: string;
  detail: string | null;
  at: string;
}

export interface SuppressionStore {
  /**
   * The subset of `emails` on the suppression list: directly, or as an erased address's keyed hash
   * or its older unkeyed one.
   */
  suppressed(emails: readonly string[]): Promise<Set<string>>;
  /** The entry under exactly this key (an address or an erased one's hash). */
  get(email: string): Promise<Suppression | null>;
  /** The entry recording that this address was erased (keyed hash, else the unkeyed one), or null. */
  erasure(email: string): Promise<Suppression | null>;
  /** Records the erasure of this address under its keyed hash, replacing an unkeyed entry. */
  markErased(email: string, at: string): Promise<void>;
  put(entry: Suppression): Promise<void>;
  /** True when there was an entry to remove. */
  remove(email: string): Promise<boolean>;
  list(cursor: string | null, limit: number): Promise<Page<Suppression>>;
}
