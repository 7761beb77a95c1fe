import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { benchCommand } from '../harness/commands/bench.ts';
import { loadBenchModelSet, parseGeneratedSpec } from '../harness/bench/generated-model-set.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import { readOnnxModelInfo } from '../workloads/models/onnx/model-info.ts';
import { parseBenchWorkload } from '../workloads/bench-workload.ts';
import { loadWorkload } from '../workloads/workload-file.ts';

/**
 * cifar-contention: ResNet-18 CIFAR models with random weights, generated on first use into a
 * cache folder; instances with outputs "none"; accuracy n/a with the reason.
 */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-cifar-'));
const previousCache = process.env.PARM_BENCH_CACHE_DIR;
process.env.PARM_BENCH_CACHE_DIR = join(dir, 'cache');
after(() => {
  if (previousCache === undefined) delete process.env.PARM_BENCH_CACHE_DIR;
  else process.env.PARM_BENCH_CACHE_DIR = previousCache;
  rmSync(dir, { recursive: true, force: true });
});

const SPEC = join(REPO_ROOT, 'workloads/models/cifar10/random-resnet18.json');

test('the generated model set: a manifest in the cache that says latency only; files made once, on demand', () => {
  const models = loadBenchModelSet(SPEC);
  assert.match(models.latencyOnly ?? '', /random weights, latency only/);
  assert.ok(models.set.manifestPath.startsWith(join(dir, 'cache', 'models', 'cifar10-resnet18-random-')));
  assert.match(models.set.description, /Random weights, latency only/);
  assert.deepEqual(models.set.sampleShape, [3, 32, 32]);
  const parity = models.set.parity.find((p) => p.k === 2 && p.encoder === 'addition')!;
  assert.equal(existsSync(models.set.deployed.path), false, 'nothing generated before it is needed');
  models.ensureFiles([models.set.deployed.path, parity.path]);
  const info = readOnnxModelInfo(readFileSync(models.set.deployed.path), 'deployed');
  assert.equal(info.metadata['parm-bench.weights'], 'random');
  assert.deepEqual(info.inputs[0].shape, ['N', 3, 32, 32]);
  const a = readFileSync(models.set.deployed.path);
  const b = readFileSync(parity.path);
  assert.ok(Math.abs(a.length - b.length) < 16, 'same architecture');
  assert.equal(a.subarray(a.length - 4096).equals(b.subarray(b.length - 4096)), false, 'the parity model has other weights');
  const mtime = statSync(models.set.deployed.path).mtimeMs;
  loadBenchModelSet(SPEC).ensureFiles([models.set.deployed.path]);
  assert.equal(statSync(models.set.deployed.path).mtimeMs, mtime, 'cached, not made again');
  assert.equal(existsSync(models.set.parity.find((p) => p.k === 4 && p.encoder === 'addition')!.path), false);
});

test('generated model set specs are checked field by field', () => {
  const bad = (value: Record<string, unknown>) => {
    const path = join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(SPEC, 'utf8')), ...value }));
    return () => parseGeneratedSpec(path);
  };
  assert.throws(bad({ generator: 'vgg' }), /generator: expected one of resnet18-cifar/);
  assert.throws(bad({ parity: [{ k: 2, encoder: 'addition', seed: 1 }] }), /parity\[0\]\.seed: must differ from deployed\.seed/);
  assert.throws(bad({ parity: [{ k: 1, encoder: 'addition', seed: 5 }] }), /parity\[0\]\.k: expected an integer >= 2/);
  assert.throws(bad({ reason: '' }), /reason: expected a non-empty string/);
  assert.throws(bad({ weights: 'x' }), /weights: unknown key/);
});

test('cifar-contention parses: outputs "none", the random ResNet-18 set, every parameter block with a reason', () => {
  const bench = parseBenchWorkload(loadWorkload('cifar-contention'));
  assert.equal(bench.instances.outputs, 'none');
  assert.equal(bench.instances.n, 12);
  assert.match(bench.instances.reason, /28 ms of CPU per batch-1 inference/);
  assert.ok(bench.load.reason.length > 0 && bench.contention.slowdowns!.reason.length > 0);
  assert.equal(bench.workload.models, SPEC);
});

test('cifar-contention runs end to end (short, N = 2): answers from the generated ResNet-18s, accuracy n/a and why', { timeout: 300_000 }, async () => {
  // The named workload with N = 2 (3 instance processes instead of 24: tests share 2 cores), 2 s measured.
  const named = JSON.parse(readFileSync(join(REPO_ROOT, 'workloads/named/cifar-contention.json'), 'utf8'));
  const path = join(dir, 'cifar-contention-small.json');
  writeFileSync(
    path,
    JSON.stringify({
      ...named,
      models: SPEC,
      instances: { ...named.instances, n: 2 },
      load: { ...named.load, arrivals: { kind: 'poisson', rate: 60 }, warmupMs: 1000 },
      systems: ['parm', 'equal-resources'],
    }),
  );
  const out = join(dir, 'run');
  const { results } = await benchCommand({ workload: path, duration: 2, systems: 'parm', out });
  assert.equal(results.partial, false);
  const parm = results.systems[0];
  assert.equal(parm.summary.queries.lost, 0);
  assert.ok(parm.summary.queries.measured > 60, `${parm.summary.queries.measured} measured`);
  assert.equal(parm.summary.queries.answered, parm.summary.queries.measured);
  assert.equal(parm.summary.accuracy.accuracy, null);
  assert.match(results.accuracyNote, /random weights, latency only/);
  assert.match(results.accuracyNote, /seeded synthetic 3x32x32 inputs|test split/);
  const settings = JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8'));
  assert.equal(settings.resolved.instances.outputs, 'none');
  assert.ok(settings.cluster.groups.every((g: { outputs?: string }) => g.outputs === 'none'));
  assert.match(settings.cluster.groups[0].modelPath, /deployed-seed1\.onnx$/);
  assert.ok(parm.contention.applied > 0, 'the slowdown episodes ran');
});
