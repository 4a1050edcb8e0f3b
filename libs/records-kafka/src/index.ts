export * from './command-message.schemas';
export * from './command-message.parser';
export * from './command-result.message';
export * from './record-command.intake';
export * from './command-result.publisher';
export * from './kafka-command.consumer';
export * from './records-kafka.module';
export * from './intake-authorizer';
