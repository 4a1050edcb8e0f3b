import type { RecordState } from '@shardline/records';
import { canonicalJson, MoveFingerprinter } from './move-fingerprint';

const record = (userId: string, dataContent: Record<string, unknown>): RecordState => ({
  id: '1',
  businessId: 'b',
  userId,
  dataContent,
  version: 1,
  createdTime: new Date(0),
  updatedTime: new Date(0),
});

const fingerprint = (...records: Array<[number, RecordState]>) => {
  const f = new MoveFingerprinter();
  for (const [position, r] of records) f.add(position, r);
  return f.result();
};

describe('MoveFingerprinter', () => {
  it('fingerprints alike whatever the key order of the content', () => {
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":2,"d":1}]}');
    expect(fingerprint([0, record('1', { a: 1, b: { c: 2, d: 3 } })])).toEqual(fingerprint([0, record('1', { b: { d: 3, c: 2 }, a: 1 })]));
  });

  it('differs when a content, a user, a position or a count differs', () => {
    const base = fingerprint([0, record('1', { a: 1 })], [1, record('2', { a: 2 })]);
    expect(base.count).toBe(2);
    expect(fingerprint([0, record('1', { a: 1 })], [1, record('2', { a: 3 })]).checksum).not.toBe(base.checksum);
    expect(fingerprint([0, record('1', { a: 1 })], [1, record('3', { a: 2 })]).checksum).not.toBe(base.checksum);
    expect(fingerprint([1, record('1', { a: 1 })], [0, record('2', { a: 2 })]).checksum).not.toBe(base.checksum);
    expect(fingerprint([0, record('1', { a: 1 })])).not.toEqual(base);
  });
});
