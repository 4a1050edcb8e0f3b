export * from './command-message.schemas';
export * from './command-result';
export * from './record-command-intake';
export * from './command-result.publisher';
export * from './record-commands.kafka-controller';
export * from './records-kafka.module';
