import { Logger } from "@aws-lambda-powertools/logger";
import { redactAddresses } from "../core/kernel/redact.js";

/**
 * The functions' logger: Powertools' JSON lines, with every address in any string of a log item
 * (message, request path, error message and stack, error fields, nested attributes) replaced by
 * "<email>". CloudWatch keeps what was written and a GDPR erasure cannot reach into it, so no address
 * is written in the first place; records are correlated by message and record ids instead.
 */
export function createLogger(): Logger {
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "digest",
    jsonReplacerFn: (_key, value) => (typeof value === "string" ? redactAddresses(value) : value),
  });
}
