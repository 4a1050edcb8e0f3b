import { ShardlineError } from '@shardline/errors';
import type { AppendCommand, AppendOutcome, EventStore, StagedStream, StoredCommandResult, StoredEvent } from '@shardline/event-store';
import { PERSONAL_FIELDS, sealEventData } from '@shardline/integration-events';
import type { UserKeys } from './user-keys.port';

/** A write of personal content for a user whose data was erased: their key is gone for good, nothing can be sealed for them. */
export class UserErasedError extends ShardlineError {
  readonly code = 'USER.ERASED';
  readonly kind = 'unprocessable';
  constructor(userId: string) {
    super(`user ${userId} was erased; new data for this user id is refused`, { details: [{ field: 'user_id', message: 'was erased' }] });
  }
}

/**
 * Seals the personal content of every event before it is appended (docs/adr/0005): the event
 * store, the outbox relay, Kafka, the dead letters and backups all carry the same ciphertext, and
 * erasing the user (forgetting the key) makes all of them unreadable without touching a row. The
 * keys of a whole command in one keysFor call (cached; a new user's key is created once). Every
 * other call goes straight to the wrapped store.
 */
export class SealingEventStore<TState> implements EventStore<TState> {
  constructor(
    private readonly inner: EventStore<TState>,
    private readonly keys: UserKeys,
  ) {}

  async append(command: AppendCommand<TState>): Promise<AppendOutcome> {
    return this.inner.append(await this.sealed(command));
  }

  async appendBatch(command: AppendCommand<TState>): Promise<AppendOutcome> {
    return this.inner.appendBatch(await this.sealed(command));
  }

  findCommandResult(shard: number, commandId: string): Promise<StoredCommandResult | null> {
    return this.inner.findCommandResult(shard, commandId);
  }

  findCommandResultsByPrefix(shard: number, prefix: string): Promise<StoredCommandResult[]> {
    return this.inner.findCommandResultsByPrefix(shard, prefix);
  }

  readStream(shard: number, streamId: string): Promise<StoredEvent[]> {
    return this.inner.readStream(shard, streamId);
  }

  releaseStaged(shard: number, writeSetId: string, streams: readonly StagedStream[]): Promise<number> {
    return this.inner.releaseStaged(shard, writeSetId, streams);
  }

  discardStaged(shard: number, writeSetId: string, streams: readonly StagedStream[]): Promise<number> {
    return this.inner.discardStaged(shard, writeSetId, streams);
  }

  private async sealed(command: AppendCommand<TState>): Promise<AppendCommand<TState>> {
    const users = new Set<string>();
    for (const write of command.writes) for (const event of write.events) if (hasPersonalContent(event.data)) users.add(userOf(event.data));
    if (users.size === 0) return command;
    const keys = await this.keys.keysFor([...users]);
    return {
      ...command,
      writes: command.writes.map((write) => ({
        ...write,
        events: write.events.map((event, i) => {
          if (!hasPersonalContent(event.data)) return event;
          const userId = userOf(event.data);
          const key = keys.get(userId);
          if (!key) throw new UserErasedError(userId);
          return { ...event, data: sealEventData(event.data as Record<string, unknown>, key, { streamId: write.streamId, streamVersion: write.expectedVersion + i + 1, userId }) };
        }),
      })),
    };
  }
}

function hasPersonalContent(data: unknown): boolean {
  return typeof data === 'object' && data !== null && PERSONAL_FIELDS.some((field) => field in data);
}

function userOf(data: unknown): string {
  return String((data as { user_id?: unknown }).user_id);
}
