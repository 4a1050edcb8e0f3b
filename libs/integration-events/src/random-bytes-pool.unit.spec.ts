import { freshRandomBytes } from './random-bytes-pool';

describe('freshRandomBytes', () => {
  it('hands out disjoint, never-overwritten views across many pool draws', () => {
    const drawn = Array.from({ length: 4000 }, (_, i) => freshRandomBytes(i % 2 === 0 ? 12 : 32));
    const copies = drawn.map((bytes) => Buffer.from(bytes).toString('hex'));
    // 4,000 draws of 12/32 bytes span ~7 pool refills: later refills must not touch earlier views.
    expect(drawn.map((bytes) => bytes.toString('hex'))).toEqual(copies);
    expect(new Set(copies).size).toBe(copies.length);
    expect(drawn.every((bytes, i) => bytes.length === (i % 2 === 0 ? 12 : 32))).toBe(true);
  });

  it('refuses a length it cannot serve from one draw', () => {
    expect(() => freshRandomBytes(0)).toThrow(RangeError);
    expect(() => freshRandomBytes(1025)).toThrow(RangeError);
  });
});
