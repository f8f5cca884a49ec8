import type { UsageReport } from '../../../shared/api/usage.js';
import { useServices } from '../../ui/services.js';
import { useResource } from '../../ui/use-resource.js';
import './usage-panel.css';

const formatTokens = (n: number) =>
  n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)} M` : n >= 10_000 ? `${Math.round(n / 1000)} k` : n.toLocaleString();
const formatCost = (cost: number | null) => (cost === null ? '' : cost < 0.01 && cost > 0 ? '< 0.01' : cost.toFixed(2));

/** Tokens per day as stacked bars (prompt below, reply above), one per day of the range; an SVG, no chart library. */
function UsageChart({ days }: { days: UsageReport['days'] }) {
  const width = 600;
  const height = 120;
  const max = Math.max(1, ...days.map((d) => d.promptTokens + d.completionTokens));
  const slot = width / days.length;
  const bar = Math.max(2, slot * 0.7);
  const y = (tokens: number) => (tokens / max) * (height - 4);
  return (
    <svg className="usage-chart" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label="Tokens per day">
      {days.map((d, i) => {
        const prompt = y(d.promptTokens);
        const reply = y(d.completionTokens);
        const x = i * slot + (slot - bar) / 2;
        return (
          <g key={d.day}>
            <title>{`${d.day}: ${d.replies} replies, ${d.promptTokens.toLocaleString()} prompt + ${d.completionTokens.toLocaleString()} reply tokens${d.cost !== null ? `, about ${formatCost(d.cost)}` : ''}`}</title>
            <rect className="usage-prompt" x={x} y={height - prompt} width={bar} height={prompt} />
            <rect className="usage-reply" x={x} y={height - prompt - reply} width={bar} height={reply} />
          </g>
        );
      })}
    </svg>
  );
}

/**
 * What a connection's or a chat's replies cost, by day over the last 30 days: a chart, the totals, and an estimated
 * cost where the connection has prices. Counts come from the APIs that report them.
 */
export function UsagePanel({ connectionId, chatId }: { connectionId?: string; chatId?: string }) {
  const { api } = useServices();
  const key = connectionId ? `usage:connection:${connectionId}` : `usage:chat:${chatId ?? ''}`;
  const report = useResource((signal) => api.usage.report({ connectionId, chatId }, signal), ['connections', ...(chatId ? [`chat:${chatId}`] : [])], key);
  if (report.error) return <p className="form-problem">{report.error.message}</p>;
  const data = report.data;
  if (!data) return <p className="muted">Loading usage…</p>;
  const { totals } = data;
  if (totals.replies === 0) {
    return <p className="muted">No token counts in the last 30 days yet (they are kept for APIs that report them).</p>;
  }
  const first = data.days[0]?.day ?? '';
  const last = data.days.at(-1)?.day ?? '';
  return (
    <section className="usage-panel" aria-label="Token usage">
      <UsageChart days={data.days} />
      <p className="usage-axis muted">
        <span>{first}</span>
        <span>
          <span className="usage-key usage-prompt" /> prompt <span className="usage-key usage-reply" /> reply
        </span>
        <span>{last}</span>
      </p>
      <dl className="usage-totals">
        <div>
          <dt>Replies</dt>
          <dd>{totals.replies.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Prompt tokens</dt>
          <dd>{formatTokens(totals.promptTokens)}</dd>
        </div>
        <div>
          <dt>Reply tokens</dt>
          <dd>{formatTokens(totals.completionTokens)}</dd>
        </div>
        {totals.cacheReadTokens + totals.cacheWriteTokens > 0 && (
          <div>
            <dt>Cached (read / written)</dt>
            <dd>
              {formatTokens(totals.cacheReadTokens)} / {formatTokens(totals.cacheWriteTokens)}
            </dd>
          </div>
        )}
        <div>
          <dt>Estimated cost</dt>
          <dd>{totals.cost === null ? 'enter prices in the connection' : formatCost(totals.cost)}</dd>
        </div>
      </dl>
      {chatId && data.connections.length > 1 && (
        <p className="muted">
          {data.connections.map((c) => `${c.name ?? 'deleted connection'}: ${c.replies} replies${c.cost !== null ? `, ${formatCost(c.cost)}` : ''}`).join(' · ')}
        </p>
      )}
    </section>
  );
}
