import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';

/**
 * The load generator's own log of every write it made and what it was answered: one JSON line per
 * operation, written when the operation is settled. The auditor reads only this file and the engines.
 * Shared by both sides as a file format only (no code of the write path).
 */
export type Channel = 'rest' | 'kafka';
export type OpKind = 'create' | 'batch' | 'atomic' | 'patch' | 'delete';

export interface Attempt {
  /** Epoch ms when the attempt started, and how long it took. */
  at: number;
  ms: number;
  /** HTTP status (REST) or the result's http_status (Kafka); absent when no answer came. */
  status?: number;
  code?: string;
  /** The error message of a 5xx answer (what the server said went wrong), cut to 300 characters. */
  message?: string;
  /** timeout, connection error, send failure. */
  error?: string;
  replayed?: boolean;
}

export interface SentRecord {
  business_id: string;
  user_id: string;
  /** data_content._op of the record: finds its RecordCreated in the event store. */
  marker: string;
}

export interface AckedWrite {
  id: string;
  business_id: string;
  version: number;
  /** create/batch/atomic: the record's marker; patch: the patch's; delete: the op id (its correlation id). */
  marker: string;
}

export interface OpRecord {
  op: string;
  channel: Channel;
  kind: OpKind;
  key: string;
  business_id?: string;
  id?: string;
  if_match?: number;
  records?: SentRecord[];
  patch?: Record<string, unknown>;
  attempts: Attempt[];
  /**
   * ack: answered 2xx — every write in `acked` must be stored exactly once at its version;
   * rejected: a final 4xx — nothing may be stored;
   * unknown: never got a final answer within the retry budget — stored at most once.
   * A batch can mix: its acknowledged parts are in `acked`, the others are unknown.
   */
  outcome: 'ack' | 'rejected' | 'unknown';
  status?: number;
  code?: string;
  acked: AckedWrite[];
}

export class OpLog {
  private readonly out: WriteStream;

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { flags: 'a' });
  }

  write(record: OpRecord): void {
    this.out.write(`${JSON.stringify(record)}\n`);
  }

  close(): Promise<void> {
    return new Promise((done) => this.out.end(done));
  }

  static read(path: string): OpRecord[] {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as OpRecord);
  }
}
