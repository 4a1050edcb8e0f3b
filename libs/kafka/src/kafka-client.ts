import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { KafkaConfig } from './kafka.config';
import { fixKafkajsIdleTimer } from './kafkajs-idle-timer-fix';

export type KafkaLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) => void;

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * One kafkajs client per process. kafkajs logs through the given function (the app's pino
 * logger) instead of its own console logger; without one, only errors reach stderr.
 * Retries are left to kafkajs' own exponential backoff (initial 300 ms, 8 retries). kafkajs' idle
 * 1 ms timer per connection is switched off first (kafkajs-idle-timer-fix.ts).
 */
export function createKafka(config: KafkaConfig, log?: KafkaLog): Kafka {
  fixKafkajsIdleTimer();
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    logLevel: log ? logLevel.WARN : logLevel.ERROR,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...extra } = entry;
        const name = LEVELS[level] ?? 'info';
        if (log) log(name, `kafka: ${message}`, extra);
        else if (name === 'error') process.stderr.write(`kafka: ${message} ${JSON.stringify(extra)}\n`);
      },
  });
}
