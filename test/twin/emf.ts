/**
 * The CloudWatch metrics the bundles emitted, read from their stdout as CloudWatch Logs would extract
 * them: each line with an `_aws.CloudWatchMetrics` directive (Embedded Metric Format) puts each of
 * the directive's metrics in its namespace, once per dimension set, with the dimension values and
 * the metric's value taken from the line's top-level members.
 */

export interface EmittedMetric {
  fn: string;
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  value: number;
}

interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit?: string }[];
}

const total = (v: unknown): number =>
  Array.isArray(v) ? v.reduce((n: number, x) => n + Number(x), 0) : Number(v);

/** The metrics in each function's structured log lines (FunctionRunner.logLines). */
export function emittedMetrics(linesByFunction: Record<string, Record<string, unknown>[]>): EmittedMetric[] {
  const out: EmittedMetric[] = [];
  for (const [fn, lines] of Object.entries(linesByFunction)) {
    for (const line of lines) {
      const directives = (line._aws as { CloudWatchMetrics?: EmfDirective[] } | undefined)?.CloudWatchMetrics;
      for (const directive of directives ?? []) {
        for (const dimensionSet of directive.Dimensions.length ? directive.Dimensions : [[]]) {
          const dimensions = Object.fromEntries(dimensionSet.map((d) => [d, String(line[d])]));
          for (const metric of directive.Metrics)
            out.push({
              fn,
              namespace: directive.Namespace,
              name: metric.Name,
              dimensions,
              value: total(line[metric.Name]),
            });
        }
      }
    }
  }
  return out;
}

/** The sum of a metric over the lines that emitted it with exactly these dimensions. */
export function metricSum(
  emitted: readonly EmittedMetric[],
  namespace: string,
  name: string,
  dimensions: Record<string, unknown>,
): number | null {
  const key = JSON.stringify(Object.entries(dimensions).sort());
  const matching = emitted.filter(
    (m) =>
      m.namespace === namespace &&
      m.name === name &&
      JSON.stringify(Object.entries(m.dimensions).sort()) === key,
  );
  return matching.length ? matching.reduce((n, m) => n + m.value, 0) : null;
}
