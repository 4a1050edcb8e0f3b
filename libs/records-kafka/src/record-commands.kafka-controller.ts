import { Controller, Inject, Optional, Type } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@shardline/observability';
import { publishCommandResult } from './command-result.publisher';
import { RecordCommandIntake } from './record-command.intake';

export interface CommandTopics {
  commands: string;
  results: string;
}

/**
 * The @nestjs/microservices Kafka handler of the commands topic. Built per topic pair (the
 * pattern of @EventPattern is fixed when the class is declared), so tests can use private topics.
 * The message is read from the context rather than @Payload(): Nest hands the whole message as
 * payload when the value is null, and a tombstone must become an error result too.
 */
export function recordCommandsKafkaController(topics: CommandTopics): Type<unknown> {
  @Controller()
  class RecordCommandsKafkaController {
    private readonly handled: Counter<'type' | 'status'>;

    constructor(
      private readonly intake: RecordCommandIntake,
      @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
    ) {
      this.handled = new Counter({
        name: 'shardline_kafka_commands_total',
        help: 'Commands taken from the commands topic, by type and result status',
        labelNames: ['type', 'status'],
        registers: registry ? [registry] : [],
      });
    }

    @EventPattern(topics.commands)
    async handle(@Ctx() context: KafkaContext): Promise<void> {
      const message = context.getMessage();
      const key = message.key === null || message.key === undefined ? null : typeof message.key === 'string' ? message.key : JSON.stringify(message.key);
      const out = await this.intake.handle({
        value: message.value,
        key,
        authorization: headerText(message.headers?.authorization),
        source: { topic: context.getTopic(), partition: context.getPartition(), offset: message.offset },
      });
      await publishCommandResult(context.getProducer(), topics.results, out);
      const type = (message.value as { type?: unknown } | null)?.type;
      this.handled.inc({ type: typeof type === 'string' && type.length <= 20 ? type : 'invalid', status: out.result.status });
    }
  }
  return RecordCommandsKafkaController;
}

/** A Kafka header value as text (kafkajs hands Buffers; a repeated header arrives as an array: refused as absent-or-bad). */
function headerText(value: unknown): string | null {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'string') return value;
  return Array.isArray(value) ? 'repeated header' : null;
}
