import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** A small line chart of rates in % over editions (uPlot: canvas, ~50 KB), with optional limit lines. */
export function RateChart(props: {
  label: string;
  days: string[];
  series: { name: string; values: (number | null)[]; color: string; dash?: number[] }[];
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const xs = props.days.map((_, i) => i);
    const width = Math.max(280, Math.min(el.clientWidth || 640, 900));
    const plot = new uPlot(
      {
        width,
        height: 220,
        legend: { show: true },
        cursor: { show: true },
        scales: { x: { time: false } },
        axes: [
          { values: (_u, ticks) => ticks.map((t) => props.days[t]?.slice(5) ?? "") },
          // Wide enough for "100 %" (uPlot's default 50 px cuts its first digit).
          { size: 60, values: (_u, ticks) => ticks.map((t) => `${t} %`) },
        ],
        series: [
          { label: "Edition", value: (_u, v) => props.days[v] ?? "" },
          ...props.series.map((s) => ({
            label: s.name,
            stroke: s.color,
            width: 2,
            dash: s.dash,
            spanGaps: true,
          })),
        ],
      },
      [xs, ...props.series.map((s) => s.values)],
      el,
    );
    return () => plot.destroy();
  }, [props.days, props.series]);
  return <figure class="chart" aria-label={props.label} ref={ref} />;
}
