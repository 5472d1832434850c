import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * A DynamoDB document client. With no explicit endpoint the SDK's own resolution applies
 * (AWS_ENDPOINT_URL_DYNAMODB, region, credentials chain), so the same code runs in Lambda.
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return documentClientOver(new DynamoDBClient({ maxAttempts: 5, ...config }));
}

export function documentClientOver(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return (err as { name?: string })?.name === "ConditionalCheckFailedException";
}
