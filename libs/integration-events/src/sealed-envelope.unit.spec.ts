import { randomBytes } from 'node:crypto';
import { decodeEnvelope, encodeEnvelope, type RecordEventEnvelope } from './record-event-envelope';
import { erasedEnvelope, isPoisonEnvelopeError, openEnvelope, sealEnvelope, SealedEnvelopeError, strictBase64 } from './sealed-envelope';

const MARKER = 'wombat-lamp-7f3a';

function created(change: Partial<RecordEventEnvelope> = {}): RecordEventEnvelope {
  return {
    envelope_version: 1,
    event_id: 'e-1',
    event_type: 'RecordCreated',
    schema_version: 1,
    stream_id: 'record-1001',
    stream_version: 1,
    shard: 2,
    position: '42',
    business_id: 'acme',
    user_id: '7',
    record_id: '1001',
    occurred_at: '2026-01-02T03:04:05.678Z',
    command_id: 'c-1',
    correlation_id: 'corr',
    causation_id: null,
    actor: null,
    data: { id: '1001', business_id: 'acme', user_id: '7', data_content: { note: MARKER, n: 1 }, created_time: '2026-01-02T03:04:05.678Z' },
    ...change,
  };
}

const updated = created({ event_id: 'e-2', event_type: 'RecordUpdated', stream_version: 2, data: { id: '1001', business_id: 'acme', user_id: '7', patch: { note: MARKER }, data_content: { note: MARKER, n: 1 }, updated_time: 'x' } });
const key = randomBytes(32);
const onTheWire = (e: RecordEventEnvelope) => decodeEnvelope(encodeEnvelope(e));

describe('sealed envelopes (version 2)', () => {
  it('seals data_content and patch, leaves the rest in clear, and opens back into the same version-1 envelope', () => {
    for (const plain of [created(), updated]) {
      const sealed = sealEnvelope(plain, key);
      expect(sealed.envelope_version).toBe(2);
      expect(sealed.data).toEqual({ ...Object.fromEntries(Object.entries(plain.data).filter(([k]) => k !== 'data_content' && k !== 'patch')), sealed: expect.objectContaining({ alg: 'A256GCM' }) });
      expect(encodeEnvelope(sealed).toString()).not.toContain(MARKER);
      expect(openEnvelope(onTheWire(sealed), key)).toEqual(plain);
    }
  });

  it('seals any event type generically, and one without personal fields too', () => {
    const moved = created({ event_type: 'SomethingNew', data: { id: '1001', data_content: { note: MARKER }, extra: 1 } });
    expect(openEnvelope(onTheWire(sealEnvelope(moved, key)), key)).toEqual(moved);
    const deleted = created({ event_type: 'RecordDeleted', stream_version: 3, data: { id: '1001', deleted_time: 'x' } });
    expect(openEnvelope(onTheWire(sealEnvelope(deleted, key)), key)).toEqual(deleted);
  });

  it('uses a fresh IV each time', () => {
    expect(sealEnvelope(created(), key).data.sealed).not.toEqual(sealEnvelope(created(), key).data.sealed);
  });

  it('never hands out an IV twice, across the draws of its IV pool (a repeated IV under one key breaks AES-GCM)', () => {
    const key = randomBytes(32);
    const ivs = new Set(Array.from({ length: 3000 }, () => (sealEnvelope(created(), key).data.sealed as { iv: string }).iv));
    expect(ivs.size).toBe(3000);
  });

  it('leaves a version-1 envelope as it is (the replay of the event tables, a relay with sealing off)', () => {
    const plain = created();
    expect(openEnvelope(plain, null)).toBe(plain);
    expect(openEnvelope(plain, key)).toBe(plain);
  });

  it('opens with a null key (erased or unknown user) as RecordErased at the same version, without any content', () => {
    const sealed = sealEnvelope(updated, key);
    const erased = openEnvelope(onTheWire(sealed), null);
    expect(erased).toEqual({ ...updated, event_type: 'RecordErased', data: { id: '1001', business_id: 'acme', user_id: '7', erased: true } });
    expect(erased.stream_version).toBe(2);
    expect(JSON.stringify(erased)).not.toContain(MARKER);
    expect(erasedEnvelope(updated)).toEqual(erased);
  });

  const brokenBy: Array<[string, (e: RecordEventEnvelope) => RecordEventEnvelope]> = [
    ['a flipped ciphertext bit', (e) => withSealed(e, (s) => ({ ...s, ct: flip(s.ct) }))],
    ['a flipped tag bit', (e) => withSealed(e, (s) => ({ ...s, tag: flip(s.tag) }))],
    ['a truncated tag', (e) => withSealed(e, (s) => ({ ...s, tag: Buffer.from(s.tag, 'base64').subarray(0, 12).toString('base64') }))],
    ['another IV', (e) => withSealed(e, (s) => ({ ...s, iv: randomBytes(12).toString('base64') }))],
    ['another stream version (AAD)', (e) => ({ ...e, stream_version: e.stream_version + 1 })],
    ['another stream (AAD)', (e) => ({ ...e, stream_id: 'record-9999' })],
    ['another user (AAD)', (e) => ({ ...e, user_id: '8' })],
    ['no data.sealed', (e) => ({ ...e, data: { id: '1001' } })],
    ['an unknown alg', (e) => withSealed(e, (s) => ({ ...s, alg: 'A128GCM' }))],
    ['content also in clear', (e) => ({ ...e, data: { ...e.data, data_content: { note: 'forged' } } })],
    // Encodings Node's decoder would read as the same bytes: the seal still authenticates, so only the encoding check stops them.
    ['a ciphertext with line breaks', (e) => withSealed(e, (s) => ({ ...s, ct: `${s.ct.slice(0, 8)}\n\n\n\n${s.ct.slice(8)}` }))],
    ['a ciphertext padded in the middle', (e) => withSealed(e, (s) => ({ ...s, ct: `AA==${s.ct}` }))],
    ['an unpadded tag', (e) => withSealed(e, (s) => ({ ...s, tag: s.tag.replace(/=+$/, '') }))],
  ];

  it.each(brokenBy)('refuses %s as poison (SealedEnvelopeError), never as an erasure', (_, tamper) => {
    const broken = tamper(sealEnvelope(created(), key));
    let thrown: unknown;
    try {
      openEnvelope(onTheWire(broken), key);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SealedEnvelopeError);
    expect(isPoisonEnvelopeError(thrown)).toBe(true);
  });

  it('refuses a seal in the URL alphabet (Node would decode it to the same bytes, which authenticate)', () => {
    let sealed = sealEnvelope(created(), key);
    for (let i = 0; i < 100 && !/[+/]/.test((sealed.data.sealed as { ct: string }).ct); i++) sealed = sealEnvelope(created(), key);
    const url = withSealed(sealed, (s) => ({ ...s, ct: s.ct.replace(/[+/]/g, (c) => (c === '+' ? '-' : '_')) }));
    expect(Buffer.from((url.data.sealed as { ct: string }).ct, 'base64')).toEqual(Buffer.from((sealed.data.sealed as { ct: string }).ct, 'base64'));
    expect(() => openEnvelope(onTheWire(url), key)).toThrow(SealedEnvelopeError);
    expect(openEnvelope(onTheWire(sealed), key)).toEqual(created());
  });

  it('reads base64 exactly as strictly as /^[A-Za-z0-9+/]*={0,2}$/ with a length multiple of 4 (200,000 strings, odd characters included)', () => {
    const strict = (v: string) => v.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const odd = ['=', '-', '_', ' ', '\n', '\r', '\t', '.', '%', '\0', 'é', '\u2028', '😀'];
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 200_000; i++) {
      const length = 4 * Math.floor(random() * 6) + (random() < 0.1 ? Math.floor(random() * 4) : 0);
      let v = '';
      for (let j = 0; j < length; j++) v += random() < 0.9 ? alphabet[Math.floor(random() * 64)] : odd[Math.floor(random() * odd.length)];
      const tail = random();
      if (tail < 0.3) v = `${v.slice(0, -1)}=`;
      else if (tail < 0.5) v = `${v.slice(0, -2)}==`;
      else if (tail < 0.55) v = `${v.slice(0, -3)}===`;
      const bytes = strictBase64(v);
      expect([v, bytes !== null]).toEqual([v, strict(v)]);
      if (bytes) expect(bytes).toEqual(Buffer.from(v, 'base64'));
    }
  });

  it('refuses the wrong key as poison too', () => {
    expect(() => openEnvelope(sealEnvelope(created(), key), randomBytes(32))).toThrow(SealedEnvelopeError);
  });

  it('refuses to seal twice', () => {
    expect(() => sealEnvelope(sealEnvelope(created(), key), key)).toThrow(expect.objectContaining({ code: 'ENVELOPE.ALREADY_SEALED' }));
  });
});

function withSealed(e: RecordEventEnvelope, change: (s: { alg: string; iv: string; ct: string; tag: string }) => object): RecordEventEnvelope {
  return { ...e, data: { ...e.data, sealed: change(e.data.sealed as { alg: string; iv: string; ct: string; tag: string }) } };
}

function flip(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] ^= 1;
  return bytes.toString('base64');
}
