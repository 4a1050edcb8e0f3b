import { randomFillSync } from 'node:crypto';

/**
 * Random bytes drawn from the CSPRNG 12 KiB at a time. One `randomBytes` call per IV or per data key
 * was a syscall and a native crossing each: a third of sealing's CPU, and 6–7 % of the api's on a
 * batch of new users (bench/README.md). Every draw fills a NEW buffer and hands out disjoint views
 * of it, so no byte is ever handed out twice and a view is never overwritten (the secret bytes of a
 * data key and the public bytes of an IV never overlap, whichever is drawn first).
 */
const POOL_BYTES = 12 * 1024;
let pool = Buffer.alloc(0);
let next = 0;

/** `length` fresh random bytes (at most 1 KiB; a view of the current draw, never shared with another call). */
export function freshRandomBytes(length: number): Buffer {
  if (!Number.isInteger(length) || length < 1 || length > 1024) throw new RangeError(`freshRandomBytes: length must be 1..1024, got ${length}`);
  if (next + length > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafeSlow(POOL_BYTES));
    next = 0;
  }
  next += length;
  return pool.subarray(next - length, next);
}
