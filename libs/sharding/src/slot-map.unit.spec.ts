import { crc32 } from 'node:zlib';
import { SLOT_COUNT, SlotMap, slotOf } from './slot-map';

describe('slot routing', () => {
  it('uses the standard CRC-32 (IEEE) of the UTF-8 business id', () => {
    // Well-known check value of CRC-32/ISO-HDLC.
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(slotOf('123456789')).toBe(0xcbf43926 % SLOT_COUNT);
    expect(slotOf('商户-42')).toBe(crc32(Buffer.from('商户-42', 'utf8')) % SLOT_COUNT);
  });

  it('default 4-shard map equals the seed rule crc32(business_id) % 4', () => {
    const map = SlotMap.modulo(4);
    for (let i = 0; i < 20_000; i++) {
      const businessId = `biz-${i}-${(i * 7919).toString(36)}`;
      expect(map.shardFor(businessId)).toBe(crc32(businessId) % 4);
    }
  });

  it('spreads slots evenly over shards', () => {
    const map = SlotMap.modulo(4);
    const perShard = [0, 0, 0, 0];
    for (const { shard } of map.assignments()) perShard[shard]++;
    expect(perShard).toEqual([1024, 1024, 1024, 1024]);
  });

  it('round-trips through persisted assignments and honours moved slots', () => {
    const rows = SlotMap.modulo(4).assignments();
    const moved = slotOf('acme');
    rows[moved] = { slot: moved, shard: (rows[moved].shard + 1) % 4 };
    const map = SlotMap.fromAssignments(4, rows);
    expect(map.shardFor('acme')).toBe((crc32('acme') % 4 + 1) % 4);
  });

  it('refuses incomplete or out-of-range maps', () => {
    const rows = SlotMap.modulo(4).assignments();
    expect(() => SlotMap.fromAssignments(4, rows.slice(1))).toThrow(/slot 0 is not assigned/);
    rows[5] = { slot: 5, shard: 9 };
    expect(() => SlotMap.fromAssignments(4, rows)).toThrow(/unknown shard 9/);
  });
});
