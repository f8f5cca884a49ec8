import { randomUUID } from 'node:crypto';

/** Bits of the counter (RFC 9562 §6.2, method 1): 12 in rand_a, 14 at the top of rand_b, 4 more below them. */
const COUNTER_BITS = 30;

/**
 * UUIDv7 ids (RFC 9562) that ascend in the order they are taken: `at`'s millisecond, then a counter, then 44 random
 * bits. An import names tens of thousands of messages at once, and the (chat_id, id) index takes ids in order at
 * its end, where random ids land all over it: each 500-row batch then rewrote most of the index's pages (six times
 * the disk writes and about twice the database's CPU time of ascending ids, 50,000 messages).
 */
export function ascendingIds(at: number): () => string {
  let ms = at;
  let counter = 0;
  let prefix = timePrefix(ms);
  return () => {
    if (counter === 2 ** COUNTER_BITS) {
      ms += 1;
      counter = 0;
      prefix = timePrefix(ms);
    }
    const n = counter++;
    // randomUUID's last group is 48 random bits (from a cached pool: far cheaper than a randomBytes call).
    const random = randomUUID().slice(-11);
    return `${prefix}7${hex(n >>> 18, 3)}-${hex(0x8000 | ((n >>> 4) & 0x3fff), 4)}-${hex(n & 0xf, 1)}${random}`;
  };
}

/** The first two groups and the dash after them: the 48-bit millisecond timestamp. */
function timePrefix(ms: number): string {
  const time = hex(ms, 12);
  return `${time.slice(0, 8)}-${time.slice(8)}-`;
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}
