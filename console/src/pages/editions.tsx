import { useState } from "preact/hooks";
import { call, type Page } from "../api";
import { useLoad } from "../hooks";
import { Badge, ErrorNote, formatTime, Loading, PageTitle } from "../ui";

interface EditionRow {
  id: string;
  date: string;
  status: string;
  stories: number;
  leftOut: number;
  updatedAt: string;
  delivery?: { sent: number; delivered: number; bounced: number; complained: number };
}

/** Editions, newest first, 30 days a page (the API's day cursor). */
export function EditionsPage() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const list = useLoad(() => call<Page<EditionRow>>("/admin/editions", { query: { cursor } }), [cursor]);
  return (
    <>
      <PageTitle>Editions</PageTitle>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading what="editions" /> : null}
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Editions</caption>
          <thead>
            <tr>
              <th scope="col">Edition</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Stories
              </th>
              <th scope="col" class="num">
                Sent
              </th>
              <th scope="col" class="num">
                Delivered
              </th>
              <th scope="col" class="num">
                Bounced
              </th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((e) => (
              <tr key={e.id}>
                <td>
                  <a href={`#/editions/${encodeURIComponent(e.id)}`}>{e.id}</a>
                </td>
                <td>
                  <Badge value={e.status} />
                </td>
                <td class="num">{e.stories}</td>
                <td class="num">{e.delivery?.sent ?? "—"}</td>
                <td class="num">{e.delivery?.delivered ?? "—"}</td>
                <td class="num">{e.delivery?.bounced ?? "—"}</td>
                <td class="nowrap">{formatTime(e.updatedAt)}</td>
              </tr>
            ))}
            {list.data?.items.length === 0 ? (
              <tr>
                <td colSpan={7} class="muted">
                  No editions in these days.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors([undefined])}>
          Newest
        </button>
        <button
          type="button"
          disabled={!list.data?.nextCursor}
          onClick={() => setCursors([...cursors, list.data?.nextCursor ?? undefined])}
        >
          Older
        </button>
      </nav>
    </>
  );
}
