import type { DynamicModule } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { Options } from 'pino-http';

export interface HttpLogSettings {
  level: string;
  /** 'errors' logs 4xx/5xx requests only (cheap at 10k req/s); 'all' every request; 'off' none. */
  access: 'errors' | 'all' | 'off';
}

/** The request as an access line shows it (pino's request serializer hands over these fields). */
interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  remoteAddress?: string;
}

/**
 * What an access line says of its request: id, method, URL, peer address — never the headers.
 * pino's default request serializer logs every header, and `Authorization` carries the caller's
 * API key, so each 401/403/4xx line wrote a usable key into the logs. It also ran for EVERY request,
 * not only the logged ones (pino-http binds the request to a child logger when the request arrives,
 * and pino serializes bindings at once): JSON of the whole header set per request, on the api's
 * hottest path (bench/README.md, 2026-12-02 write path).
 */
export function accessLogRequest(req: SerializedRequest): SerializedRequest {
  return { id: req.id, method: req.method, url: req.url, remoteAddress: req.remoteAddress };
}

/**
 * pino-http's options of every HTTP app: structured JSON, request id = the caller's
 * X-Correlation-Id (or a new UUID), access lines at warn for 4xx, error for 5xx, info for the rest
 * only when asked, the request without its headers (accessLogRequest).
 */
export function pinoHttpOptions(log: HttpLogSettings): Options<IncomingMessage, ServerResponse> {
  return {
    level: log.level,
    autoLogging: log.access !== 'off',
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : log.access === 'all' ? 'info' : 'silent'),
    genReqId: (req) => (req.headers['x-correlation-id'] as string | undefined) ?? crypto.randomUUID(),
    serializers: { req: accessLogRequest },
  };
}

/** The pino logger of every HTTP app (see pinoHttpOptions). */
export function httpLoggerModule(log: HttpLogSettings): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: pinoHttpOptions(log) });
}
