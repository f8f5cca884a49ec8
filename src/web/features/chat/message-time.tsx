import { useState } from 'react';
import { ReplyStats } from '../../../shared/api/generation.js';

let formats: { clock: Intl.DateTimeFormat; dated: Intl.DateTimeFormat; full: Intl.DateTimeFormat } | null = null;

/**
 * The formats of message times, made on first use: each costs milliseconds (the locale's data), which the app's
 * start-up does not pay. The chat makes them while its first page is on its way.
 */
export function timeFormats() {
  formats ??= {
    clock: new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }),
    dated: new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }),
    full: new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' }),
  };
  return formats;
}

/** The time as a reader wants it: the hour today, the day and hour before. */
function shortTime(at: Date, now: Date): string {
  const { clock, dated } = timeFormats();
  return at.toDateString() === now.toDateString() ? clock.format(at) : dated.format(at);
}

/** A reply's tokens and generation time from its `extra` (SillyTavern's keys), e.g. "212 tokens · 4.3 s (49.3 t/s)". */
export function replyStatsText(extra: Record<string, unknown>): string | null {
  const parsed = ReplyStats.safeParse(extra);
  if (!parsed.success) return null;
  const { token_count: tokens, gen_started: started, gen_finished: finished, model } = parsed.data;
  const seconds = started && finished ? (Date.parse(finished) - Date.parse(started)) / 1000 : Number.NaN;
  const parts: string[] = [];
  if (tokens !== undefined) parts.push(`${tokens} tokens`);
  if (Number.isFinite(seconds) && seconds >= 0) {
    const rate = tokens && seconds > 0 ? ` (${(tokens / seconds).toFixed(1)} t/s)` : '';
    parts.push(`${seconds.toFixed(1)} s${rate}`);
  }
  if (model) parts.push(model);
  return parts.length > 0 ? parts.join(' · ') : null;
}

/** When a message was written; for a reply, a tap (or hover) shows what it cost and how long it took. */
export function MessageTime({ createdAt, extra }: { createdAt: string; extra: Record<string, unknown> }) {
  const [open, setOpen] = useState(false);
  const at = new Date(createdAt);
  if (Number.isNaN(at.getTime())) return null;
  const stats = replyStatsText(extra);
  const { full } = timeFormats();
  const when = <time dateTime={createdAt}>{shortTime(at, new Date())}</time>;
  if (!stats) {
    return (
      <span className="message-time" title={full.format(at)}>
        {when}
      </span>
    );
  }
  return (
    <>
      <button
        type="button"
        className="link-button message-time"
        title={`${full.format(at)}\n${stats}`}
        aria-expanded={open}
        aria-label={`Written ${full.format(at)}: show tokens and generation time`}
        onClick={() => setOpen((value) => !value)}
      >
        {when}
      </button>
      {open && <span className="message-stats">{stats}</span>}
    </>
  );
}
