import MailComposer from "nodemailer/lib/mail-composer";
import type { DigestConfig } from "../kernel/config.js";
import type { EditionRecord, Mailer, Outbox } from "../kernel/ports.js";

/**
 * The approval request: when an edition waits for approval (edition/approval.ts), the people who may
 * approve it get a short mail with a link to its page in the admin console.
 */

/**
 * Who may approve an edition besides config `approvalNotify`: the team's editors and owners. A small
 * port so the team store (issue 17's team) can answer it; absent, only `approvalNotify` is mailed.
 */
export interface ApproverDirectory {
  /** Addresses of the members with the editor or owner role. */
  approvers(): Promise<string[]>;
}

export interface ApprovalMailDeps {
  config: Pick<
    DigestConfig,
    | "approvalNotify"
    | "consoleBaseUrl"
    | "publicBaseUrl"
    | "senderAddress"
    | "senderName"
    | "brandName"
    | "timeZone"
  >;
  mailer: Mailer;
  outbox?: Outbox | null;
  team?: ApproverDirectory | null;
}

/** Outbox folder and SES tag of approval requests (out/approval/<email>.eml locally). */
export const APPROVAL_OUTBOX = "approval";

/** The console's page of an edition: `<console base>/console/#/editions/<id>`. */
export function consoleEditionUrl(
  config: Pick<DigestConfig, "consoleBaseUrl" | "publicBaseUrl">,
  editionId: string,
): string {
  return `${config.consoleBaseUrl ?? config.publicBaseUrl}/console/#/editions/${encodeURIComponent(editionId)}`;
}

function requestText(deps: ApprovalMailDeps, edition: EditionRecord): { subject: string; text: string } {
  const lead = edition.stories[0]?.headline;
  const deadline = edition.approval?.deadline;
  const when = deadline
    ? `It goes out at ${new Intl.DateTimeFormat("en-GB", { timeStyle: "short", timeZone: deps.config.timeZone }).format(new Date(deadline))} (${deps.config.timeZone}) unless an editor holds it.`
    : "Nothing goes out until an editor approves it.";
  return {
    subject: `${deps.config.brandName}: the ${edition.date} edition awaits approval`,
    text: [
      `The ${edition.date} edition of ${deps.config.brandName} is composed: ${edition.stories.length} stor${edition.stories.length === 1 ? "y" : "ies"}${lead ? `, led by "${lead}"` : ""}.`,
      when,
      `Preview and approve it: ${consoleEditionUrl(deps.config, edition.editionId)}`,
      `(or: digest editions approve ${edition.editionId})`,
    ].join("\n\n"),
  };
}

/**
 * Mails the approval request for `edition` to `approvalNotify` and the team's approvers (each address
 * once). A failure to one address does not stop the others; returns who got it and who did not.
 */
export async function requestApproval(
  deps: ApprovalMailDeps,
  edition: EditionRecord,
): Promise<{ sent: string[]; failed: { email: string; error: string }[] }> {
  const team = (await deps.team?.approvers()) ?? [];
  const recipients = [...new Set([...deps.config.approvalNotify, ...team].map((e) => e.toLowerCase()))];
  const { subject, text } = requestText(deps, edition);
  const sent: string[] = [];
  const failed: { email: string; error: string }[] = [];
  for (const email of recipients) {
    try {
      const raw = await new MailComposer({
        from: { name: deps.config.senderName, address: deps.config.senderAddress },
        to: email,
        subject,
        text,
        headers: { "Auto-Submitted": "auto-generated" },
      })
        .compile()
        .build();
      await deps.mailer.sendRaw(raw, { to: email, editionId: APPROVAL_OUTBOX });
      await deps.outbox?.writeMessage(APPROVAL_OUTBOX, email, raw);
      sent.push(email);
    } catch (err) {
      failed.push({ email, error: (err as Error).message ?? String(err) });
    }
  }
  return { sent, failed };
}
