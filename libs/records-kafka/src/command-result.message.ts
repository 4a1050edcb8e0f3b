/** Where a command came from; also the result's key when the command had no usable id or key. */
export interface CommandSource {
  topic: string;
  partition: number;
  offset: string;
}

/** A message from the commands topic, value already decoded (JSON object, or the raw text/bytes when it was not JSON). */
export interface IncomingCommand {
  value: unknown;
  key: string | null;
  /** The message's `authorization` header (`Bearer sl_…`), when it has one. */
  authorization?: string | null;
  source: CommandSource;
}

/** One message on records.command-results per message on records.commands. */
export type CommandResult = {
  /** null when the message carried no usable command_id (then correlate by `source`). */
  command_id: string | null;
  /** The status a REST client would have got for the same request. */
  http_status: number;
  /** True when the command_id was seen before: the first result is returned and nothing is written. */
  replayed: boolean;
  source: CommandSource;
} & (
  | { status: 'ok'; result: unknown }
  | { status: 'error'; error: { code: string; message: string; details: unknown[] } }
);

export interface OutgoingResult {
  /** business_id when known, else the incoming key, else `topic/partition/offset`. */
  key: string;
  /** The command's type once the message parsed (the metric label), else null. */
  type: string | null;
  result: CommandResult;
}
