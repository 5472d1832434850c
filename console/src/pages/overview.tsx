import type { Overview } from "../../../functions/core/events/overview";
import { call } from "../api";
import { RateChart } from "../chart";
import { useLoad } from "../hooks";
import { Badge, DataTable, ErrorNote, formatTime, Loading, PageTitle } from "../ui";

/** Overview: today's edition, the next send, alerts, and the last 30 editions' rates. */

/** SES's review thresholds: bounce rate 5 %, complaint rate 0.1 % (the send halts itself at these). */
const BOUNCE_LIMIT = 5;
const COMPLAINT_LIMIT = 0.1;

const rate = (n: number, of: number) => (of > 0 ? (100 * n) / of : null);

export function OverviewPage() {
  const overview = useLoad(() => call<Overview>("/admin/overview"), []);
  const o = overview.data;
  return (
    <>
      <PageTitle>Overview</PageTitle>
      <ErrorNote error={overview.error} />
      {overview.loading && !o ? <Loading what="the overview" /> : null}
      {o ? (
        <>
          <section class="cards" aria-label="Today">
            <div class="card">
              <h2>Today's edition</h2>
              {o.today.edition ? (
                <p>
                  <a href={`#/editions/${encodeURIComponent(o.today.edition.id)}`}>{o.today.edition.id}</a>{" "}
                  <Badge value={o.today.edition.status} />
                </p>
              ) : (
                <p class="muted">Not composed yet.</p>
              )}
            </div>
            <div class="card">
              <h2>Next send</h2>
              {o.today.nextSendAt ? (
                <p>{formatTime(o.today.nextSendAt)}</p>
              ) : (
                <p class="muted">No schedule here: digest send (or your cron) sends the day.</p>
              )}
            </div>
            <div class="card">
              <h2>Alerts</h2>
              {o.alerts.length ? (
                <ul class="alerts">
                  {o.alerts.map((a) => (
                    <li key={`${a.kind}:${a.message}`}>
                      <Badge value={a.kind} /> {a.message}
                    </li>
                  ))}
                </ul>
              ) : (
                <p class="muted">None.</p>
              )}
            </div>
          </section>
          <History history={o.history} />
        </>
      ) : null}
    </>
  );
}

function History({ history }: { history: Overview["history"] }) {
  if (history.length === 0) return <p class="muted">No editions sent yet.</p>;
  const rows = [...history].sort((a, b) => a.day.localeCompare(b.day));
  const days = rows.map((h) => h.day);
  const of = (
    pick: (h: Overview["history"][number]) => number,
    base: (h: Overview["history"][number]) => number,
  ) => rows.map((h) => rate(pick(h), base(h)));
  return (
    <section aria-labelledby="history">
      <h2 id="history">Last {rows.length} editions</h2>
      <div class="columns charts">
        <RateChart
          label="Delivery, open and click rates per edition"
          days={days}
          series={[
            {
              name: "Delivered %",
              values: of(
                (h) => h.delivered,
                (h) => h.sent,
              ),
              color: "#2f6f4f",
            },
            {
              name: "Opened %",
              values: of(
                (h) => h.opened,
                (h) => h.delivered,
              ),
              color: "#2b5c8a",
            },
            {
              name: "Clicked %",
              values: of(
                (h) => h.clicked,
                (h) => h.delivered,
              ),
              color: "#8a5a2b",
            },
          ]}
        />
        <RateChart
          label="Bounce and complaint rates per edition, with SES's limits"
          days={days}
          series={[
            {
              name: "Bounced %",
              values: of(
                (h) => h.bounced,
                (h) => h.sent,
              ),
              color: "#a33",
            },
            {
              name: "Complained %",
              values: of(
                (h) => h.complained,
                (h) => h.sent,
              ),
              color: "#6a3d9a",
            },
            { name: "Bounce limit 5 %", values: rows.map(() => BOUNCE_LIMIT), color: "#a33", dash: [4, 4] },
            {
              name: "Complaint limit 0.1 %",
              values: rows.map(() => COMPLAINT_LIMIT),
              color: "#6a3d9a",
              dash: [4, 4],
            },
          ]}
        />
      </div>
      <DataTable
        caption="Delivery figures per edition"
        columns={[
          { label: "Edition" },
          ...["Sent", "Delivered", "Opened", "Clicked", "Bounced", "Complaints"].map((label) => ({
            label,
            class: "num",
          })),
        ]}
      >
        {[...rows].reverse().map((h) => (
          <tr key={h.id}>
            <td>
              <a href={`#/editions/${encodeURIComponent(h.id)}`}>{h.day}</a>
            </td>
            <td class="num">{h.sent}</td>
            <td class="num">{h.delivered}</td>
            <td class="num">{h.opened}</td>
            <td class="num">{h.clicked}</td>
            <td class="num">{h.bounced}</td>
            <td class="num">{h.complained}</td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}
