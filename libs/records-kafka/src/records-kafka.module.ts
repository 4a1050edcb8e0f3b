import { DynamicModule, Module, Provider } from '@nestjs/common';
import { RecordCommandIntake } from './record-command.intake';
import { CommandTopics, recordCommandsKafkaController } from './record-commands.kafka-controller';

/** Kafka command intake; needs RecordsModule (CommandBus + handlers) and a Kafka microservice transport. */
@Module({})
export class RecordsKafkaModule {
  /** `auth`: a provider of INTAKE_AUTH (how messages prove their right); absent: no checks. */
  static forIntake(topics: CommandTopics, auth?: Provider, imports: DynamicModule[] = []): DynamicModule {
    return { module: RecordsKafkaModule, imports, controllers: [recordCommandsKafkaController(topics)], providers: [RecordCommandIntake, ...(auth ? [auth] : [])] };
  }
}
