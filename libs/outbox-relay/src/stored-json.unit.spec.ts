import type { StoredEvent } from '@shardline/event-store';
import { encodeEnvelope, envelopeOf, erasedEnvelope, sealEnvelope } from '@shardline/integration-events';
import { encodeRelayedEnvelope, parseStoredJson, parseStoredObject } from './stored-json';

function storedEvent(dataText: string): StoredEvent {
  return {
    shard: 2,
    position: '9007199254740993',
    streamId: 'record-386625113668743243',
    streamVersion: 3,
    type: 'RecordUpdated',
    schemaVersion: 1,
    data: parseStoredObject(dataText),
    metadata: parseStoredJson('{"eventId":"e-1","commandId":"c-\\"1\\"","correlationId":"corr","causationId":null,"actor":"ops"}') as StoredEvent['metadata'],
    createdTime: new Date('2026-12-02T21:10:12.672Z'),
  };
}

const SEALED_AT_WRITE = JSON.stringify({
  id: '386625113668743243',
  business_id: 'bench-biz-997',
  user_id: '9998',
  created_time: '2026-12-02T21:10:10.245Z',
  sealed: { alg: 'A256GCM', iv: '10q9hCpT9Ta7Pyo5', ct: 'hB0dpSbx8AZKfuL30rQ8fDyZ+/==', tag: 'A5CIKyBQH1Ess4oxEA7zHQ==' },
});

describe('stored JSON of the relay', () => {
  it('parses as mysql2 does with supportBigNumbers: integer literals beyond 2^53 stay exact strings, everything else as JSON.parse', () => {
    const text = '{"a":12345678901234567890,"b":"123456789012345678","c":1.5,"d":[9007199254740993,-9007199254740993,9007199254740991],"e":1e300,"f":{"g":90071992547409930}}';
    expect(parseStoredJson(text)).toEqual({
      a: '12345678901234567890',
      b: '123456789012345678',
      c: 1.5,
      d: ['9007199254740993', '-9007199254740993', 9007199254740991],
      e: 1e300,
      f: { g: '90071992547409930' },
    });
    expect(parseStoredJson('{"id":"386625113668743243","n":[1,2.5,null,true]}')).toEqual({ id: '386625113668743243', n: [1, 2.5, null, true] });
  });

  it('encodes an envelope of stored data to the very bytes encodeEnvelope gives, without serialising data again', () => {
    for (const text of [SEALED_AT_WRITE, JSON.stringify({ id: '1', business_id: 'b"\\ü', user_id: '2', data_content: { x: [1, { y: 'ü\u2028' }] } }), '{}']) {
      const envelope = envelopeOf(storedEvent(text));
      expect(encodeRelayedEnvelope(envelope).toString('utf8')).toBe(encodeEnvelope(envelope).toString('utf8'));
    }
  });

  it('embeds the stored text as it is (a consumer parses it to the same data)', () => {
    const envelope = envelopeOf(storedEvent('{ "id" : "1", "business_id": "b", "user_id": "2", "data_content": {"k": 1} }'));
    const value = encodeRelayedEnvelope(envelope).toString('utf8');
    expect(value.endsWith(',"data":{ "id" : "1", "business_id": "b", "user_id": "2", "data_content": {"k": 1} }}')).toBe(true);
    expect(JSON.parse(value)).toEqual(JSON.parse(encodeEnvelope(envelope).toString('utf8')));
  });

  it('never embeds the stored text for data derived from it: a sealed or erased envelope is serialised from its own data', () => {
    const clear = envelopeOf(storedEvent(JSON.stringify({ id: '1', business_id: 'b', user_id: '2', data_content: { secret: 'in clear' }, updated_time: 't' })));
    const sealed = sealEnvelope(clear, Buffer.alloc(32, 7));
    const value = encodeRelayedEnvelope(sealed).toString('utf8');
    expect(value).toBe(encodeEnvelope(sealed).toString('utf8'));
    expect(value).not.toContain('in clear');
    expect(encodeRelayedEnvelope(erasedEnvelope(clear)).toString('utf8')).not.toContain('in clear');
  });

  it('serialises data the big-integer reviver changed, so the value carries what the relay published before (the exact string)', () => {
    const envelope = envelopeOf(storedEvent('{"id":"1","business_id":"b","user_id":"2","data_content":{"n":12345678901234567890}}'));
    const value = encodeRelayedEnvelope(envelope).toString('utf8');
    expect(value).toBe(encodeEnvelope(envelope).toString('utf8'));
    expect(value).toContain('"n":"12345678901234567890"');
  });
});
