import type { EditionRecord, LedgerCounts, SendLedger } from "../kernel/ports.js";

/**
 * The edition's recipients per ledger state: from its counters when they were kept from its first
 * entry (`ledgerCounted`: a few small reads whatever its size), else from its entries (editions sent
 * before the counters existed; `digest editions recount <id>` moves one over to counters).
 */
export function ledgerCountsOf(
  ledger: Pick<SendLedger, "counts" | "countEntries">,
  edition: Pick<EditionRecord, "editionId" | "ledgerCounted">,
): Promise<LedgerCounts> {
  return edition.ledgerCounted ? ledger.counts(edition.editionId) : ledger.countEntries(edition.editionId);
}
