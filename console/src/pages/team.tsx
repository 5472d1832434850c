import { useState } from "preact/hooks";
import { call, type Role } from "../api";
import { useAction, useLoad } from "../hooks";
import {
  Confirm,
  DataTable,
  Done,
  ErrorNote,
  Field,
  formatTime,
  needs,
  PageTitle,
  Select,
  useCan,
} from "../ui";

interface Member {
  email: string;
  role: Role;
  createdAt: string;
  addedBy: string | null;
}

const ROLES: [string, string][] = [
  ["viewer", "viewer — reads everything"],
  ["editor", "editor — stories, feeds, editions"],
  ["owner", "owner — everything"],
];

/** The team: members and roles (owners only change it), and personal API tokens. */
export function TeamPage() {
  const isOwner = useCan("owner");
  const list = useLoad(() => call<{ items: Member[] }>("/admin/team"), []);
  const action = useAction();
  const [form, setForm] = useState({ email: "", role: "editor" });
  const [removing, setRemoving] = useState<string | null>(null);
  const [token, setToken] = useState<{ email: string; token: string } | null>(null);
  const path = (email: string) => `/admin/team/${encodeURIComponent(email)}`;
  return (
    <>
      <PageTitle>Team</PageTitle>
      {isOwner ? null : <p class="muted">Changing the team {needs("owner")}.</p>}
      <ErrorNote error={list.error} />
      <ErrorNote error={action.error} />
      <Done message={action.done} />
      {token ? (
        <div class="note ok" role="status">
          A new token for {token.email} (shown once, copy it now): <code class="token">{token.token}</code>
        </div>
      ) : null}
      <DataTable
        caption="Team members"
        columns={[
          { label: "Member" },
          { label: "Role" },
          { label: "Added" },
          { label: "Actions", hidden: true },
        ]}
        empty={
          list.data?.items.length === 0
            ? "No members yet: the local admin token and the sessions of the printed sign-in link act as the owner without being one. Add people below."
            : null
        }
      >
        {list.data?.items.map((m) => (
          <tr key={m.email}>
            <td class="mono">{m.email}</td>
            <td>
              {isOwner ? (
                <select
                  aria-label={`Role of ${m.email}`}
                  value={m.role}
                  onChange={(e) => {
                    const role = e.currentTarget.value;
                    void action.run(async () => {
                      await call(path(m.email), { method: "PATCH", json: { role } });
                      list.reload();
                      return `${m.email} is now ${role}.`;
                    });
                  }}
                >
                  {ROLES.map(([r]) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              ) : (
                m.role
              )}
            </td>
            <td class="nowrap">
              {formatTime(m.createdAt)}
              {m.addedBy ? <span class="muted"> by {m.addedBy}</span> : null}
            </td>
            <td class="row-actions">
              {isOwner ? (
                <>
                  <button
                    type="button"
                    class="small"
                    onClick={() =>
                      action.run(async () => {
                        const made = await call<{ token: string }>(`${path(m.email)}/tokens`, {
                          method: "POST",
                          json: { label: "made in the console" },
                        });
                        setToken({ email: m.email, token: made.token });
                      })
                    }
                  >
                    New API token<span class="visually-hidden"> for {m.email}</span>
                  </button>
                  <button type="button" class="small danger" onClick={() => setRemoving(m.email)}>
                    Remove<span class="visually-hidden"> {m.email}</span>
                  </button>
                </>
              ) : null}
            </td>
          </tr>
        ))}
      </DataTable>
      {isOwner ? (
        <section class="panel" aria-labelledby="add-member">
          <h2 id="add-member">Add a member</h2>
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              const ok = await action.run(async () => {
                await call("/admin/team", { method: "POST", json: form });
                list.reload();
                return `${form.email} joined as ${form.role}.`;
              });
              if (ok) setForm({ email: "", role: "editor" });
            }}
          >
            <Field
              label="Member's address"
              input={{
                type: "email",
                required: true,
                value: form.email,
                onInput: (e) => setForm({ ...form, email: e.currentTarget.value }),
              }}
            />
            <Select
              label="Role"
              value={form.role}
              options={ROLES}
              onChange={(role) => setForm({ ...form, role })}
            />
            <button type="submit" class="primary" disabled={action.busy}>
              Add member
            </button>
          </form>
        </section>
      ) : null}
      <Confirm
        open={removing !== null}
        title={`Remove ${removing ?? ""}?`}
        message="They lose access at once; their API tokens stop working."
        confirmLabel="Remove"
        danger
        busy={action.busy}
        error={action.error}
        onCancel={() => setRemoving(null)}
        onConfirm={async () => {
          const email = removing as string;
          const ok = await action.run(async () => {
            await call(path(email), { method: "DELETE" });
            list.reload();
            return `${email} removed.`;
          });
          if (ok) setRemoving(null);
        }}
      />
    </>
  );
}
