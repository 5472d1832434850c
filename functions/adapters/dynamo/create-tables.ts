import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  ResourceInUseException,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { type KeyDef, TABLES, type TableDef, type TableName, type TableNames } from "../schema.js";

function keySchema(pk: KeyDef, sk?: KeyDef): KeySchemaElement[] {
  const keys: KeySchemaElement[] = [{ AttributeName: pk.name, KeyType: "HASH" }];
  if (sk) keys.push({ AttributeName: sk.name, KeyType: "RANGE" });
  return keys;
}

function attributeDefinitions(def: TableDef): AttributeDefinition[] {
  const all = new Map<string, KeyDef>();
  for (const k of [
    def.partitionKey,
    def.sortKey,
    ...def.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]) {
    if (k) all.set(k.name, k);
  }
  return [...all.values()].map((k) => ({ AttributeName: k.name, AttributeType: k.type }));
}

/**
 * Creates every table that does not exist yet (idempotent) and waits until each is ACTIVE.
 * Local only: the deployed tables come from the CDK stack, with TTL and PITR. No TTL call here
 * (dynalite has none): readers check expiry themselves.
 */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<TableName[]> {
  const created: TableName[] = [];
  for (const def of Object.values(TABLES)) {
    const TableName = names[def.logicalName];
    try {
      await client.send(new DescribeTableCommand({ TableName }));
      continue;
    } catch (err) {
      if ((err as { name?: string }).name !== "ResourceNotFoundException") throw err;
    }
    try {
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: attributeDefinitions(def),
          KeySchema: keySchema(def.partitionKey, def.sortKey),
          GlobalSecondaryIndexes:
            def.indexes.length === 0
              ? undefined
              : def.indexes.map((i) => ({
                  IndexName: i.name,
                  KeySchema: keySchema(i.partitionKey, i.sortKey),
                  Projection: { ProjectionType: i.projection },
                })),
        }),
      );
      created.push(def.logicalName);
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    // Polled every 50 ms at first: a local table is ACTIVE almost at once, and the SDK waiter's own
    // delays (1 s and up) would make every first run and test stack wait for nothing.
    await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 0.05, maxDelay: 1 }, { TableName });
  }
  return created;
}
