import { useState } from "preact/hooks";
import { call, type Page } from "../api";
import { useLoad } from "../hooks";
import { Badge, DataTable, ErrorNote, formatTime, Loading, PageTitle } from "../ui";

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
      <DataTable
        caption="Editions"
        columns={[
          { label: "Edition" },
          { label: "Status" },
          { label: "Stories", class: "num" },
          { label: "Sent", class: "num" },
          { label: "Delivered", class: "num" },
          { label: "Bounced", class: "num" },
          { label: "Updated" },
        ]}
        empty={list.data?.items.length === 0 ? "No editions in these days." : null}
      >
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
      </DataTable>
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
