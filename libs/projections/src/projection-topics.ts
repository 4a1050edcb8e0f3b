import { TOPICS } from '@shardline/integration-events';

export interface ProjectionTopics {
  /** Source of events (records.events). */
  events: string;
  /** Where poison messages and rejected events go (records.events.dlq). */
  deadLetter: string;
}

/** Tests inject private random topics instead. */
export const DEFAULT_PROJECTION_TOPICS: ProjectionTopics = { events: TOPICS.events, deadLetter: TOPICS.eventsDeadLetter };
