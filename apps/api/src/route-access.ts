import { type RouteAccess, routePolicyOf } from '@shardline/auth';

/**
 * Which roles each route of the api needs (README "Security" has the same table). Tenant scope is
 * checked by the handlers, which know the request's business ids. A route missing here needs
 * `admin` (secure by default); an unknown path needs any valid key (then 404).
 */
const ROUTES: Record<string, RouteAccess> = {
  'GET /health/live': 'open',
  'GET /health/ready': 'open',
  'GET /api/v1/openapi.json': 'open',
  'POST /api/v1/data/single': ['writer'],
  'POST /api/v1/data/batch': ['writer'],
  'POST /api/v1/data/moves': ['writer'],
  'PATCH /api/v1/data/:business_id/:id': ['writer'],
  'DELETE /api/v1/data/:business_id/:id': ['writer'],
  'POST /api/v1/users/:user_id/erasure': ['writer'],
  'GET /api/v1/data/page': ['reader'],
  'GET /api/v1/data/:business_id/:id': ['reader'],
  'GET /api/v1/sagas/:id': ['reader', 'writer'],
  'GET /metrics': ['admin'],
};

export const apiRouteAccess = routePolicyOf(ROUTES);
