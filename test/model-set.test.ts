import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { entryLabel, loadModelSet, modelEntries, parseModelSet } from '../workloads/models/model-set.ts';
import { loadWorkload, namedWorkloads } from '../workloads/workload-file.ts';

const valid = {
  schema: 'parm-bench/model-set@1',
  name: 'tiny',
  dataset: 'fashion-mnist',
  classes: 10,
  sampleShape: [1, 28, 28],
  deployed: { file: 'f.onnx', architecture: [784, 20, 10], epochs: 3, seed: 1 },
  parity: [
    { k: 2, encoder: 'addition', file: 'p2.onnx' },
    { k: 4, encoder: 'concatenation', file: '/abs/p4.onnx' },
  ],
};

test('a valid manifest resolves files relative to itself, absolute paths as they are', () => {
  const set = parseModelSet(valid, '/models/set/manifest.json');
  assert.equal(set.deployed.path, '/models/set/f.onnx');
  assert.equal(set.parity[1].path, '/abs/p4.onnx');
  assert.deepEqual(modelEntries(set).map(entryLabel), ['deployed', 'parity k=2 addition', 'parity k=4 concatenation']);
  assert.equal(set.backup, undefined);
});

test('bad manifests are rejected with the field named', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...valid, schema: 'x' }, /schema: expected "parm-bench\/model-set@1"/],
    [{ ...valid, colour: 'red' }, /colour: unknown key/],
    [{ ...valid, dataset: 'imagenet' }, /dataset: expected one of fashion-mnist, mnist, cifar10/],
    [{ ...valid, classes: 0 }, /classes: expected a positive integer/],
    [{ ...valid, sampleShape: [28, 28] }, /sampleShape: expected \[channels, height, width\]/],
    [{ ...valid, deployed: { file: '' } }, /deployed.file: expected a non-empty string/],
    [{ ...valid, deployed: { file: 'f.onnx', architecture: [100, 10] } }, /deployed.architecture: first width 100 does not match sampleShape \(784 values\)/],
    [{ ...valid, deployed: { file: 'f.onnx', architecture: [784, 9] } }, /last width 9 does not match classes \(10\)/],
    [{ ...valid, parity: [{ k: 1, encoder: 'addition', file: 'a' }] }, /parity\[0\].k: must be at least 2/],
    [{ ...valid, parity: [{ k: 3, encoder: 'concatenation', file: 'a' }] }, /parity\[0\].k: the concatenation encoder supports k = 2 or 4/],
    [{ ...valid, parity: [{ k: 2, encoder: 'xor', file: 'a' }] }, /parity\[0\].encoder: expected "addition" or "concatenation"/],
    [{ ...valid, parity: [valid.parity[0], valid.parity[0]] }, /parity\[1\]: a second parity model for k = 2/],
    [{ ...valid, normalize: { mean: [0.5, 0.5], std: [1] } }, /normalize.mean: expected 1 numbers/],
    [{ ...valid, normalize: { mean: [0.5], std: [0] } }, /normalize.std: every value must be > 0/],
    [{ ...valid, deployed: { file: 'f.onnx', seed: -1 } }, /deployed.seed: expected an integer from 0/],
  ];
  for (const [raw, pattern] of cases) {
    assert.throws(() => parseModelSet(raw, '/m/manifest.json'), (e: Error) => {
      assert.match(e.message, /^model manifest \/m\/manifest.json: /);
      assert.match(e.message, pattern);
      return true;
    });
  }
});

test('loadModelSet names a missing or unparsable file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parm-bench-models-'));
  try {
    assert.throws(() => loadModelSet(join(dir, 'nope.json')), /nope.json: \(file\): not found/);
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    assert.throws(() => loadModelSet(join(dir, 'bad.json')), /bad.json: \(file\): not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the committed fashion workload and its model set load', () => {
  assert.ok(namedWorkloads().includes('fashion'));
  const w = loadWorkload('fashion');
  assert.equal(w.dataset, 'fashion-mnist');
  const set = loadModelSet(w.models);
  assert.equal(set.classes, 10);
  assert.deepEqual(
    set.parity.map((p) => `${p.k}/${p.encoder}`),
    ['2/addition', '3/addition', '4/addition', '2/concatenation', '4/concatenation'],
  );
  assert.ok(set.backup);
});

test('workload files: unknown names and keys are rejected clearly', () => {
  assert.throws(() => loadWorkload('no-such-workload'), /unknown workload "no-such-workload": known workloads are .*fashion/);
  const dir = mkdtempSync(join(tmpdir(), 'parm-bench-workload-'));
  try {
    const p = join(dir, 'w.json');
    writeFileSync(p, JSON.stringify({ name: 'w', dataset: 'fashion-mnist', models: 'm.json', rate: 5 }));
    assert.throws(() => loadWorkload(p), /w.json: rate: unknown key/);
    writeFileSync(p, JSON.stringify({ name: 'w', dataset: 'svhn', models: 'm.json' }));
    assert.throws(() => loadWorkload(p), /dataset: expected one of/);
    writeFileSync(p, JSON.stringify({ name: 'w', dataset: 'mnist', models: 'm.json' }));
    assert.equal(loadWorkload(p).models, join(dir, 'm.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
