import { DynamicModule, Module, Provider } from '@nestjs/common';
import { RecordCommandIntake } from './record-command.intake';

/**
 * The transport-free intake (RecordCommandIntake) for a Nest context that has RecordsModule
 * (CommandBus + handlers); KafkaCommandConsumer feeds it from the commands topic.
 */
@Module({})
export class RecordsKafkaModule {
  /** `auth`: a provider of INTAKE_AUTH (how messages prove their right); absent: no checks. */
  static forIntake(auth?: Provider, imports: DynamicModule[] = []): DynamicModule {
    return { module: RecordsKafkaModule, imports, providers: [RecordCommandIntake, ...(auth ? [auth] : [])], exports: [RecordCommandIntake] };
  }
}
