import type { PlannedStatement } from './sql-statements';

/** Keeps each multi-statement packet well under max_allowed_packet (16 MiB by default). */
const MAX_PACKET_BYTES = 4 * 1024 * 1024;

/**
 * A statement this large travels in a packet of its own rather than being copied into a joined
 * string with its neighbours (a batch part's multi-row INSERTs are hundreds of KiB each). Measured
 * like for like on a quiet machine this saved no CPU (bench/README.md, sixth session): it is kept
 * because it costs a few round trips per batch part at most. Small statements (a group commit's)
 * still share packets.
 */
const ALONE_BYTES = 64 * 1024;

/**
 * The statements of one transaction grouped into multi-statement packets, in order: small ones
 * together up to MAX_PACKET_BYTES, each large one alone.
 */
export function packetsOf(statements: PlannedStatement[]): PlannedStatement[][] {
  const out: PlannedStatement[][] = [];
  let current: PlannedStatement[] = [];
  let bytes = 0;
  const flush = () => {
    if (current.length > 0) out.push(current);
    current = [];
    bytes = 0;
  };
  for (const statement of statements) {
    const size = statement.sql.length;
    if (size >= ALONE_BYTES) {
      flush();
      out.push([statement]);
      continue;
    }
    if (bytes + size > MAX_PACKET_BYTES) flush();
    current.push(statement);
    bytes += size;
  }
  flush();
  return out;
}

/** A packet's text: one statement as it is (no copy), several joined. */
export function packetText(packet: PlannedStatement[]): string {
  return packet.length === 1 ? packet[0].sql : packet.map((s) => s.sql).join(';\n');
}
