/** Month keys (YYYYMM integers) name the monthly partitions of the event tables. */
export function monthKeyOf(time: Date): number {
  return time.getUTCFullYear() * 100 + time.getUTCMonth() + 1;
}

export function nextMonthKey(monthKey: number): number {
  const year = Math.floor(monthKey / 100);
  const month = monthKey % 100;
  return month === 12 ? (year + 1) * 100 + 1 : monthKey + 1;
}

export function addMonths(monthKey: number, count: number): number {
  let key = monthKey;
  for (let i = 0; i < count; i++) key = nextMonthKey(key);
  return key;
}
