/**
 * Calendar days in IANA time zones, with Intl only (no date library). Offsets are never assumed to be
 * whole hours, and day bounds are found by search, so DST changes (also at midnight) come out right.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A cached formatter giving the wall-clock fields of an instant in `timeZone` (Gregorian, latin digits, 24 h). */
function wallClockFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US-u-ca-gregory-nu-latn", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Local wall-clock fields of an instant. `month` is 1-based. */
interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(epochMs: number, timeZone: string): WallClock {
  const fields: Record<string, number> = {};
  for (const part of wallClockFormatter(timeZone).formatToParts(epochMs)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? Number.NaN,
    month: fields.month ?? Number.NaN,
    day: fields.day ?? Number.NaN,
    hour: (fields.hour ?? 0) % 24,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** True when `timeZone` is an IANA zone name (or "UTC") that this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== "string" || timeZone.trim() === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

function assertTimeZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown time zone "${timeZone}"`);
}

/** Returns the calendar date (`YYYY-MM-DD`) of `date` in `timeZone`. Throws RangeError on an unknown zone or invalid date. */
export function dayInZone(date: Date, timeZone: string): string {
  assertTimeZone(timeZone);
  const t = date.getTime();
  if (Number.isNaN(t)) throw new RangeError("invalid date");
  const w = wallClock(t, timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD` into [year, month (1-based), day]; throws RangeError unless it is a real date. */
export function parseDay(day: string): [number, number, number] {
  const m = DAY_RE.exec(day);
  if (m === null) throw new RangeError(`invalid day "${day}" (expected YYYY-MM-DD)`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`invalid day "${day}" (no such date)`);
  }
  return [y, mo, d];
}

/** True when `value` is a calendar day as YYYY-MM-DD. */
export function isDay(value: string): boolean {
  try {
    parseDay(value);
    return true;
  } catch {
    return false;
  }
}

/** The day after `day`, both `YYYY-MM-DD`. */
export function nextDay(day: string): string {
  const [y, m, d] = parseDay(day);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return next.toISOString().slice(0, 10);
}

const HOUR_MS = 3_600_000;

/** The first instant (epoch ms) whose local date in `timeZone` is `day` or later. */
function startOfDay(day: string, timeZone: string): number {
  const [y, m, d] = parseDay(day);
  const utcMidnight = Date.UTC(y, m - 1, d);
  // UTC offsets lie within -12 h … +14 h: at lo the local date is still before `day`, at hi it has begun.
  let lo = utcMidnight - 15 * HOUR_MS;
  let hi = utcMidnight + 13 * HOUR_MS;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (dayInZone(new Date(mid), timeZone) >= day) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Returns the UTC instants where the local day `day` (`YYYY-MM-DD`) starts and ends in `timeZone`:
 * `start` is the first instant of the day, `end` the first instant of the next day (exclusive bound).
 * A day with a DST change lasts 23 or 25 hours. Throws RangeError on a bad day or zone.
 */
export function zonedDayBounds(day: string, timeZone: string): { start: Date; end: Date } {
  assertTimeZone(timeZone);
  return { start: new Date(startOfDay(day, timeZone)), end: new Date(startOfDay(nextDay(day), timeZone)) };
}

/** Offset of `timeZone` from UTC at the instant `epochMs`, in ms (positive east of Greenwich), to the second. */
function offsetAt(epochMs: number, timeZone: string): number {
  const w = wallClock(epochMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * Returns the instant at which the wall clock in `timeZone` shows the given local date and time
 * (`month` 1-based). A time skipped by a DST change is moved forward by the length of the gap; a
 * repeated time maps to its first occurrence.
 */
export function zonedTimeToUtc(
  local: {
    year: number;
    month: number;
    day: number;
    hour?: number;
    minute?: number;
    second?: number;
    ms?: number;
  },
  timeZone: string,
): Date {
  assertTimeZone(timeZone);
  const wall = Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour ?? 0,
    local.minute ?? 0,
    local.second ?? 0,
    local.ms ?? 0,
  );
  // A wall time maps to wall - offset for one of the offsets in force around it: before or after a change.
  const before = offsetAt(wall - 26 * HOUR_MS, timeZone);
  const after = offsetAt(wall + 26 * HOUR_MS, timeZone);
  const candidates = [wall - before, wall - after, wall - offsetAt(wall, timeZone)];
  const matches = candidates.filter((t) => wall - offsetAt(t, timeZone) === t).sort((a, b) => a - b);
  if (matches[0] !== undefined) return new Date(matches[0]);
  // In a gap no instant shows this wall time: move it forward by the gap (as Temporal's "compatible" does).
  return new Date(wall - Math.min(before, after));
}

/**
 * The first instant after `now` at which the wall clock in `timeZone` shows `hour`:00 on a day later
 * than `after` (a `YYYY-MM-DD` day already done, or null): the next run of a daily schedule.
 */
export function nextDailyRun(now: Date, hour: number, timeZone: string, after: string | null = null): Date {
  let day = dayInZone(now, timeZone);
  for (;;) {
    if (after === null || day > after) {
      const [year, month, date] = parseDay(day);
      const at = zonedTimeToUtc({ year, month, day: date, hour }, timeZone);
      if (at.getTime() > now.getTime()) return at;
    }
    day = nextDay(day);
  }
}
