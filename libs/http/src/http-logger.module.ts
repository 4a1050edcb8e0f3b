import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

export interface HttpLogSettings {
  level: string;
  /** 'errors' logs 4xx/5xx requests only (cheap at 10k req/s); 'all' every request; 'off' none. */
  access: 'errors' | 'all' | 'off';
}

/**
 * The pino logger of every HTTP app: structured JSON, request id = the caller's X-Correlation-Id
 * (or a new UUID), access lines at warn for 4xx, error for 5xx, info for the rest only when asked.
 */
export function httpLoggerModule(log: HttpLogSettings): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level: log.level,
      autoLogging: log.access !== 'off',
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : log.access === 'all' ? 'info' : 'silent',
      genReqId: (req) => (req.headers['x-correlation-id'] as string | undefined) ?? crypto.randomUUID(),
    },
  });
}
