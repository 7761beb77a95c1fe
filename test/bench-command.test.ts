import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { benchCommand } from '../harness/commands/bench.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import type { BenchResults } from '../reports/bench-report.ts';
import { loadWorkload, WorkloadError } from '../workloads/workload-file.ts';
import { parseBenchWorkload } from '../workloads/bench-workload.ts';

/**
 * `npm run bench` end to end on a few emulated instances: a 500 ms pause shows in p99.9, the run
 * directory holds what the report promises, and no process outlives a run, an error or Ctrl-C.
 */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-bench-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MANIFEST = join(REPO_ROOT, 'workloads/models/fashion-mnist/manifest.json');

function workloadFile(name: string, overrides: Record<string, unknown> = {}): string {
  const w = {
    name,
    dataset: 'fashion-mnist',
    models: MANIFEST,
    seed: 3,
    load: { arrivals: { kind: 'constant', rate: 100 }, durationMs: 2500, warmupMs: 500, drainTimeoutMs: 3000, reason: 'test' },
    instances: { n: 2, k: 2, backend: 'emulated', serviceTime: { kind: 'constant', ms: 5 }, reason: 'test' },
    systems: ['baseline'],
    ...overrides,
  };
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(w));
  return path;
}

test('an instance paused for 500 ms inside a run shows up in the reported p99.9', { timeout: 60_000 }, async () => {
  const path = workloadFile('pause', { contention: { pauses: [{ atMs: 1500, machine: 0, durationMs: 500 }] } });
  const out = join(dir, 'pause-run');
  const { results } = await benchCommand({ workload: path, out });
  assert.equal(results.partial, false);
  const r = results.systems[0];
  assert.equal(r.system, 'baseline');
  assert.equal(r.contention.failed, 0);
  assert.equal(r.contention.applied, 2, 'SIGSTOP and SIGCONT');
  const p999 = r.summary.latencyFromScheduled.p99_9Us / 1000;
  const p50 = r.summary.latencyFromScheduled.p50Us / 1000;
  assert.ok(p999 > 300, `p99.9 ${p999} ms should show the 500 ms pause`);
  assert.ok(p50 < 100, `p50 ${p50} ms`);
  for (const f of ['settings.json', 'contention-schedule.json', 'results.json', 'results.md', 'baseline/summary.json', 'baseline/records.ndjson']) {
    assert.ok(existsSync(join(out, f)), f);
  }
  const schedule = JSON.parse(readFileSync(join(out, 'contention-schedule.json'), 'utf8'));
  assert.deepEqual(schedule.events.map((e: { kind: string }) => e.kind), ['pause', 'resume']);
  const written = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
  assert.equal(written.systems[0].summary.queries.measured, r.summary.queries.measured);
  assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /\| baseline \|/);
});

test('a bench workload with an unknown key, a wrong type or an impossible value is rejected naming the field', () => {
  const bad = (overrides: Record<string, unknown>, field: RegExp) =>
    assert.throws(() => parseBenchWorkload(loadWorkload(workloadFile('bad', overrides))), (e: Error) => e instanceof WorkloadError && field.test(e.message), JSON.stringify(overrides));
  bad({ load: { arrivals: { kind: 'poisson', rate: 10 }, durationMs: 1000, reason: 'x', warmup: 5 } }, /: load\.warmup: unknown key/);
  bad({ load: { arrivals: { kind: 'poisson', rate: -1 }, durationMs: 1000, reason: 'x' } }, /: load\.arrivals\.rate: /);
  bad({ load: { arrivals: { kind: 'poisson', rate: 10 }, durationMs: '1000', reason: 'x' } }, /: load\.durationMs: /);
  bad({ instances: { n: 3, k: 2, reason: 'x' } }, /: instances\.k: N \(3\) must be a multiple of k/);
  bad({ instances: { n: 2, k: 2, backend: 'gpu', reason: 'x' } }, /: instances\.backend: /);
  bad({ instances: { n: 2, k: 2, serviceTime: { kind: 'constant', ms: 5, jitter: 1 }, reason: 'x' } }, /instances\.serviceTime: unknown key "jitter"/);
  bad({ systems: ['parm', 'magic'] }, /: systems\[1\]: unknown system "magic"/);
  bad({ contention: { slowdowns: { concurrent: 0, transferMB: [1, 2], bandwidthMBps: 1, factor: 2, reason: 'x' } } }, /: contention\.slowdowns\.concurrent: /);
  bad({ contention: { pauses: [{ atMs: 0, machine: 3, durationMs: 5 }] } }, /: contention\.pauses\[0\]\.machine: machine 3 does not exist/);
  bad({ load: undefined }, /: load: missing/);
  bad({ sweep: { parameter: 'k', values: [2, 3], reason: 'x' } }, /: sweep\.values: 3: .*k = 3 must be an integer >= 2 dividing instances\.n \(2\)/);
  bad({ sweep: { parameter: 'temperature', values: [1], reason: 'x' } }, /: sweep\.parameter: /);
  bad({ sweep: { parameter: 'concurrent', values: [2], reason: 'x' } }, /: sweep\.values: 2: .*needs contention\.slowdowns/);
  for (const name of ['fashion-contention', 'fashion-failures']) parseBenchWorkload(loadWorkload(name));
});

test('a sweep runs the workload once per value, each point in its own run directory, with a sweep table', { timeout: 60_000 }, async () => {
  const path = workloadFile('sweep', {
    load: { arrivals: { kind: 'poisson', rate: 50 }, durationMs: 800, warmupMs: 200, drainTimeoutMs: 2000, reason: 'test' },
    sweep: { parameter: 'rate', values: [40, 80], reason: 'test' },
  });
  const out = join(dir, 'sweep-run');
  await benchCommand({ workload: path, out });
  const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
  assert.equal(sweep.partial, false);
  assert.deepEqual(sweep.points.map((p: { value: number }) => p.value), [40, 80]);
  const offered = sweep.points.map((p: { results: BenchResults }) => p.results.systems[0].summary.offeredRatePerS);
  assert.ok(offered[1] > offered[0], `offered rates ${offered}`);
  for (const d of ['rate-40', 'rate-80']) assert.ok(existsSync(join(out, d, 'results.json')), d);
  assert.match(readFileSync(join(out, 'sweep.md'), 'utf8'), /rate = 80/);
});

// ---- processes ----------------------------------------------------------------------------

/** Live (non-zombie) descendants of `root`, from /proc. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      parent.set(Number(entry), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    for (const [child, ppid] of parent) {
      if (ppid === pid) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

interface CliRun {
  readonly code: number | null;
  readonly stderr: string;
  /** Every process seen below the CLI while it ran, and their command lines. */
  readonly seen: readonly number[];
  readonly commands: readonly string[];
}

/** Runs the CLI as a child process; `onStderr` may act on its output (e.g. send SIGINT). */
function runCli(args: readonly string[], onStderr?: (text: string, pid: number) => void): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'harness/cli.ts'), 'bench', ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_TEST_CONTEXT: '', NODE_OPTIONS: '' },
    });
    const seen = new Map<number, string>();
    let stderr = '';
    const poll = setInterval(() => {
      for (const pid of descendants(child.pid!)) {
        if (seen.has(pid)) continue;
        try {
          seen.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
        } catch {
          // gone meanwhile
        }
      }
    }, 100);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      onStderr?.(stderr, child.pid!);
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(killer);
      resolve({ code, stderr, seen: [...seen.keys()], commands: [...seen.values()] });
    });
  });
}

async function expectNoneLeft(run: CliRun): Promise<void> {
  assert.ok(run.seen.length >= 2, `the CLI should have started instance processes (saw ${run.seen.length}); stderr:\n${run.stderr}`);
  // Give the kernel a moment to reap the last ones.
  for (let i = 0; i < 20 && run.seen.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(run.seen.filter(alive), [], 'processes left behind');
}

test('no process is left behind after a run (with a CPU hog and a crash in the schedule)', { timeout: 90_000 }, async () => {
  const path = workloadFile('clean', {
    load: { arrivals: { kind: 'constant', rate: 50 }, durationMs: 1500, warmupMs: 200, drainTimeoutMs: 2000, reason: 'test' },
    contention: { cpuHog: { fromMs: 300, processes: 1, reason: 'test' }, crashes: [{ atMs: 1000, machine: 1 }] },
  });
  const run = await runCli(['--workload', path, '--out', join(dir, 'clean-run')]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.commands.some((c) => c.includes('instance-server/main.ts')), 'instance processes seen');
  assert.ok(run.commands.some((c) => c.includes('while (Date.now() < end)')), 'the CPU hog seen');
  await expectNoneLeft(run);
});

test('no process is left behind after an error in the middle of a run', { timeout: 90_000 }, async () => {
  const trace = join(dir, 'bad-trace.csv');
  writeFileSync(trace, `${Array.from({ length: 100 }, () => '10').join('\n')}\noops\n`);
  const path = workloadFile('error', {
    load: { arrivals: { kind: 'trace', file: trace, values: 'gaps' }, durationMs: 5000, warmupMs: 0, reason: 'test' },
  });
  const run = await runCli(['--workload', path, '--out', join(dir, 'error-run')]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /oops/);
  await expectNoneLeft(run);
  const results = JSON.parse(readFileSync(join(dir, 'error-run', 'results.json'), 'utf8')) as BenchResults;
  assert.equal(results.partial, true);
});

test('Ctrl-C stops cleanly: results kept and marked partial, no process left behind', { timeout: 90_000 }, async () => {
  const path = workloadFile('sigint', {
    load: { arrivals: { kind: 'constant', rate: 50 }, durationMs: 60_000, warmupMs: 200, reason: 'test' },
    systems: ['baseline', 'parm'],
  });
  let sent = false;
  const run = await runCli(['--workload', path, '--out', join(dir, 'sigint-run')], (text, pid) => {
    if (!sent && /baseline.*measuring/.test(text)) {
      sent = true;
      process.kill(pid, 'SIGINT');
    }
  });
  assert.ok(sent, run.stderr);
  assert.equal(run.code, 130, run.stderr);
  await expectNoneLeft(run);
  const results = JSON.parse(readFileSync(join(dir, 'sigint-run', 'results.json'), 'utf8')) as BenchResults;
  assert.equal(results.partial, true);
  assert.match(results.stoppedBecause ?? '', /SIGINT/);
  assert.equal(results.systems.length, 1);
  assert.ok(results.systems[0].summary.queries.answered > 0);
});
