import type { AuditEntry } from "./ports.js";

/** The audit log as a file: CSV (RFC 4180 quoting; cells that a spreadsheet would run as formulas quoted). */
export const AUDIT_CSV_HEADER = "at,actor,via,action,target,summary";

function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function auditCsvLine(e: AuditEntry): string {
  return [e.at, e.actor, e.via, e.action, e.target, e.summary].map(cell).join(",");
}
