import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import { isShardlineError } from '@shardline/errors';
import { STATUS_OF_KIND } from './status-of-kind';

/** What a refusal of the request as a whole names as its field: the body, the path, a header. */
const BODY = '(body)';
const PATH = '(path)';
const CONTENT_TYPE = 'Content-Type';

/** Errors Fastify raises before Nest sees the request (routing, body parsing, limits); each names what was wrong. */
const FASTIFY_CODES: Record<string, { code: string; message: string; field: string; status?: number }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'request body exceeds the body limit', field: BODY },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', message: 'request body is not valid JSON', field: BODY },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_JSON', message: 'request body is empty', field: BODY },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send application/json', field: CONTENT_TYPE },
  // A path with a broken percent-escape (`%C0%AE`, `%zz`): no route can be chosen for it.
  FST_ERR_BAD_URL: { code: 'BAD_URL', message: 'the path has an invalid percent-encoding', field: PATH, status: 400 },
  // A path segment longer than MAX_PATH_PARAM_LENGTH: far beyond any id, refused like other bad input.
  FST_ERR_MAX_PARAM_LENGTH: { code: 'BAD_URL', message: 'a path segment is too long', field: PATH, status: 400 },
};

/** Stable codes (and the field they concern) for the statuses the framework itself produces (routing, body parsing). */
const HTTP_CODES: Record<number, (message: string) => { code: string; field?: string }> = {
  400: (message) => (/JSON/i.test(message) ? { code: 'INVALID_JSON', field: BODY } : { code: 'BAD_REQUEST', field: BODY }),
  404: () => ({ code: 'ROUTE_NOT_FOUND' }),
  405: () => ({ code: 'METHOD_NOT_ALLOWED' }),
  413: () => ({ code: 'PAYLOAD_TOO_LARGE', field: BODY }),
  415: () => ({ code: 'UNSUPPORTED_MEDIA_TYPE', field: CONTENT_TYPE }),
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
    return { status: known.status ?? fastify.statusCode ?? 400, body: envelope(known.code, `${known.message}: ${fastify.message}`, [{ field: known.field, message: known.message }]) };
  }
  const status = exception instanceof HttpException ? exception.getStatus() : fastify?.statusCode;
  if (status && status >= 400 && status < 500) {
    const message = (exception instanceof HttpException ? exception.message : fastify.message) ?? 'bad request';
    const known = HTTP_CODES[status]?.(message);
    return { status, body: envelope(known?.code ?? `HTTP_${status}`, message, known?.field ? [{ field: known.field, message }] : []) };
  }
  if (exception instanceof HttpException) {
    return { status: exception.getStatus(), body: envelope(`HTTP_${exception.getStatus()}`, exception.message, []) };
  }
  return { status: 500, body: envelope('INTERNAL', 'internal error', []) };
}

/**
 * Fastify's `frameworkErrors`: routing failures it answers itself (a broken percent-escape, an
 * overlong path segment) leave in the error envelope too, as 400 naming `(path)`.
 */
export function frameworkErrorsInEnvelope(error: Error, _request: unknown, reply: FastifyReply): void {
  const { status, body } = toErrorResponse(error);
  void reply.code(status).send(body);
}

/** Node's own refusals of a request it could not parse (Fastify's `clientErrorHandler`), in the envelope. */
const CLIENT_ERRORS: Record<string, { status: number; reason: string; code: string; field: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'Request Header Fields Too Large', code: 'HEADERS_TOO_LARGE', field: '(headers)', message: 'the request line and headers exceed 16 KiB' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', code: 'REQUEST_TIMEOUT', field: '(request)', message: 'the request was not received in time' },
};
const MALFORMED = { status: 400, reason: 'Bad Request', code: 'BAD_REQUEST', field: '(request)', message: 'the request is not well-formed HTTP' };

/**
 * Fastify's `clientErrorHandler`: a request Node could not parse (headers over its limit, broken
 * framing) is answered on the socket in the error envelope, like every other refusal, then closed.
 */
export function clientErrorsInEnvelope(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED;
  const body = JSON.stringify(envelope(known.code, known.message, [{ field: known.field, message: known.message }]));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${known.status} ${known.reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

/**
 * Longest path segment the router accepts (Fastify's default, 100 characters, refused a valid
 * business_id of 64 non-ASCII characters, percent-encoded to up to 768, with a bare 414).
 */
export const MAX_PATH_PARAM_LENGTH = 2048;

function envelope(code: string, message: string, details: unknown[]): ErrorBody {
  return { error: { code, message, details } };
}

/** Fastify options of every HTTP app: path segments up to MAX_PATH_PARAM_LENGTH, and the refusals Fastify and Node make themselves in the envelope. */
export const envelopeFastifyOptions = {
  routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
  frameworkErrors: frameworkErrorsInEnvelope,
  clientErrorHandler: clientErrorsInEnvelope,
};
