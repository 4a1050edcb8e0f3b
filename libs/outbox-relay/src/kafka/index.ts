export * from './kafka-event.publisher';
