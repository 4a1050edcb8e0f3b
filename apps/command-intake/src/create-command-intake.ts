import { NestFactory } from '@nestjs/core';
import { INestMicroservice } from '@nestjs/common';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import { Partitioners } from 'kafkajs';
import { Logger } from 'nestjs-pino';
import { CommandIntakeModule } from './app.module';
import { CommandIntakeConfig } from './config';

/**
 * The command intake as a Nest Kafka microservice (kafkajs underneath). Offsets are committed
 * only after a message's handler resolved, i.e. after its result was acknowledged by the broker;
 * a crash before that redelivers the command, and its command_id makes the redelivery a replay.
 */
export async function createCommandIntake(config: CommandIntakeConfig): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(CommandIntakeModule.forRoot(config), {
    transport: Transport.KAFKA,
    options: {
      postfixId: '',
      client: {
        clientId: config.kafka.clientId,
        brokers: config.kafka.brokers,
        connectionTimeout: config.kafka.connectionTimeoutMs,
        requestTimeout: config.kafka.requestTimeoutMs,
      },
      consumer: { groupId: config.groupId, allowAutoTopicCreation: false },
      // A new group starts at the beginning: replays are harmless (command ids), skipped commands are not.
      subscribe: { fromBeginning: true },
      run: { autoCommit: true },
      // Results keyed by business_id land like the Java client would place them (murmur2).
      producer: { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner },
    },
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  return app;
}
