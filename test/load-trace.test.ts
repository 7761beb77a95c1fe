import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ArrivalConfigError } from '../harness/load/arrival-process.ts';
import { createArrivalProcess } from '../harness/load/arrival-spec.ts';
import { textLines } from '../harness/load/text-lines.ts';
import { TraceArrivals, type TraceArrivalsOptions } from '../harness/load/trace-arrivals.ts';
import { makeTempDir, removeTempDir } from './fixtures/dataset-files.ts';

let dir = '';
before(async () => {
  dir = await makeTempDir('parm-bench-trace-');
});
after(async () => {
  await removeTempDir(dir);
});

async function trace(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function all(t: TraceArrivals): number[] {
  return [...{ [Symbol.iterator]: () => t.times() }];
}

test('trace: timestamps with a header, by column name, from the first timestamp, with a speed-up', async () => {
  const file = await trace('ts.csv', 'host,ts_ms\na,1000\nb,1010\r\nc,1010\n\n# a comment\nd,1030\n');
  const t = new TraceArrivals({ file, values: 'timestamps', column: 'ts_ms', speedup: 2 });
  assert.deepEqual(all(t), [0, 5, 5, 15]);
  assert.equal(t.count, 4);
  assert.equal(t.spanMs, 15);
  assert.equal(t.meanRatePerS, 200); // 3 intervals in 15 ms
  assert.equal(t.finite, true);
  assert.deepEqual(all(t), [0, 5, 5, 15], 'a replay gives the same times');
});

test('trace: gaps without a header, by column position; the first arrival one gap after the start; slowed down', async () => {
  const file = await trace('gaps.csv', '0,5\n1,10\n2,0\n3,2.5e0');
  assert.deepEqual(all(new TraceArrivals({ file, values: 'gaps', column: 1 })), [5, 15, 15, 17.5]);
  assert.deepEqual(all(new TraceArrivals({ file, values: 'gaps', column: 1, speedup: 0.5 })), [10, 30, 30, 35]);
  const single = await trace('single.csv', '4\n4\n');
  assert.deepEqual(all(new TraceArrivals({ file: single, values: 'gaps' })), [4, 8]);
});

test('trace: through the spec factory, a relative file is found from baseDir', async () => {
  await trace('rel.csv', 'gap\n1\n2\n');
  const a = createArrivalProcess({ kind: 'trace', file: 'rel.csv', values: 'gaps', column: 'gap', speedup: 1 }, { seed: 0, baseDir: dir });
  const it = a.times();
  assert.deepEqual([it.next().value, it.next().value, it.next().done], [1, 3, true]);
  assert.equal((a.description as { count: number }).count, 2);
});

test('trace: errors name the file, the line and what was wrong', async () => {
  const cases: [string, string, Omit<TraceArrivalsOptions, 'file'>, RegExp][] = [
    ['nan.csv', 'ts\n1\n2\nx3\n', { values: 'timestamps' }, /nan\.csv, line 4: "x3" is not a number of milliseconds \(expected timestamps in ms\)/],
    ['empty-field.csv', '1,2\n3,\n', { values: 'gaps', column: 1 }, /empty-field\.csv, line 2: "" is not a number/],
    ['down.csv', '10\n20\n15\n', { values: 'timestamps' }, /down\.csv, line 3: timestamp 15 is before the previous one, 20: timestamps must not decrease/],
    ['neg.csv', 'gap\n1\n-2\n', { values: 'gaps' }, /neg\.csv, line 3: gap -2 is negative/],
    ['blank.csv', '\n# only a comment\n', { values: 'gaps' }, /blank\.csv: no arrivals: the file has no data lines/],
    ['header-only.csv', 'ts\n', { values: 'timestamps', column: 'ts' }, /header-only\.csv: no arrivals/],
    ['cols.csv', 'a,b\n1,2\n', { values: 'gaps', column: 'c' }, /cols\.csv, line 1: no column "c" in the header \(columns: a, b\)/],
    ['nohead.csv', '1,2\n3,4\n', { values: 'gaps', column: 'b' }, /nohead\.csv, line 1: column "b" is named, but the file has no header line/],
    ['short.csv', '1,2\n3\n', { values: 'gaps', column: 1 }, /short\.csv, line 2: has 1 field, but column 1 is field 2/],
    ['missing.csv', '', { values: 'gaps' }, /missing-really\.csv: cannot be read: ENOENT/],
  ];
  for (const [name, text, options, message] of cases) {
    let file = await trace(name, text);
    if (name === 'missing.csv') file = join(dir, 'missing-really.csv');
    assert.throws(
      () => new TraceArrivals({ file, ...options }),
      (e: unknown) => e instanceof ArrivalConfigError && message.test(e.message) && e.message.includes(dir),
      name,
    );
  }
  assert.throws(() => new TraceArrivals({ file: join(dir, 'gaps.csv'), values: 'gaps', speedup: -1 }), /speedup must be a positive number, got -1/);
});

test('trace: a file longer than one read chunk is streamed line by line (lines split across chunks survive)', async () => {
  const n = 30_000; // ~240 KB: several 64 KiB chunks
  const lines = Array.from({ length: n }, (_, i) => `${i * 10 + 0.125},x`);
  const file = await trace('long.csv', 'ts,tag\n' + lines.join('\n') + '\n');
  const t = new TraceArrivals({ file, values: 'timestamps', speedup: 10 });
  assert.equal(t.count, n);
  assert.equal(t.spanMs, n - 1);
  let i = 0;
  for (const v of { [Symbol.iterator]: () => t.times() }) assert.equal(v, i++);
  let count = 0;
  for (const line of textLines(file)) if (line.endsWith(',x')) count++;
  assert.equal(count, n);
});
