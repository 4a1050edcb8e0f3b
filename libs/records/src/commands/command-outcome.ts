/**
 * The status of a command's answer, decided once here (runner, batch handler) so that transports
 * only translate: REST answers with it, the Kafka intake reports it as `http_status`.
 */
export type CommandStatus = 200 | 201 | 202 | 207 | 422 | 500 | 503;

export interface CommandOutcome<TResponse> {
  status: CommandStatus;
  response: TResponse;
  /** True when an earlier execution's response was returned and nothing was written. */
  replayed: boolean;
}
