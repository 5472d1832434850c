/** Small measurement helpers: percentiles, per-method latency recording, a plain-text table. */
import { performance } from "node:perf_hooks";

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);
export const mean = (samples: readonly number[]) =>
  samples.length === 0 ? Number.NaN : samples.reduce((a, b) => a + b, 0) / samples.length;

export const round = (n: number, digits = 3) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** Runs `fn` `warmup` times unmeasured, then `runs` times; returns each run's duration in ms. */
export async function sample(runs: number, warmup: number, fn: () => unknown): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export interface CallStats {
  calls: number;
  totalMs: number;
  meanMs: number;
  p95Ms: number;
  maxMs: number;
}

/**
 * Records the latency of every method call on objects wrapped with `wrap` (async methods measured to
 * settlement). Only timing is added: arguments and results pass through untouched.
 */
export class CallRecorder {
  private readonly samples = new Map<string, number[]>();

  record(name: string, ms: number): void {
    let list = this.samples.get(name);
    if (!list) {
      list = [];
      this.samples.set(name, list);
    }
    list.push(ms);
  }

  wrap<T extends object>(target: T, label: string): T {
    return new Proxy(target, {
      get: (obj, prop, receiver) => {
        const value = Reflect.get(obj, prop, receiver);
        if (typeof value !== "function" || typeof prop !== "string") return value;
        return (...args: unknown[]) => {
          const t0 = performance.now();
          const result = (value as (...a: unknown[]) => unknown).apply(obj, args);
          if (result instanceof Promise) {
            return result.finally(() => this.record(`${label}.${prop}`, performance.now() - t0));
          }
          this.record(`${label}.${prop}`, performance.now() - t0);
          return result;
        };
      },
    });
  }

  summary(): Record<string, CallStats> {
    const out: Record<string, CallStats> = {};
    for (const [name, list] of [...this.samples].sort(([a], [b]) => a.localeCompare(b))) {
      const total = list.reduce((a, b) => a + b, 0);
      out[name] = {
        calls: list.length,
        totalMs: round(total, 1),
        meanMs: round(total / list.length),
        p95Ms: round(percentile(list, 95)),
        maxMs: round(Math.max(...list)),
      };
    }
    return out;
  }
}

/** A left-aligned first column, right-aligned others. */
export function table(title: string, header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [`\n${title}`, line(header), rule, ...cells.slice(1).map(line)].join("\n");
}

export const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
export const mb = (bytes: number) => bytes / (1024 * 1024);
