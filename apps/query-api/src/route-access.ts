import { type RouteAccess, routePolicyOf } from '@shardline/auth';

/**
 * Which roles each route of the query-api needs (README "Security"). Tenant scope is checked by
 * the handlers. A route missing here needs `admin`; an unknown path needs any valid key (then 404).
 */
const ROUTES: Record<string, RouteAccess> = {
  'GET /health/live': 'open',
  'GET /health/ready': 'open',
  'GET /api/v1/openapi.json': 'open',
  'GET /api/v1/data/page': ['reader'],
  'GET /api/v1/data/:business_id/:id': ['reader'],
  'POST /api/v1/data/search': ['reader'],
  'GET /api/v1/analytics/records-per-day': ['analyst'],
  'GET /api/v1/analytics/hot-businesses': ['analyst'],
  'GET /api/v1/analytics/growth': ['analyst'],
  'GET /api/v1/analytics/active-users': ['analyst'],
  'GET /metrics': ['admin'],
};

export const queryApiRouteAccess = routePolicyOf(ROUTES);
