import { describe, expect, it } from "vitest";
import { emittedMetrics, metricSum } from "./emf.js";
import { FaultInjector } from "./faults.js";

describe("the twin's injected AWS faults", () => {
  const error = { name: "QueueDoesNotExist", message: "The specified queue does not exist." };

  it("fails the matching calls of one function after `after` of them, `times` times, shaped as an SDK error", () => {
    const faults = new FaultInjector();
    faults.add({ fn: "compose", operation: "SendMessageBatch", after: 1, times: 2, error });
    const call = (fn = "compose", operation = "SendMessageBatch") => faults.errorFor(fn, operation, ["q"]);
    expect(call("api")).toBeNull();
    expect(call("compose", "SendMessage")).toBeNull();
    expect(call()).toBeNull();
    const failed = call();
    expect(failed).toMatchObject({
      name: "QueueDoesNotExist",
      message: error.message,
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
    });
    expect(call()).not.toBeNull();
    expect(call()).toBeNull();
  });

  it("matches a resource by part of its ARN, reports 5xx as server faults, and stops once removed", () => {
    const faults = new FaultInjector();
    const remove = faults.add({
      fn: "sesEvents",
      operation: "UpdateItem",
      resource: "EditionsTable",
      error: { name: "InternalServerError", message: "boom", status: 500 },
    });
    const table = (name: string) => [`arn:aws:dynamodb:eu-west-2:1:table/Stack-${name}1234`];
    expect(faults.errorFor("sesEvents", "UpdateItem", table("SendsTable"))).toBeNull();
    expect(faults.errorFor("sesEvents", "UpdateItem", table("EditionsTable"))).toMatchObject({
      $fault: "server",
    });
    remove();
    expect(faults.errorFor("sesEvents", "UpdateItem", table("EditionsTable"))).toBeNull();
  });
});

describe("the twin's reading of EMF lines", () => {
  it("puts each metric of a directive in its namespace once per dimension set, values summed", () => {
    const line = (sent: number | number[]) => ({
      _aws: {
        Timestamp: 0,
        CloudWatchMetrics: [
          {
            Namespace: "Digest",
            Dimensions: [["service"]],
            Metrics: [{ Name: "MessagesSent", Unit: "Count" }],
          },
        ],
      },
      service: "digest-send",
      MessagesSent: sent,
    });
    const emitted = emittedMetrics({ send: [line(3), line([1, 2]), { level: "INFO", message: "x" }] });
    expect(emitted).toHaveLength(2);
    expect(metricSum(emitted, "Digest", "MessagesSent", { service: "digest-send" })).toBe(6);
    expect(metricSum(emitted, "Digest", "MessagesSent", {})).toBeNull();
    expect(metricSum(emitted, "Digest", "MessagesSent", { service: "digest-compose" })).toBeNull();
  });
});
