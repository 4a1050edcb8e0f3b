import { apiRouteAccess } from './route-access';
import { queryApiRouteAccess } from '../../query-api/src/route-access';

describe('route access (the role matrix of README "Security")', () => {
  it.each([
    ['POST', '/api/v1/data/single', ['writer']],
    ['PATCH', '/api/v1/data/:business_id/:id', ['writer']],
    ['DELETE', '/api/v1/data/:business_id/:id', ['writer']],
    ['POST', '/api/v1/data/moves', ['writer']],
    ['POST', '/api/v1/users/:user_id/erasure', ['writer']],
    ['GET', '/api/v1/data/:business_id/:id', ['reader']],
    ['GET', '/api/v1/data/page', ['reader']],
    ['GET', '/api/v1/sagas/:id', ['reader', 'writer']],
    ['GET', '/metrics', ['admin']],
    ['GET', '/admin/sagas', ['admin']],
    ['POST', '/admin/keys', ['admin']],
    ['GET', '/admin/queues/api/queues', ['admin']],
    ['GET', '/health/ready', 'open'],
  ])('api %s %s needs %j', (method, route, access) => {
    expect(apiRouteAccess(method, route, route)).toEqual(access);
  });

  it.each([
    ['POST', '/api/v1/data/search', ['reader']],
    ['GET', '/api/v1/analytics/growth', ['analyst']],
    ['GET', '/api/v1/analytics/hot-businesses', ['analyst']],
    ['GET', '/metrics', ['admin']],
    ['GET', '/health/live', 'open'],
  ])('query-api %s %s needs %j', (method, route, access) => {
    expect(queryApiRouteAccess(method, route, route)).toEqual(access);
  });

  it('an unknown path needs a valid key (then 404); a route nobody listed needs admin', () => {
    expect(apiRouteAccess('GET', undefined, '/nope')).toBe('authenticated');
    expect(apiRouteAccess('PUT', '/api/v1/data/single', '/api/v1/data/single')).toEqual(['admin']);
  });
});
