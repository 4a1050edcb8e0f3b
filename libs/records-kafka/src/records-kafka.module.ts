import { Module } from '@nestjs/common';
import { RecordCommandIntake } from './record-command.intake';

/**
 * The transport-free intake (RecordCommandIntake) for a Nest context that has RecordsModule
 * (CommandBus + handlers); KafkaCommandConsumer feeds it from the commands topic.
 */
@Module({ providers: [RecordCommandIntake], exports: [RecordCommandIntake] })
export class RecordsKafkaModule {}
