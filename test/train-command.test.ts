import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { accuracyCommand } from '../harness/commands/accuracy.ts';
import { trainCommand } from '../harness/commands/train.ts';
import { SeededRandom } from '../harness/seeded-random.ts';
import type { ModelCard } from '../workloads/models/model-card.ts';
import { makeTempDir, removeTempDir, writeIdxDataset } from './fixtures/dataset-files.ts';

/**
 * `npm run train` end to end on a tiny learnable dataset in the real idx format: every model of a
 * set is trained, exported to ONNX, re-scored through onnxruntime and written with its card; the
 * accuracy command then evaluates the result.
 */
test('train command writes models and cards that the accuracy command can evaluate', async () => {
  const dir = await makeTempDir('parm-bench-train-');
  try {
    // Class c images: a bright 4-row band at rows 2c .. 2c+3 (10 classes), plus noise.
    const rnd = new SeededRandom(9);
    const make = (count: number) => {
      const labels = Uint8Array.from({ length: count }, () => rnd.nextInt(10));
      const images = new Uint8Array(count * 784);
      for (let n = 0; n < count; n++) {
        for (let i = 0; i < 784; i++) images[n * 784 + i] = rnd.nextInt(60);
        for (let r = 2 * labels[n]; r < 2 * labels[n] + 4; r++) for (let x = 0; x < 28; x++) images[n * 784 + r * 28 + x] = 200;
      }
      return { labels, images, count };
    };
    const dataDir = join(dir, 'data');
    await writeIdxDataset(dataDir, { split: 'train', ...make(5600) });
    await writeIdxDataset(dataDir, { split: 'test', ...make(300) });
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        schema: 'parm-bench/model-set@1',
        name: 'tiny',
        dataset: 'fashion-mnist',
        classes: 10,
        sampleShape: [1, 28, 28],
        deployed: { file: 'f.onnx', architecture: [784, 16, 10], epochs: 3, seed: 1 },
        backup: { file: 'b.onnx', architecture: [784, 8, 10], epochs: 2, seed: 2 },
        parity: [{ k: 2, encoder: 'addition', file: 'p2.onnx', architecture: [784, 16, 10], epochs: 2, seed: 3 }],
      }),
    );
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ name: 'tiny', dataset: 'fashion-mnist', models: 'manifest.json' }));
    const out = join(dir, 'trained');
    await trainCommand({ workload: join(dir, 'tiny.json'), model: 'all', dataDir, out });

    for (const f of ['f', 'b', 'p2']) {
      assert.ok(existsSync(join(out, `${f}.onnx`)), `${f}.onnx written`);
      const card = JSON.parse(readFileSync(join(out, `${f}.card.json`), 'utf8')) as ModelCard;
      assert.equal(card.schema, 'parm-bench/model-card@1');
      assert.equal(card.dataset.trainImages, 600);
      assert.equal(card.dataset.validationImages, 5000);
      assert.match(card.dataset.trainChecksum, /^[0-9a-f]{64}$/);
      assert.ok(card.bestEpoch >= 1 && card.bestEpoch <= card.epochs);
      assert.equal(card.history.length, card.epochs);
      assert.match(card.command, /^npm run train -- --workload tiny --model /);
    }
    const f = JSON.parse(readFileSync(join(out, 'f.card.json'), 'utf8')) as ModelCard;
    assert.equal(f.epochs, 3);
    assert.ok(f.accuracy.test > 0.5, `the deployed model learns the bands (chance: 0.1): ${f.accuracy.test}`);
    const p = JSON.parse(readFileSync(join(out, 'p2.card.json'), 'utf8')) as ModelCard;
    assert.equal(p.k, 2);
    assert.equal(p.encoder, 'addition');
    assert.equal(p.recipe.batch, 64);
    assert.equal(p.recipe.batchUnit, 'coding groups');
    assert.ok(p.accuracy.testAgreement! >= 0 && p.accuracy.testAgreement! <= 1);

    // The trained set evaluates: point a manifest at the trained files.
    writeFileSync(
      join(out, 'manifest.json'),
      readFileSync(join(dir, 'manifest.json'), 'utf8'),
    );
    const report = await accuracyCommand({ workload: join(dir, 'tiny.json'), models: join(out, 'manifest.json'), dataDir, out: join(dir, 'acc') });
    assert.equal(report.deployed.accuracy, f.accuracy.test);
    assert.equal(report.parity[0].accuracy, p.accuracy.test);
  } finally {
    await removeTempDir(dir);
  }
});

test('train command: clear errors for what cannot be trained', async () => {
  await assert.rejects(trainCommand({ workload: 'fashion', model: 'everything' }), /--model must be deployed, backup, parity or all/);
  await assert.rejects(trainCommand({ workload: 'fashion', model: 'parity', k: 3, encoder: 'concatenation' }), /no parity model with k = 3 encoder concatenation/);
});
