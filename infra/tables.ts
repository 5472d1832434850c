import { aws_dynamodb as dynamodb, RemovalPolicy } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { TABLES, type TableDef, type TableName } from "../functions/adapters/schema.js";

/**
 * The tables, from the shared schema (functions/adapters/schema.ts): on demand, point-in-time
 * recovery, kept on delete when deletion protection is on.
 */
export function digestTables(
  scope: Construct,
  deletionProtection: boolean,
): Record<TableName, dynamodb.TableV2> {
  return Object.fromEntries(
    (Object.values(TABLES) as TableDef[]).map((def) => [
      def.logicalName,
      digestTable(scope, def, deletionProtection),
    ]),
  ) as Record<TableName, dynamodb.TableV2>;
}

function digestTable(scope: Construct, def: TableDef, deletionProtection: boolean): dynamodb.TableV2 {
  const attr = (k: { name: string; type: "S" | "N" }) => ({
    name: k.name,
    type: k.type === "S" ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
  });
  return new dynamodb.TableV2(scope, `${def.logicalName[0]?.toUpperCase()}${def.logicalName.slice(1)}Table`, {
    partitionKey: attr(def.partitionKey),
    sortKey: def.sortKey ? attr(def.sortKey) : undefined,
    billing: dynamodb.Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection,
    removalPolicy: deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    timeToLiveAttribute: def.ttlAttribute,
    globalSecondaryIndexes: def.indexes.map((index) => ({
      indexName: index.name,
      partitionKey: attr(index.partitionKey),
      sortKey: index.sortKey ? attr(index.sortKey) : undefined,
      projectionType:
        index.projection === "ALL" ? dynamodb.ProjectionType.ALL : dynamodb.ProjectionType.KEYS_ONLY,
    })),
  });
}
