import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { partialPathOf, QueryRecordFile } from '../harness/load/query-record-file.ts';
import { QueryRecordLines } from '../harness/load/query-record-line.ts';
import { makeTempDir, removeTempDir } from './fixtures/dataset-files.ts';

let dir = '';
before(async () => {
  dir = await makeTempDir('parm-bench-records-');
});
after(() => removeTempDir(dir));

test('records file: lines written through the writer thread are the record lines, in order, across many batches; the final name appears only at the end', async () => {
  const path = join(dir, 'many', 'queries.ndjson');
  const lines = new QueryRecordLines();
  const expected: string[] = [];
  const writes: ((file: QueryRecordFile) => void)[] = [];
  // More records than the ring and the start-up batches hold (65,536 + 262,144), written in one go
  // right after the file is made, while the writer thread is still starting.
  const n = 400_000;
  for (let i = 0; i < n; i++) {
    if (i % 97 === 5) {
      const reason = i % 2 === 0 ? 'outstanding at end' : `parm: no "deployed" instance left (${i % 3})`;
      const label = i % 3 === 0 ? null : i % 10;
      writes.push((file) => file.loss(i, i < 100, i * 0.25, i * 0.25 + 0.001, i * 0.25 + 10, reason, label));
      expected.push(lines.loss({ id: i, warmup: i < 100, scheduledMs: i * 0.25, submittedMs: i * 0.25 + 0.001, lostMs: i * 0.25 + 10, reason, label }));
    } else {
      const path = i % 5 === 0 ? 'reconstruction' : 'original';
      const instance = i % 11 === 0 ? null : `deployed-${i % 7}`;
      const label = i % 4 === 0 ? null : i % 10;
      const correct = label === null ? null : i % 3 === 0;
      writes.push((file) => file.answer(i, i < 100, i * 0.25, i * 0.25, i * 0.25 + 20.125, 20_125, 20_125, path, instance, i % 10, label, correct));
      expected.push(
        lines.answer({ id: i, warmup: i < 100, scheduledMs: i * 0.25, submittedMs: i * 0.25, answeredMs: i * 0.25 + 20.125, latencyUs: 20_125, fromSubmitUs: 20_125, path, instance, prediction: i % 10, label, correct }),
      );
    }
  }
  const file = new QueryRecordFile(path);
  assert.equal(existsSync(partialPathOf(path)), true, 'the partial file exists at once');
  for (const write of writes) write(file);
  assert.equal(file.count, n);
  assert.equal(existsSync(path), false);
  assert.equal(await file.finish(true), path);
  assert.equal(existsSync(partialPathOf(path)), false);
  const written = readFileSync(path, 'utf8').split('\n');
  assert.equal(written.length, n + 1);
  assert.equal(written[n], '', 'the file ends with a newline');
  for (let i = 0; i < n; i++) if (written[i] !== expected[i]) assert.equal(written[i], expected[i], `line ${i + 1}`);
  await assert.rejects(file.finish(true), /finished twice/);
  assert.throws(() => file.answer(1, false, 0, 0, 1, 1, 1, 'original', null, 0, null, null), /written after the file was finished/);
});

test('records file: finish(false) keeps the partial name; an empty file is fine', async () => {
  const path = join(dir, 'partial', 'queries.ndjson');
  const file = new QueryRecordFile(path);
  file.answer(0, false, 1, 1, 2, 1000, 1000, 'original', 'deployed-0', 3, 3, true);
  assert.equal(await file.finish(false), partialPathOf(path));
  assert.equal(readFileSync(partialPathOf(path), 'utf8').trim().split('\n').length, 1);
  const empty = new QueryRecordFile(join(dir, 'empty', 'queries.ndjson'));
  assert.equal(await empty.finish(true), join(dir, 'empty', 'queries.ndjson'));
  assert.equal(readFileSync(join(dir, 'empty', 'queries.ndjson'), 'utf8'), '');
});

test('records file: a write that fails in the writer thread (disk full) fails finish() with the reason, and later records too', async () => {
  const path = join(dir, 'full', 'queries.ndjson');
  const file0 = new QueryRecordFile(path); // creates the folder
  await file0.finish(false);
  const partial = partialPathOf(path);
  rmSync(partial);
  symlinkSync('/dev/full', partial);
  const file = new QueryRecordFile(path);
  for (let i = 0; i < 5000; i++) file.answer(i, false, i, i, i + 1, 1000, 1000, 'original', 'deployed-0', 0, null, null);
  await assert.rejects(file.finish(true), /writing the records failed: .*ENOSPC/);
  assert.equal(existsSync(path), false, 'no final file after a failure');
});
