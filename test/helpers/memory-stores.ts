import type {
  Page,
  SubscriberStore,
  Suppression,
  SuppressionStore,
} from "../../functions/core/kernel/ports.js";
import { foldName, type SubscriberSearch } from "../../functions/core/subscribers/search-keys.js";
import {
  deliverySlot,
  erasedKey,
  legacyErasedKey,
  type Subscriber,
} from "../../functions/core/subscribers/subscribers.js";

/** The erasure key of the in-memory suppression list. */
export const TEST_ERASURE_KEY = Buffer.alloc(32, 1);

/**
 * In-memory stores with the real adapters' contracts, for the core's pure rules; the DynamoDB stores
 * themselves are covered by the integration tests against dynalite.
 */
export class MemorySubscribers implements SubscriberStore {
  readonly items = new Map<string, Subscriber>();
  async get(email: string) {
    return this.items.get(email) ?? null;
  }
  async getById(id: string) {
    return [...this.items.values()].find((s) => s.id === id) ?? null;
  }
  async delete(email: string) {
    return this.items.delete(email);
  }
  async create(s: Subscriber) {
    if (this.items.has(s.email)) return false;
    this.items.set(s.email, structuredClone(s));
    return true;
  }
  async put(s: Subscriber) {
    this.items.set(s.email, structuredClone(s));
  }
  async noteSignupRequest(email: string, at: string) {
    const existing = this.items.get(email);
    if (existing) this.items.set(email, { ...existing, signupRequestedAt: at } as Subscriber);
  }
  async list(): Promise<Page<Subscriber>> {
    return { items: [...this.items.values()], nextCursor: null };
  }
  /** Every match in one page, in address order (the DynamoDB store's paging: test/integration/subscriber-search). */
  async search(query: SubscriberSearch): Promise<Page<Subscriber>> {
    const key = (s: Subscriber) => (query.by === "address" ? s.email : foldName(s.name ?? ""));
    const items = [...this.items.values()]
      .filter((s) => key(s) !== "" && key(s).startsWith(query.prefix))
      .filter((s) => query.status === undefined || s.status === query.status)
      .sort((a, b) => (a.email < b.email ? -1 : 1));
    return { items, nextCursor: null };
  }
  async listSlot(slot: string): Promise<Page<string>> {
    const emails = [...this.items.values()].filter((s) => deliverySlot(s) === slot).map((s) => s.email);
    return { items: emails, nextCursor: null };
  }
}

export class MemorySuppressions implements SuppressionStore {
  readonly items = new Map<string, Suppression>();
  async suppressed(emails: readonly string[]) {
    return new Set(
      emails.filter(
        (e) =>
          this.items.has(e) ||
          this.items.has(erasedKey(e, TEST_ERASURE_KEY)) ||
          this.items.has(legacyErasedKey(e)),
      ),
    );
  }
  async get(email: string) {
    return this.items.get(email) ?? null;
  }
  async erasure(email: string) {
    return (
      this.items.get(erasedKey(email, TEST_ERASURE_KEY)) ?? this.items.get(legacyErasedKey(email)) ?? null
    );
  }
  async markErased(email: string, at: string) {
    const key = erasedKey(email, TEST_ERASURE_KEY);
    this.items.set(key, { email: key, reason: "erased", detail: null, at });
    this.items.delete(legacyErasedKey(email));
  }
  async put(entry: Suppression) {
    this.items.set(entry.email, { ...entry });
  }
  async remove(email: string) {
    return this.items.delete(email);
  }
  async list(): Promise<Page<Suppression>> {
    return { items: [...this.items.values()], nextCursor: null };
  }
}
