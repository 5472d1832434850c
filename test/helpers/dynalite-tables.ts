import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import dynalite from "dynalite";
import { documentClientOver } from "../../functions/adapters/dynamo/client.js";
import { createTables } from "../../functions/adapters/dynamo/create-tables.js";
import { tableNamesFromEnv } from "../../functions/adapters/schema.js";

export interface DynaliteTables {
  db: DynamoDBDocumentClient;
  tables: ReturnType<typeof tableNamesFromEnv>;
  close(): Promise<void>;
}

/**
 * An in-memory dynalite on loopback with every table of the schema (default names), for a test of the
 * Dynamo stores without the rest of the local stack.
 */
export async function startDynaliteTables(): Promise<DynaliteTables> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  });
  const tables = tableNamesFromEnv({});
  await createTables(client, tables);
  const db = documentClientOver(client);
  return {
    db,
    tables,
    close: async () => {
      db.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
