import { vi } from "vitest";

/** One CloudWatch EMF line as a Lambda writes it to stdout (the `_aws` envelope and its values). */
export interface EmfBlob {
  namespace: string;
  dimensions: string[][];
  /** Metric name → unit, from the envelope's metric definitions. */
  units: Record<string, string>;
  /** Every top-level member: the metric values (a number or an array of them) and the dimensions. */
  values: Record<string, unknown>;
}

/** The EMF lines in `text` (other stdout lines, e.g. the logger's, are skipped). */
export function parseEmf(text: string): EmfBlob[] {
  const blobs: EmfBlob[] = [];
  for (const line of text.split("\n")) {
    if (!line.includes('"_aws"')) continue;
    const value = JSON.parse(line) as {
      _aws: {
        CloudWatchMetrics: {
          Namespace: string;
          Dimensions: string[][];
          Metrics: { Name: string; Unit: string }[];
        }[];
      };
    } & Record<string, unknown>;
    for (const directive of value._aws.CloudWatchMetrics) {
      blobs.push({
        namespace: directive.Namespace,
        dimensions: directive.Dimensions,
        units: Object.fromEntries(directive.Metrics.map((m) => [m.Name, m.Unit])),
        values: value,
      });
    }
  }
  return blobs;
}

/** Sum of each metric over the blobs (EMF values are a number or an array of them). */
export function metricTotals(blobs: readonly EmfBlob[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const blob of blobs) {
    for (const name of Object.keys(blob.units)) {
      const raw = blob.values[name];
      const sum = (Array.isArray(raw) ? raw : [raw]).reduce((n: number, v) => n + Number(v), 0);
      totals[name] = (totals[name] ?? 0) + sum;
    }
  }
  return totals;
}

/**
 * Runs `fn` with process.stdout captured (where Lambda's EMF lines go; Powertools writes through a
 * Console on process.stdout) and returns its result, or its error, with the EMF blobs it wrote.
 */
export async function captureEmf<T>(
  fn: () => Promise<T>,
): Promise<{ result?: T; error?: unknown; blobs: EmfBlob[]; stdout: string }> {
  let stdout = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  });
  try {
    const result = await fn();
    return { result, blobs: parseEmf(stdout), stdout };
  } catch (error) {
    return { error, blobs: parseEmf(stdout), stdout };
  } finally {
    spy.mockRestore();
  }
}
