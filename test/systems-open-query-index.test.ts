import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../harness/seeded-random.ts';
import { OpenQueryIndex } from '../systems/open-query-index.ts';

interface Expected {
  readonly submittedAt: number;
  readonly label: number | undefined;
}

function check(index: OpenQueryIndex, model: Map<number, Expected>, ids: Iterable<number>): void {
  assert.equal(index.size, model.size);
  for (const id of ids) {
    const e = model.get(id);
    assert.equal(index.isOpen(id), e !== undefined, `isOpen(${id})`);
    if (e) {
      assert.equal(index.submitted(id), e.submittedAt, `submitted(${id})`);
      assert.equal(index.label(id), e.label, `label(${id})`);
    }
  }
}

test('open query index: agrees with a map for ids in send order, through growth, out-of-order closes and a long-open query', () => {
  const index = new OpenQueryIndex();
  const model = new Map<number, Expected>();
  const random = new SeededRandom(5);
  let next = 0;
  for (let step = 0; step < 40_000; step++) {
    if (random.next() < (step < 4_000 ? 0.8 : 0.5)) {
      const e = { submittedAt: next * 0.5 + random.next(), label: next % 4 === 0 ? undefined : next % 10 };
      assert.equal(index.open(next, e.submittedAt, e.label), true);
      model.set(next, e);
      next++;
    } else if (model.size > 1) {
      // Query 3 stays open to the end, so the window grows well past its first 1,024 ids.
      const ids = [...model.keys()].filter((id) => id !== 3);
      const id = ids[Math.floor(random.next() * ids.length)];
      assert.equal(index.close(id), true);
      assert.equal(index.close(id), false, 'a second close finds nothing');
      model.delete(id);
    }
    if (step % 997 === 0) check(index, model, Array.from({ length: next + 5 }, (_, i) => i));
  }
  check(index, model, Array.from({ length: next + 5 }, (_, i) => i));
});

test('open query index: any other ids work too (gaps, jumps, older ids, reuse after close, negative and fractional ids)', () => {
  const index = new OpenQueryIndex();
  const model = new Map<number, Expected>();
  const random = new SeededRandom(9);
  const pool = [0, 1, 2, 7, 8, 500, 1_500, 4_000, 100_000, 100_001, 2 ** 40, -1, -2, 0.5, 3.25, 12, 13];
  for (let step = 0; step < 20_000; step++) {
    const id = random.next() < 0.3 ? pool[Math.floor(random.next() * pool.length)] : Math.floor(random.next() * 6_000);
    if (model.has(id)) {
      if (random.next() < 0.5) {
        assert.equal(index.open(id, 1, 1), false, `open(${id}) while open is refused`);
      } else {
        assert.equal(index.close(id), true);
        model.delete(id);
      }
    } else {
      const e = { submittedAt: step, label: step % 3 === 0 ? undefined : step % 7 };
      assert.equal(index.open(id, e.submittedAt, e.label), true, `open(${id})`);
      model.set(id, e);
    }
    if (step % 501 === 0) check(index, model, [...pool, ...Array.from({ length: 6_000 }, (_, i) => i)]);
  }
  check(index, model, [...pool, ...Array.from({ length: 6_000 }, (_, i) => i)]);
  for (const id of [...model.keys()]) assert.equal(index.close(id), true);
  assert.equal(index.size, 0);
});
