import { optionOf, type SamplerSettings } from '../../shared/api/generation.js';
import type { UsageQuery, UsageReport, UsageTokens } from '../../shared/api/usage.js';
import type { Store } from '../store/store.js';
import type { UsageBucket } from '../store/usage-repository.js';

const DAY_MS = 86_400_000;
const PER_MILLION = 1_000_000;

type Prices = Pick<SamplerSettings, 'price_input' | 'price_output' | 'price_cache_read' | 'price_cache_write'>;

/**
 * What a bucket cost at a connection's prices per million tokens; null when the connection has none. Cached prompt
 * tokens are billed at the cache prices (a missing cache price bills them as input), the rest at the input price.
 */
export function estimatedCost(bucket: Omit<UsageBucket, 'day' | 'connectionId'>, prices: Prices | undefined): number | null {
  if (!prices) return null;
  const input = optionOf(prices, 'price_input');
  const output = optionOf(prices, 'price_output');
  if (input === 0 && output === 0) return null;
  const read = optionOf(prices, 'price_cache_read') || input;
  const write = optionOf(prices, 'price_cache_write') || input;
  const uncached = Math.max(0, bucket.promptTokens - bucket.cacheReadTokens - bucket.cacheWriteTokens);
  return (uncached * input + bucket.cacheReadTokens * read + bucket.cacheWriteTokens * write + bucket.completionTokens * output) / PER_MILLION;
}

const zero = (): UsageTokens => ({
  replies: 0,
  promptTokens: 0,
  completionTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  cost: null,
});

function add(into: UsageTokens, bucket: UsageBucket, cost: number | null): void {
  into.replies += bucket.replies;
  into.promptTokens += bucket.promptTokens;
  into.completionTokens += bucket.completionTokens;
  into.cacheReadTokens += bucket.cacheReadTokens;
  into.cacheWriteTokens += bucket.cacheWriteTokens;
  into.reasoningTokens += bucket.reasoningTokens;
  if (cost !== null) into.cost = (into.cost ?? 0) + cost;
}

const dayName = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Usage by day (every day of the range) and by connection, with costs at the connections' current prices. */
export async function usageReport(store: Store, userId: string, query: UsageQuery, now: number): Promise<UsageReport> {
  const offsetMs = query.tzOffset * 60_000;
  const today = Math.floor((now + offsetMs) / DAY_MS);
  const firstDay = today - query.days + 1;
  const buckets = await store.usage.daily(userId, query, firstDay * DAY_MS - offsetMs, offsetMs);
  const connections = new Map((await store.connections.list(userId)).map((c) => [c.id, c]));

  const days = Array.from({ length: query.days }, (_, i) => ({ day: dayName(firstDay + i), ...zero() }));
  const perConnection = new Map<string, UsageReport['connections'][number]>();
  const totals = zero();
  for (const bucket of buckets) {
    const connection = connections.get(bucket.connectionId);
    const cost = estimatedCost(bucket, connection?.settings);
    const day = days[bucket.day - firstDay];
    if (day) add(day, bucket, cost);
    let row = perConnection.get(bucket.connectionId);
    if (!row) {
      row = { id: bucket.connectionId, name: connection?.name ?? null, ...zero() };
      perConnection.set(bucket.connectionId, row);
    }
    add(row, bucket, cost);
    add(totals, bucket, cost);
  }
  return { days, connections: [...perConnection.values()], totals };
}
