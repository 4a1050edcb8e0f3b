import { DynamicModule, Module } from '@nestjs/common';
import { RecordCommandIntake } from './record-command.intake';
import { CommandTopics, recordCommandsKafkaController } from './record-commands.kafka-controller';

/** Kafka command intake; needs RecordsModule (CommandBus + handlers) and a Kafka microservice transport. */
@Module({})
export class RecordsKafkaModule {
  static forIntake(topics: CommandTopics): DynamicModule {
    return { module: RecordsKafkaModule, controllers: [recordCommandsKafkaController(topics)], providers: [RecordCommandIntake] };
  }
}
