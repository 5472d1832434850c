/**
 * AWS answering a function's call with an error, on purpose: a table that is missing, a queue that
 * refuses a batch, SES throttling. The twin checks the call against the function's role first (AWS
 * authorizes before anything else), then fails it with the error shaped as the SDK's service
 * exceptions are (name, $fault, $metadata.httpStatusCode). It is raised in the client's first middleware
 * step, before the SDK's retry step: the call fails at once, as a non-retryable answer would.
 */

export interface InjectedFault {
  /** The function whose calls fail (its key: compose, send, api, sesEvents, ingest). */
  fn: string;
  /** The API operation: SendMessageBatch, UpdateItem, SendEmail… */
  operation: string;
  /** Only calls on a resource whose ARN contains this (e.g. a table's logical name). */
  resource?: string;
  /** Matching calls to let through before failing (default 0). */
  after?: number;
  /** How many matching calls fail, then the fault is spent (default: every one until removed). */
  times?: number;
  error: { name: string; message: string; status?: number };
}

export class FaultInjector {
  private readonly faults = new Set<InjectedFault & { seen: number; failed: number }>();

  /** Adds a fault; returns its remover. */
  add(fault: InjectedFault): () => void {
    const entry = { ...fault, seen: 0, failed: 0 };
    this.faults.add(entry);
    return () => this.faults.delete(entry);
  }

  /** The error this call is answered with, or null to let it through. */
  errorFor(fn: string, operation: string, resources: readonly string[]): Error | null {
    for (const f of this.faults) {
      if (f.fn !== fn || f.operation !== operation) continue;
      const { resource } = f;
      if (resource && !resources.some((r) => r.includes(resource))) continue;
      if (f.seen++ < (f.after ?? 0)) continue;
      if (f.failed >= (f.times ?? Number.POSITIVE_INFINITY)) continue;
      f.failed++;
      const status = f.error.status ?? 400;
      return Object.assign(new Error(f.error.message), {
        name: f.error.name,
        $fault: status >= 500 ? "server" : "client",
        $metadata: { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 },
      });
    }
    return null;
  }
}
