import { firstCharacter, foldName, nameSortKey } from "../../core/subscribers/search-keys.js";
import { deliverySlot, type Subscriber, shardOf, statusShard } from "../../core/subscribers/subscribers.js";
import { SEARCH_SHARDS, SLOT_SHARDS, STATUS_SHARDS } from "../schema.js";

/** A subscriber as stored, and back: the record and the keys of its indexes, derived from it. */

/** The keys a stored subscriber carries for its indexes, derived from the record (never stored by hand). */
export const DERIVED_KEYS = ["statusShard", "slotShard", "addressShard", "nameShard", "nameKey"] as const;

/**
 * The index keys of a record: byStatus; bySlot for active subscribers only (that index stays
 * sparse); byAddress; byName for a record with a name (sparse too). Every write of a subscriber goes
 * through subscriberItem, so no record is stored without them, and a renamed or re-statused record
 * moves in its indexes with the write that changes it.
 */
export function derivedKeys(s: Subscriber): Record<(typeof DERIVED_KEYS)[number], string | undefined> {
  const slot = deliverySlot(s);
  const folded = s.name ? foldName(s.name) : "";
  return {
    statusShard: statusShard(s.status, s.email, STATUS_SHARDS),
    slotShard: slot === null ? undefined : shardOf(slot, s.email, SLOT_SHARDS),
    addressShard: shardOf(firstCharacter(s.email), s.email, SEARCH_SHARDS),
    nameShard: folded ? shardOf(firstCharacter(folded), s.email, SEARCH_SHARDS) : undefined,
    nameKey: folded ? nameSortKey(folded, s.email) : undefined,
  };
}

/** A subscriber as stored: the record plus its index keys (derivedKeys). */
export function subscriberItem(s: Subscriber): Record<string, unknown> {
  return { ...s, ...derivedKeys(s) };
}

export function toSubscriber(item: Record<string, unknown>): Subscriber {
  const record = { ...item };
  for (const key of DERIVED_KEYS) delete record[key];
  return record as unknown as Subscriber;
}
