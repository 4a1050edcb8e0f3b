/**
 * A rebuild id: `r` + UTC start time to the millisecond (r20250612093000123). Lowercase letters and
 * digits only, so every engine can put it in a name (ES index names must be lowercase; ClickHouse
 * table suffixes [a-z0-9_]); sortable by start time.
 */
export function newRebuildId(now: Date = new Date()): string {
  return `r${now.toISOString().replace(/[-:TZ.]/g, '').slice(0, 17)}`;
}
