import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ascendingIds } from '../../../src/server/services/ascending-ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('ascending ids (an import names its messages with them)', () => {
  it('are UUIDv7 carrying the given millisecond, each greater than the one before', () => {
    const at = Date.UTC(2026, 11, 7, 18, 0, 0, 123);
    const next = ascendingIds(at);
    const ids = Array.from({ length: 70_000 }, () => next());
    for (const id of ids) assert.match(id, UUID_V7);
    assert.equal(parseInt(ids[0]!.replace('-', '').slice(0, 12), 16), at);
    // 70,000 crosses every digit of the counter that a 50,000-message import reaches.
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
  });

  it('differ between two imports started in the same millisecond', () => {
    const a = ascendingIds(1_000);
    const b = ascendingIds(1_000);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(a()).add(b());
    assert.equal(seen.size, 2000);
  });
});
