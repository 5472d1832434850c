/**
 * Every CloudWatch metric a synthesized template reads: in its alarms (a single metric or the
 * metrics of a math expression) and in its dashboards' graphs. CloudFormation references inside
 * a dashboard body (region, queue names, alarm ARNs) are replaced by a placeholder.
 */
export interface MetricRef {
  /** Where it is read: the alarm's logical id, or "dashboard <logical id>: <widget title>". */
  where: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, unknown>;
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
type CfnDimension = { Name: string; Value: unknown };

const dimensionMap = (dims: CfnDimension[] | undefined) =>
  Object.fromEntries((dims ?? []).map((d) => [d.Name, d.Value]));

function alarmRefs(id: string, props: Record<string, unknown>): MetricRef[] {
  if (typeof props.MetricName === "string") {
    return [
      {
        where: id,
        namespace: props.Namespace as string,
        metricName: props.MetricName,
        dimensions: dimensionMap(props.Dimensions as CfnDimension[]),
      },
    ];
  }
  const queries = (props.Metrics ?? []) as {
    MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: CfnDimension[] } };
  }[];
  return queries.flatMap((q) =>
    q.MetricStat
      ? [
          {
            where: id,
            namespace: q.MetricStat.Metric.Namespace,
            metricName: q.MetricStat.Metric.MetricName,
            dimensions: dimensionMap(q.MetricStat.Metric.Dimensions),
          },
        ]
      : [],
  );
}

/** The dashboard body as JSON: a Fn::Join whose references all sit inside JSON strings. */
export function dashboardBody(props: Record<string, unknown>): {
  widgets: { type: string; properties: Record<string, unknown> }[];
} {
  const body = props.DashboardBody as string | { "Fn::Join": [string, unknown[]] };
  const text =
    typeof body === "string"
      ? body
      : body["Fn::Join"][1].map((part) => (typeof part === "string" ? part : "CFN-REF")).join("");
  return JSON.parse(text);
}

function dashboardRefs(id: string, props: Record<string, unknown>): MetricRef[] {
  const refs: MetricRef[] = [];
  for (const widget of dashboardBody(props).widgets) {
    const metrics = (widget.properties.metrics ?? []) as unknown[][];
    for (const line of metrics) {
      // [namespace, name, dimName, dimValue, …, {options}]; expressions are [{expression, …}].
      const [namespace, metricName, ...rest] = line;
      if (typeof namespace !== "string" || typeof metricName !== "string") continue;
      const pairs = rest.filter((x) => typeof x === "string") as string[];
      const dimensions: Record<string, unknown> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1];
      refs.push({ where: `dashboard ${id}: ${widget.properties.title}`, namespace, metricName, dimensions });
    }
  }
  return refs;
}

export function metricRefs(template: Record<string, unknown>): MetricRef[] {
  return Object.entries(template.Resources as Resources).flatMap(([id, r]) =>
    r.Type === "AWS::CloudWatch::Alarm"
      ? alarmRefs(id, r.Properties)
      : r.Type === "AWS::CloudWatch::Dashboard"
        ? dashboardRefs(id, r.Properties)
        : [],
  );
}

/** The references in one namespace (the digest's own metrics: METRICS_NAMESPACE). */
export function digestMetricsIn(template: Record<string, unknown>, namespace: string): MetricRef[] {
  return metricRefs(template).filter((ref) => ref.namespace === namespace);
}
