import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { RealClock } from '../harness/clock.ts';
import { startLocalInstances, type LocalInstanceCluster } from '../harness/instances/local-instances.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import { loadDataset } from '../workloads/datasets/load-dataset.ts';
import { AdditionEncoder } from '../systems/parm/addition-encoder.ts';
import { createSystem } from '../systems/create-system.ts';
import type { Answer, LostQuery } from '../systems/serving-system.ts';
import { existsSync } from 'node:fs';

/**
 * Killing an instance (SIGKILL) in the middle of a run on real instance processes: the system
 * keeps serving; ParM reconstructs or retries the killed instance's queries, the baseline retries
 * them; every query is answered and the failure is counted. The load (300 queries at ~300 q/s
 * against 4 deployed instances of 20 ms, capacity ~200 q/s) keeps every instance busy, so the
 * killed one has a query in flight.
 */
const MODELS = join(REPO_ROOT, 'workloads/models/fashion-mnist');
const FASHION = '/usr/share/datasets/fashion-mnist';
const QUERIES = 300;

async function runWithKill(systemName: 'parm' | 'baseline'): Promise<{ answers: Answer[]; lost: LostQuery[]; stats: ReturnType<ReturnType<typeof createSystem>['stats']> }> {
  const data = await loadDataset('fashion-mnist', 'test');
  const serviceTime = { kind: 'constant', ms: 20 } as const;
  let cluster: LocalInstanceCluster | undefined;
  try {
    cluster = await startLocalInstances({
      mode: 'emulated',
      seed: 1,
      groups: [
        { role: 'deployed', modelPath: join(MODELS, 'deployed.onnx'), count: 4, serviceTime },
        ...(systemName === 'parm' ? [{ role: 'parity' as const, modelPath: join(MODELS, 'parity-k2-addition.onnx'), count: 2, serviceTime }] : []),
      ],
    });
    const answers: Answer[] = [];
    const lost: LostQuery[] = [];
    let settle: () => void = () => {};
    const allDone = new Promise<void>((resolve) => (settle = resolve));
    const check = () => {
      if (answers.length + lost.length === QUERIES) settle();
    };
    const system = createSystem(systemName, {
      clock: new RealClock(),
      instances: cluster.instances,
      classes: 10,
      events: {
        answer: (a) => {
          answers.push(a);
          check();
        },
        lost: (l) => {
          lost.push(l);
          check();
        },
      },
      ...(systemName === 'parm' ? { encoder: new AdditionEncoder(2, { channels: 1, height: 28, width: 28 }) } : {}),
    });
    for (let i = 0; i < QUERIES; i++) {
      system.submit({ id: i, input: data.images.subarray(i * 784, (i + 1) * 784), label: data.labels[i] });
      if (i === 150) cluster.kill('deployed-1', 'SIGKILL');
      await new Promise((r) => setTimeout(r, 3));
    }
    const timeout = setTimeout(() => settle(), 20_000);
    await allDone;
    clearTimeout(timeout);
    const stats = system.stats();
    system.close();
    return { answers, lost, stats };
  } finally {
    await cluster?.stop();
  }
}

const skip = existsSync(FASHION) ? false : `${FASHION} is absent (apt-get install -y dataset-fashion-mnist)`;

test('ParM keeps serving when a deployed instance is SIGKILLed mid-run', { skip, timeout: 60_000 }, async () => {
  const { answers, lost, stats } = await runWithKill('parm');
  assert.equal(lost.length, 0, `lost: ${JSON.stringify(lost.slice(0, 3))}`);
  assert.equal(answers.length, QUERIES);
  assert.equal(new Set(answers.map((a) => a.queryId)).size, QUERIES, 'one answer per query');
  assert.equal(stats.instancesDown, 1);
  assert.ok(stats.retries + stats.answers.reconstruction >= 1, 'the killed instance\'s query was retried or reconstructed');
  const afterKill = answers.filter((a) => a.instance === 'deployed-1' && a.queryId > 160);
  assert.equal(afterKill.length, 0, 'nothing is answered by the dead instance after the kill');
  const correct = answers.filter((a) => a.correct).length / answers.length;
  assert.ok(correct > 0.7, `answers stay mostly right: ${correct}`);
});

test('the baseline retries the killed instance\'s query elsewhere', { skip, timeout: 60_000 }, async () => {
  const { answers, lost, stats } = await runWithKill('baseline');
  assert.equal(lost.length, 0);
  assert.equal(answers.length, QUERIES);
  assert.equal(stats.instancesDown, 1);
  assert.ok(stats.retries >= 1, `retries: ${stats.retries}`);
  assert.ok(answers.every((a) => a.path === 'original'));
});
