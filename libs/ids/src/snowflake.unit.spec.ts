import { firstIdAt, isPositiveInt64, SnowflakeIdGenerator, timeOfId } from './snowflake';

describe('SnowflakeIdGenerator', () => {
  it('produces strictly increasing ids within one millisecond and across them', () => {
    let now = Date.UTC(2026, 10, 23, 12);
    const gen = new SnowflakeIdGenerator(7, () => now);
    const ids: bigint[] = [];
    for (let i = 0; i < 10_000; i++) {
      if (i % 3000 === 0) now++;
      ids.push(BigInt(gen.next()));
    }
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
  });

  it('stays monotonic when the clock steps backwards', () => {
    let now = Date.UTC(2026, 10, 23, 12);
    const gen = new SnowflakeIdGenerator(1, () => now);
    const a = BigInt(gen.next());
    now -= 5000;
    const b = BigInt(gen.next());
    expect(b > a).toBe(true);
  });

  it('encodes the creation time and keeps distinct workers apart', () => {
    const at = Date.UTC(2026, 1, 3, 4, 5, 6, 789);
    const a = new SnowflakeIdGenerator(1, () => at).next();
    const b = new SnowflakeIdGenerator(2, () => at).next();
    expect(a).not.toEqual(b);
    expect(timeOfId(a).getTime()).toBe(at);
    expect(BigInt(firstIdAt(new Date(at))) <= BigInt(a)).toBe(true);
    expect(isPositiveInt64(a)).toBe(true);
  });

  it('rejects worker ids outside 10 bits', () => {
    expect(() => new SnowflakeIdGenerator(1024)).toThrow(RangeError);
    expect(() => new SnowflakeIdGenerator(-1)).toThrow(RangeError);
  });

  it('validates positive int64 decimal strings', () => {
    expect(isPositiveInt64('9223372036854775807')).toBe(true);
    expect(isPositiveInt64('9223372036854775808')).toBe(false);
    expect(isPositiveInt64('0')).toBe(false);
    expect(isPositiveInt64('01')).toBe(false);
    expect(isPositiveInt64('-1')).toBe(false);
    expect(isPositiveInt64('1e3')).toBe(false);
  });
});
