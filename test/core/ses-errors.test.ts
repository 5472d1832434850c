import { describe, expect, it } from "vitest";
import { classifySesError } from "../../functions/adapters/ses-mailer.js";
import { backoffMs } from "../../functions/core/kernel/retry.js";

const err = (name: string, status: number | undefined, message = "", fault = "client") =>
  Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode: status } });

describe("SES error classification", () => {
  it("sorts SESv2 errors into the retry policy's kinds", () => {
    expect(classifySesError(err("TooManyRequestsException", 429, "Maximum sending rate exceeded."))).toBe(
      "throttled",
    );
    expect(classifySesError(err("LimitExceededException", 400, "Daily message quota exceeded."))).toBe(
      "quota",
    );
    expect(classifySesError(err("TooManyRequestsException", 429, "Daily message quota exceeded."))).toBe(
      "quota",
    );
    expect(classifySesError(err("SendingPausedException", 400))).toBe("quota");
    expect(classifySesError(err("MessageRejected", 400, "Email address is not verified."))).toBe("permanent");
    expect(classifySesError(err("BadRequestException", 400))).toBe("permanent");
    expect(classifySesError(err("InternalFailure", 500, "", "server"))).toBe("transient");
    expect(classifySesError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toBe(
      "transient",
    );
  });

  it("backs off exponentially with full jitter, capped", () => {
    expect(backoffMs(0, () => 0.999)).toBeLessThan(100);
    expect(backoffMs(3, () => 0.5)).toBe(400);
    expect(backoffMs(20, () => 0.999)).toBeLessThan(10_000);
    expect(backoffMs(5, () => 0)).toBe(0);
  });
});
