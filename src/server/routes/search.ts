import { SearchQuery, type SearchResponse } from '../../shared/api/search.js';
import type { AppContext } from '../app-context.js';
import type { ParleyApp } from '../http/parley-app.js';
import { searchMessages } from '../services/message-search.js';

export function searchRoutes(app: ParleyApp, ctx: AppContext) {
  app.get('/api/search', { config: { auth: 'required' }, schema: { querystring: SearchQuery } }, async (request): Promise<SearchResponse> =>
    searchMessages(ctx.store, request.auth!.user.id, request.query),
  );
}
