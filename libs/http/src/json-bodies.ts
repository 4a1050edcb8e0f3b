import type { FastifyInstance, FastifyRequest } from 'fastify';

/** RFC 7386's own media type for a JSON merge patch, what PATCH clients following the RFC send. */
export const MERGE_PATCH_MEDIA_TYPE = 'application/merge-patch+json';

/** Methods whose requests carry no body in this API: a JSON Content-Type with nothing after it is fine. */
const BODYLESS_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS']);

/**
 * The request bodies the HTTP apps parse: JSON only, under `application/json` and RFC 7386's
 * `application/merge-patch+json`, with Fastify's own parser (prototype-poisoning checks, body limit).
 * Everything else (text/plain included) answers 415. A DELETE sent with `Content-Type:
 * application/json` and no body, as many HTTP clients do, is a request without a body, not invalid
 * JSON; a POST or PATCH without one still gets 400 INVALID_JSON.
 */
export function acceptJsonBodies(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(['application/json', MERGE_PATCH_MEDIA_TYPE], { parseAs: 'string' }, (request: FastifyRequest, body: string, done) => {
    if (body.length === 0 && BODYLESS_METHODS.has(request.method)) return done(null, undefined);
    return parseJson(request, body, done);
  });
}
