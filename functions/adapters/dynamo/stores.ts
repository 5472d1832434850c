import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type {
  EditionStore,
  SendLedger,
  StoryStore,
  SubscriberStore,
  SuppressionStore,
} from "../../core/kernel/ports.js";
import type { TableNames } from "../schema.js";
import { DynamoEditionStore } from "./edition-store.js";
import { DynamoSendLedger } from "./send-ledger.js";
import { DynamoStoryStore } from "./story-store.js";
import { DynamoSubscriberStore } from "./subscriber-store.js";
import { DynamoSuppressionStore, type ErasureKeySource } from "./suppression-store.js";

export interface Stores {
  stories: StoryStore;
  subscribers: SubscriberStore;
  suppressions: SuppressionStore;
  editions: EditionStore;
  ledger: SendLedger;
}

/**
 * Every store over one document client: the same wiring for the CLI and the Lambda functions.
 * `erasureKey` is the key erased addresses are hashed with (read on first use).
 */
export function dynamoStores(
  db: DynamoDBDocumentClient,
  tables: TableNames,
  erasureKey: ErasureKeySource,
): Stores {
  return {
    stories: new DynamoStoryStore(db, tables.stories),
    subscribers: new DynamoSubscriberStore(db, tables.subscribers),
    suppressions: new DynamoSuppressionStore(db, tables.suppressions, erasureKey),
    editions: new DynamoEditionStore(db, tables.editions),
    ledger: new DynamoSendLedger(db, tables.sends),
  };
}
