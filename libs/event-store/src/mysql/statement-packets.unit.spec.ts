import { packetsOf, packetText } from './statement-packets';

const small = (name: string) => ({ sql: name });
const large = (name: string, kib: number) => ({ sql: `${name}${'x'.repeat(kib * 1024)}` });

describe('packetsOf', () => {
  it('puts small statements (a group commit) into one packet', () => {
    const statements = ['BEGIN', 'fence', 'events', 'records', 'outbox', 'COMMIT'].map(small);
    expect(packetsOf(statements)).toEqual([statements]);
    expect(packetText(statements)).toBe('BEGIN;\nfence;\nevents;\nrecords;\noutbox;\nCOMMIT');
  });

  it('sends each large statement (a batch part\'s multi-row INSERT) alone, keeping the order', () => {
    const [begin, e1, e2, r1, o1, commit] = [small('BEGIN'), large('e1', 300), large('e2', 300), large('r1', 200), small('o1'), small('COMMIT')];
    expect(packetsOf([begin, e1, e2, r1, o1, commit])).toEqual([[begin], [e1], [e2], [r1], [o1, commit]]);
    expect(packetText([e1])).toBe(e1.sql);
  });

  it('starts a new packet before small statements would pass 4 MiB together', () => {
    const statements = Array.from({ length: 80 }, (_, i) => large(`s${i}`, 60));
    const packets = packetsOf(statements);
    expect(packets.flat()).toEqual(statements);
    expect(packets.length).toBeGreaterThan(1);
    for (const packet of packets) expect(packet.reduce((n, s) => n + s.sql.length, 0)).toBeLessThanOrEqual(4 * 1024 * 1024);
  });
});
