import type { DeadLetterPublisher } from '../apply/dead-letter.port';
import type { TopicOffsetsPort } from '../lag/topic-offsets.port';
import type { ProjectionSink } from '../projection-sink.port';

/** The broker's side of a rebuild: capture end offsets, place and watch the rebuild's own group. */
export interface RebuildOffsetsPort extends TopicOffsetsPort {
  /** Sets the group's committed offsets (the group has no member yet). */
  seekGroup(groupId: string, topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void>;
  deleteGroup(groupId: string): Promise<void>;
}

/** The rebuild's consumer of the events topic: the live runner's code, in the rebuild's group. */
export interface CatchUpConsumer {
  start(): Promise<void>;
  /** A consumer the broker client gave up on: the rebuild fails rather than waiting for its timeout. */
  isFailed(): boolean;
  stop(): Promise<void>;
}

export interface RebuildPorts {
  offsets: RebuildOffsetsPort;
  /** Where the replay's dead letters go (the catch-up consumer has its own, like the live runner). */
  deadLetters: DeadLetterPublisher;
  /** A consumer of the events topic in `groupId`, from the group's committed offsets, into `target`. */
  catchUpConsumer(groupId: string, target: ProjectionSink): CatchUpConsumer;
}
