const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
/** The latest instant a JS Date can hold. */
const MAX_TIME_MS = 8.64e15;

/** SillyTavern's own stamp: "2023-5-12 @21h 32m 29s 224ms" (send_date of old chats) or "2024-09-28@01h02m03s". */
const ST_STAMP = /^(\d{4})-(\d{1,2})-(\d{1,2})\s*@\s*(\d{1,2})h\s*(\d{1,2})m\s*(\d{1,2})s(?:\s*(\d{1,3})\s*ms)?$/;
/** moment's "LL LT" as SillyTavern writes it: "June 19, 2023 2:20pm", "September 28, 2024 1:02 AM". */
const HUMAN = /^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$/;
/**
 * An ISO instant exactly as toISOString writes it, on a day and hour no calendar rolls over (days 29-31 and hour
 * 24 may: those take the general path): it is its own answer. Newer SillyTavern writes every send_date so, and an
 * import reads one per message.
 */
const CANONICAL_ISO = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): string | null {
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  // Date.UTC rolls "February 31" over into March; a real date round-trips its day.
  return date.getUTCDate() === day ? date.toISOString() : null;
}

function parseHuman(match: RegExpExecArray): string | null {
  const [, monthName, day, year, hour, minute, second, meridiem] = match;
  const month = MONTHS.findIndex((m) => m.startsWith(monthName!.toLowerCase())) + 1;
  let h = Number(hour);
  if (meridiem) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (meridiem.toLowerCase() === 'pm' ? 12 : 0);
  }
  return month === 0 ? null : utc(Number(year), month, Number(day), h, Number(minute), Number(second ?? 0));
}

function fromEpochMs(ms: number): string | null {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_TIME_MS ? new Date(ms).toISOString() : null;
}

/**
 * A SillyTavern `send_date` or `create_date` as an ISO instant, or null when it is none of the forms SillyTavern
 * has written: epoch milliseconds (number or digits), ISO 8601, its "@21h 32m 29s" stamp, or "June 19, 2023
 * 2:20pm". Stamps without a zone are read as UTC, so the result does not depend on the server's time zone;
 * the original value is kept beside it for export.
 */
export function parseSillyTavernDate(value: unknown): string | null {
  if (typeof value === 'number') return fromEpochMs(value);
  if (typeof value !== 'string') return null;
  if (CANONICAL_ISO.test(value)) return value;
  const text = value.trim();
  if (/^\d{1,16}$/.test(text)) return fromEpochMs(Number(text));
  const stamp = ST_STAMP.exec(text);
  if (stamp) {
    const [y, mo, d, h, mi, s, ms] = stamp.slice(1).map((part) => Number(part ?? 0)) as number[];
    return utc(y!, mo!, d!, h!, mi!, s!, ms!);
  }
  const human = HUMAN.exec(text);
  if (human) return parseHuman(human);
  const iso = ISO.exec(text);
  if (iso) {
    // Without a zone, JS reads date-times as local time; UTC keeps imports machine-independent.
    const ms = Date.parse(iso[1] || !text.includes(':') ? text : `${text.replace(' ', 'T')}Z`);
    return Number.isNaN(ms) ? null : fromEpochMs(ms);
  }
  return null;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** SillyTavern's `create_date` form, "2024-09-28@01h02m03s", in UTC. */
export function formatSillyTavernCreateDate(iso: string): string {
  const d = new Date(iso);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `@${pad(d.getUTCHours())}h${pad(d.getUTCMinutes())}m${pad(d.getUTCSeconds())}s`
  );
}
