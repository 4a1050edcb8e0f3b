/** Who/why of a command, copied into every event's metadata. Transports build it (headers, message fields). */
export interface CommandContext {
  commandId: string;
  /** True when the client chose the id (Idempotency-Key, Kafka command id): remember the result. */
  clientSupplied: boolean;
  correlationId: string;
  causationId: string | null;
  actor: string | null;
}
