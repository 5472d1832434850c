/**
 * The core's view of storage and delivery. Each port has one real implementation in
 * functions/adapters (DynamoDB, SESv2, the outbox folder); the core never imports AWS. One file per
 * port in ports/: stories, subscribers and suppressions, editions and their delivery rounds, the
 * send ledger, mail and the outbox, the send queue. Import them from here.
 */

export * from "./ports/edition-store.js";
export * from "./ports/jobs.js";
export * from "./ports/mail.js";
export * from "./ports/page.js";
export * from "./ports/queue.js";
export * from "./ports/send-ledger.js";
export * from "./ports/story-store.js";
export * from "./ports/subscriber-store.js";
