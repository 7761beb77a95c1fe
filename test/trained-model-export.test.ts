import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { loadDataset } from '../workloads/datasets/load-dataset.ts';
import { buildMlpOnnx } from '../workloads/models/onnx/mlp-graph.ts';
import { OnnxModel } from '../workloads/models/onnx-model.ts';
import { initMlpUniform } from '../workloads/models/training/mlp-init.ts';
import { MlpTrainer, PAPER_ADAM } from '../workloads/models/training/mlp-trainer.ts';

const FASHION = '/usr/share/datasets/fashion-mnist';

test(
  'a model trained by parm-bench gives the same outputs through onnxruntime as in the trainer, on real images',
  { skip: existsSync(FASHION) ? false : `${FASHION} is absent (apt-get install -y dataset-fashion-mnist)` },
  async () => {
    const data = await loadDataset('fashion-mnist', 'test');
    const trainer = await MlpTrainer.create(initMlpUniform([784, 200, 100, 10], 5), PAPER_ADAM, 64);
    try {
      for (let step = 0; step < 60; step++) {
        const first = (step * 64) % 8000;
        trainer.stepCrossEntropy(data.images.subarray(first * 784, (first + 64) * 784), data.labels.subarray(first, first + 64), 64);
      }
      const count = 2000;
      const inputs = data.images.subarray(8000 * 784, (8000 + count) * 784);
      const fromTrainer = trainer.predict(inputs, count);
      const model = await OnnxModel.load(buildMlpOnnx(trainer.weights(), { inputShape: [1, 28, 28] }));
      try {
        const fromOnnx = await model.runAll(inputs, count);
        let maxDiff = 0;
        let maxAbs = 0;
        for (let i = 0; i < fromOnnx.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(fromOnnx[i] - fromTrainer[i]));
          maxAbs = Math.max(maxAbs, Math.abs(fromTrainer[i]));
        }
        assert.ok(maxAbs > 1, `outputs should not be trivial (max |logit| ${maxAbs})`);
        assert.ok(maxDiff <= 1e-5 * Math.max(1, maxAbs), `max difference ${maxDiff} (max |logit| ${maxAbs})`);
      } finally {
        await model.release();
      }
    } finally {
      trainer.dispose();
    }
  },
);
