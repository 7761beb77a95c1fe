import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { benchCommand } from '../harness/commands/bench.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';

/**
 * Determinism bar: two `bench --backend sim` runs with the same seed write byte-identical
 * results.json (and records) once the wall-clock fields (createdAt, startedAt) are removed; a
 * different seed gives different results, so the comparison can fail.
 */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-sim-determinism-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The wall-clock fields of results.json: when the run and each system started. */
const WALL_CLOCK_FIELDS = new Set(['createdAt', 'startedAt']);

function withoutWallClock(text: string): string {
  return JSON.stringify(JSON.parse(text, (key, value) => (WALL_CLOCK_FIELDS.has(key) ? undefined : value)), null, 2);
}

const workload = join(dir, 'determinism.json');
writeFileSync(
  workload,
  JSON.stringify({
    name: 'determinism',
    dataset: 'fashion-mnist',
    models: join(REPO_ROOT, 'workloads/models/fashion-mnist/manifest.json'),
    seed: 1,
    load: { arrivals: { kind: 'poisson', rate: 400 }, durationMs: 5000, warmupMs: 500, drainTimeoutMs: 3000, reason: 'test' },
    instances: { n: 6, k: 2, backend: 'sim', serviceTime: { kind: 'lognormal', medianMs: 10, sigma: 0.3 }, reason: 'test' },
    systems: ['parm', 'equal-resources', 'hedged'],
    contention: {
      slowdowns: { concurrent: 2, transferMB: [20, 60], bandwidthMBps: 125, factor: 3, reason: 'test' },
      neighbour: { machines: [0, 7], rate: 30, fromMs: 0, durationMs: null, reason: 'test' },
      pauses: [{ atMs: 2000, machine: 2, durationMs: 300 }],
      crashes: [{ atMs: 4000, machine: 3 }],
    },
  }),
);

async function run(seed: number): Promise<{ results: string; raw: string; records: string }> {
  const out = join(dir, 'run');
  await benchCommand({ workload, seed, out });
  const raw = readFileSync(join(out, 'results.json'), 'utf8');
  return { raw, results: withoutWallClock(raw), records: readFileSync(join(out, 'parm', 'records.ndjson'), 'utf8') };
}

test('the same seed gives byte-identical results.json apart from wall-clock fields; another seed does not', { timeout: 120_000 }, async () => {
  const a = await run(7);
  const b = await run(7);
  assert.notEqual(a.raw, b.raw, 'the raw files differ in their wall-clock fields (the test strips something real)');
  assert.equal(a.results, b.results, 'results.json without createdAt/startedAt');
  assert.equal(a.records, b.records, 'per-query records');
  const c = await run(8);
  assert.notEqual(c.results, a.results, 'a different seed gives different results');
});
