import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { calibrate } from '../harness/sim/calibrate.ts';
import { loadServiceTimes } from '../harness/sim/empirical-service-times.ts';

/** calibrate on a hand-made live run directory whose service times are known. */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-sim-calibrate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function runDir(name: string, backend = 'emulated'): string {
  const run = join(dir, name);
  mkdirSync(join(run, 'equal-resources'), { recursive: true });
  writeFileSync(join(run, 'settings.json'), JSON.stringify({ workload: { name: 'hand-made' }, resolved: { instances: { n: 2, k: 2, backend }, systems: ['parm', 'equal-resources'] } }));
  writeFileSync(
    join(run, 'contention-schedule.json'),
    JSON.stringify({
      horizonMs: 1000,
      events: [
        { atMs: 500, kind: 'slowdown-start', episode: 0, machines: [1, 2], factor: 3, transferMB: 1 },
        { atMs: 600, kind: 'slowdown-end', episode: 0, machines: [1, 2] },
      ],
    }),
  );
  const rec = (o: object) => JSON.stringify({ outcome: 'answer', path: 'original', warmup: false, ...o });
  const lines = [
    // deployed-0: idle arrivals; service 10, then queued behind: 12 (starts at 30, not at 25), then 8.
    rec({ instance: 'deployed-0', submittedMs: 0, answeredMs: 10, warmup: true }),
    rec({ instance: 'deployed-0', submittedMs: 20, answeredMs: 30 }),
    rec({ instance: 'deployed-0', submittedMs: 25, answeredMs: 42 }),
    rec({ instance: 'deployed-0', submittedMs: 100, answeredMs: 108 }),
    // deployed-1 (machine 1): one inside the slowdown episode (left out), one outside.
    rec({ instance: 'deployed-1', submittedMs: 550, answeredMs: 580 }),
    rec({ instance: 'deployed-1', submittedMs: 700, answeredMs: 711 }),
    JSON.stringify({ outcome: 'lost', warmup: false, reason: 'x' }),
  ];
  writeFileSync(join(run, 'equal-resources', 'records.ndjson'), lines.join('\n') + '\n');
  return run;
}

test('calibrate: per-instance service times from the records, without warm-up and contention; the file loads', () => {
  const out = join(dir, 'times.json');
  const r = calibrate({ run: runDir('live'), out });
  assert.deepEqual([...loadServiceTimes(out)], [8, 10, 11, 12]);
  assert.deepEqual(r.excluded, { warmup: 1, contention: 1, notOriginal: 1 });
  const file = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(file.source.system, 'equal-resources');
  assert.equal(r.p50Ms, 10.5);
});

test('calibrate: refuses a simulated run, a system with racing copies, and a missing directory, naming what to do', () => {
  assert.throws(() => calibrate({ run: runDir('sim', 'sim'), out: join(dir, 'x.json') }), /is a simulated run \(backend sim\); calibrate from a live run/);
  assert.throws(() => calibrate({ run: runDir('live2'), out: join(dir, 'x.json'), system: 'parm' }), /--system: must be one of equal-resources, baseline/);
  assert.throws(() => calibrate({ run: join(dir, 'nope'), out: join(dir, 'x.json') }), /settings\.json \(the run settings\) cannot be read: give the directory of a live bench run/);
});
