import { RecordState } from './record';
import { RecordEvent } from './record.events';

/** Folds one event into the state (null = no record / deleted). Pure; used for replays and tests. */
export function evolve(state: RecordState | null, event: RecordEvent): RecordState | null {
  switch (event.type) {
    case 'RecordCreated':
      return {
        id: event.data.id,
        businessId: event.data.business_id,
        userId: event.data.user_id,
        dataContent: event.data.data_content,
        version: 1,
        createdTime: new Date(event.data.created_time),
        updatedTime: new Date(event.data.created_time),
      };
    case 'RecordUpdated':
      if (!state) return state;
      return { ...state, dataContent: event.data.data_content, version: state.version + 1, updatedTime: new Date(event.data.updated_time) };
    case 'RecordDeleted':
      return null;
  }
}

export function replay(events: RecordEvent[]): RecordState | null {
  return events.reduce<RecordState | null>(evolve, null);
}
