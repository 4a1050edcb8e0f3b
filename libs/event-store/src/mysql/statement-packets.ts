import type { PlannedStatement } from './sql-statements';

/** Keeps each multi-statement packet well under max_allowed_packet (16 MiB by default). */
const MAX_PACKET_BYTES = 4 * 1024 * 1024;

/**
 * A statement this large travels in a packet of its own. Joining it with its neighbours would copy
 * it into a new string, and for a batch's multi-row INSERTs (hundreds of KiB each, MiBs per part)
 * that copy cost ~5 µs of CPU per record (bench/ingest/batch-stages.ts): far more than the round
 * trip it saves. Small statements (a group commit's) still share packets.
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
