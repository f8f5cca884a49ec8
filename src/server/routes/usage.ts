import { UsageQuery, type UsageReport } from '../../shared/api/usage.js';
import type { AppContext } from '../app-context.js';
import type { ParleyApp } from '../http/parley-app.js';
import { usageReport } from '../services/usage-report.js';

/** Token usage: what the replies of a connection or a chat cost, by day. */
export function usageRoutes(app: ParleyApp, ctx: AppContext) {
  app.get('/api/usage', { config: { auth: 'required' }, schema: { querystring: UsageQuery } }, async (request): Promise<UsageReport> =>
    usageReport(ctx.store, request.auth!.user.id, request.query, ctx.clock.now()),
  );
}
