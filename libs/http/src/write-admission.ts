import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ShardlineError } from '@shardline/errors';
import { toErrorResponse } from './error-envelope.filter';

export interface WriteAdmissionOptions {
  /** Request-body bytes of write requests (POST, PUT, PATCH, DELETE) a process works on at once. */
  maxInFlightBytes: number;
  /** Retry-After of the 503 answer. */
  retryAfterSeconds: number;
  /** The server's body limit: a larger declared body is left to Fastify's 413, and a chunked one (length unknown) is charged this much. */
  bodyLimit: number;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A write refused before its body was read: nothing was written. */
class ServerOverloadedError extends ShardlineError {
  readonly code = 'SERVER.OVERLOADED';
  readonly kind = 'unavailable';
  constructor(inFlight: number, limit: number, retryAfterSeconds: number) {
    super(`this instance is busy with ${inFlight} bytes of writes (limit ${limit}); nothing was written, retry after ${retryAfterSeconds} s`);
  }
}

/**
 * Load shedding for writes. Without it an overloaded process accepts every batch it is sent and
 * answers all of them ever later (seen at 10,000 events/s on 2 cores: p99 37 s), holding each
 * body in memory meanwhile. Past `maxInFlightBytes` of bodies in progress, a write is refused at
 * once, before its body is parsed or anything is written, with 503 SERVER.OVERLOADED and
 * Retry-After, which a client can retry (with the same Idempotency-Key) after the delay. A single
 * request is always admitted when nothing else is in flight, so the body limit, not this, decides
 * how large one request may be. Reads are not counted: they are cheap and do not hold bodies.
 *
 * A request's bytes are given back when its reply is produced (onSend: the handler's work is
 * over), or when its connection closes before the body was complete (the handler never ran).
 * A client that gives up after sending the whole body does not free anything early: its handler
 * is still working, and the budget must keep counting it.
 */
export function shedWritesBeyond(fastify: FastifyInstance, options: WriteAdmissionOptions): { inFlightBytes: () => number } {
  let inFlight = 0;
  const releases = new WeakMap<FastifyRequest, () => void>();

  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    if (!WRITE_METHODS.has(request.method)) return done();
    const bytes = chargeOf(request, options.bodyLimit);
    if (bytes === undefined) return done(); // over the body limit: Fastify answers 413 without reading it
    if (inFlight > 0 && inFlight + bytes > options.maxInFlightBytes) {
      const { status, body } = toErrorResponse(new ServerOverloadedError(inFlight, options.maxInFlightBytes, options.retryAfterSeconds));
      void reply.code(status).header('retry-after', String(options.retryAfterSeconds)).send(body);
      return;
    }
    inFlight += bytes;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inFlight -= bytes;
    };
    releases.set(request, release);
    reply.raw.once('close', () => {
      if (!request.raw.complete) release();
    });
    done();
  });

  const releaseOnReply = (request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
    releases.get(request)?.();
    done(null, payload);
  };
  fastify.addHook('onSend', releaseOnReply);
  // A fallback for a reply that finished without onSend (none known): release() runs at most once.
  fastify.addHook('onResponse', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    releases.get(request)?.();
    done();
  });
  return { inFlightBytes: () => inFlight };
}

/** Bytes a write is charged: its declared length, 0 without a body, the body limit when chunked; undefined above the body limit. */
function chargeOf(request: FastifyRequest, bodyLimit: number): number | undefined {
  const declared = request.headers['content-length'];
  if (declared !== undefined) {
    const bytes = Number(declared);
    if (!Number.isFinite(bytes) || bytes < 0) return 0; // malformed: Fastify/Node reject it
    return bytes > bodyLimit ? undefined : bytes;
  }
  return request.headers['transfer-encoding'] ? bodyLimit : 0;
}
