import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isShardlineError } from '@shardline/errors';
import { STATUS_OF_KIND } from './status-of-kind';

/** Errors Fastify raises before Nest sees the request (body parsing, limits). */
const FASTIFY_CODES: Record<string, { code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'request body exceeds the body limit' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', message: 'request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_JSON', message: 'request body is empty' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send application/json' },
};

/** Stable codes for the statuses the framework itself produces (routing, body parsing). */
const HTTP_CODES: Record<number, (message: string) => string> = {
  400: (message) => (/JSON/i.test(message) ? 'INVALID_JSON' : 'BAD_REQUEST'),
  404: () => 'ROUTE_NOT_FOUND',
  405: () => 'METHOD_NOT_ALLOWED',
  413: () => 'PAYLOAD_TOO_LARGE',
  415: () => 'UNSUPPORTED_MEDIA_TYPE',
};

export interface ErrorBody {
  error: { code: string; message: string; details: unknown[] };
}

/**
 * Every error leaves as `{ "error": { code, message, details } }`. Bad input never becomes a 500;
 * a 500 means a bug and is logged with its stack.
 */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = toErrorResponse(exception);
    if (status >= 500 && status !== 503) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (status === 503) reply.header('Retry-After', '1');
    void reply.status(status).send(body);
  }
}

export function toErrorResponse(exception: unknown): { status: number; body: ErrorBody } {
  if (isShardlineError(exception)) {
    return { status: STATUS_OF_KIND[exception.kind], body: envelope(exception.code, exception.message, exception.details) };
  }
  const fastify = exception as { code?: string; statusCode?: number; message?: string };
  if (fastify?.code && FASTIFY_CODES[fastify.code]) {
    const known = FASTIFY_CODES[fastify.code];
    return { status: fastify.statusCode ?? 400, body: envelope(known.code, `${known.message}: ${fastify.message}`, []) };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return { status, body: envelope(HTTP_CODES[status]?.(exception.message) ?? `HTTP_${status}`, exception.message, []) };
  }
  if (fastify?.statusCode && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return { status: fastify.statusCode, body: envelope(`HTTP_${fastify.statusCode}`, fastify.message ?? 'bad request', []) };
  }
  return { status: 500, body: envelope('INTERNAL', 'internal error', []) };
}

function envelope(code: string, message: string, details: unknown[]): ErrorBody {
  return { error: { code, message, details } };
}
