import { RecordState } from './record.state';
import { RecordEvent } from './record.events';

/** A record stream before its first event: no record (also what a deletion leaves). */
export function initialState(): RecordState | null {
  return null;
}

/** Folds one event into the state. Pure: the runner derives the `records` row and the answer from it. */
export function evolve(state: RecordState | null, event: RecordEvent): RecordState | null {
  switch (event.type) {
    case 'RecordCreated':
    case 'RecordMovedIn':
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
    case 'RecordMovedOut':
    case 'RecordErased':
      return null;
  }
}

export function replay(events: RecordEvent[]): RecordState | null {
  return events.reduce(evolve, initialState());
}
