import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { loadDataset, loadDatasetWithLocation } from '../workloads/datasets/load-dataset.ts';
import { locateDataset } from '../workloads/datasets/data-location.ts';
import { CIFAR10_SAMPLE_BYTES, makeTempDir, patternPixels, removeTempDir, writeCifar10Batches, writeIdxDataset } from './fixtures/dataset-files.ts';
import { expectDatasetError } from './fixtures/expect-dataset-error.ts';

let root: string;
let flagDir: string; // holds fashion-mnist files directly; labels [1, 1]
let envParent: string; // holds fashion-mnist/ as a subfolder; labels [2, 2]
let systemRoot: string; // <root>/fashion-mnist like /usr/share/datasets; labels [3, 3]
let emptyDir: string;

async function writeMarkedSplit(dir: string, label: number): Promise<void> {
  await writeIdxDataset(dir, { split: 'test', images: patternPixels(2 * 28 * 28), labels: Uint8Array.from([label, label]), count: 2, gzip: true });
}

before(async () => {
  root = await makeTempDir();
  flagDir = join(root, 'flag');
  envParent = join(root, 'env');
  systemRoot = join(root, 'system');
  emptyDir = join(root, 'empty');
  await writeMarkedSplit(flagDir, 1);
  await writeMarkedSplit(join(envParent, 'fashion-mnist'), 2);
  await writeMarkedSplit(join(systemRoot, 'fashion-mnist'), 3);
  await mkdir(emptyDir);
});
after(async () => {
  await removeTempDir(root);
});

test('--data-dir beats PARM_BENCH_DATA_DIR, which beats the system folder', async () => {
  const env = { PARM_BENCH_DATA_DIR: envParent };
  const fromFlag = await loadDatasetWithLocation('fashion-mnist', 'test', { dataDir: flagDir, env, systemDataRoot: systemRoot });
  assert.equal(fromFlag.location.source, 'data-dir');
  assert.equal(fromFlag.location.dir, flagDir);
  assert.equal(fromFlag.dataset.labels[0], 1);

  const fromEnv = await loadDatasetWithLocation('fashion-mnist', 'test', { env, systemDataRoot: systemRoot });
  assert.equal(fromEnv.location.source, 'env');
  assert.equal(fromEnv.location.dir, join(envParent, 'fashion-mnist'));
  assert.match(fromEnv.location.description, /PARM_BENCH_DATA_DIR=.*subfolder fashion-mnist/);
  assert.equal(fromEnv.dataset.labels[0], 2);

  const fromSystem = await loadDatasetWithLocation('fashion-mnist', 'test', { env: {}, systemDataRoot: systemRoot });
  assert.equal(fromSystem.location.source, 'system');
  assert.equal(fromSystem.location.dir, join(systemRoot, 'fashion-mnist'));
  assert.match(fromSystem.location.description, /Debian package dataset-fashion-mnist/);
  assert.equal(fromSystem.dataset.labels[0], 3);
});

test('an explicit folder may be the parent of the dataset folder; the env var may be the dataset folder itself', async () => {
  const viaParent = await locateDataset('fashion-mnist', { dataDir: envParent, env: {}, systemDataRoot: systemRoot });
  assert.deepEqual([viaParent.source, viaParent.dir], ['data-dir', join(envParent, 'fashion-mnist')]);
  const envItself = await locateDataset('fashion-mnist', { env: { PARM_BENCH_DATA_DIR: flagDir }, systemDataRoot: systemRoot });
  assert.deepEqual([envItself.source, envItself.dir], ['env', flagDir]);
});

test('a relative --data-dir is resolved against the working directory', async () => {
  const loc = await locateDataset('fashion-mnist', { dataDir: relative(process.cwd(), flagDir), env: {}, systemDataRoot: emptyDir });
  assert.equal(loc.dir, flagDir);
});

test('cifar10 is found under a parent holding cifar10/ or cifar-10-batches-bin/', async () => {
  for (const sub of ['cifar10', 'cifar-10-batches-bin']) {
    const parent = join(root, `cifar-parent-${sub}`);
    await writeCifar10Batches(join(parent, sub), { split: 'test', images: patternPixels(CIFAR10_SAMPLE_BYTES), labels: Uint8Array.from([6]), count: 1 });
    const { dataset, location } = await loadDatasetWithLocation('cifar10', 'test', { env: { PARM_BENCH_DATA_DIR: parent }, systemDataRoot: emptyDir });
    assert.equal(location.dir, join(parent, sub));
    assert.equal(dataset.labels[0], 6);
  }
});

test('an env folder without this dataset is skipped in favour of the system folder', async () => {
  const loc = await locateDataset('fashion-mnist', { env: { PARM_BENCH_DATA_DIR: emptyDir }, systemDataRoot: systemRoot });
  assert.equal(loc.source, 'system');
});

test('a --data-dir without the data is an error (no fall-through), listing where it looked', async () => {
  const err = await expectDatasetError(
    locateDataset('fashion-mnist', { dataDir: emptyDir, env: { PARM_BENCH_DATA_DIR: envParent }, systemDataRoot: systemRoot }),
    ['--data-dir holds no fashion-mnist files', `${emptyDir}, ${join(emptyDir, 'fashion-mnist')}`, 'no other place is searched', 'apt-get install -y dataset-fashion-mnist'],
  );
  assert.equal(err.searched.length, 1);
  await expectDatasetError(locateDataset('mnist', { dataDir: join(root, 'no-such-folder'), env: {} }), [
    `${join(root, 'no-such-folder')} is not an existing folder`, 'MNIST cannot be downloaded',
  ]);
});

test('no data anywhere: the error lists every place searched and how to get the data', async () => {
  const err = await expectDatasetError(
    loadDataset('fashion-mnist', 'train', { env: { PARM_BENCH_DATA_DIR: emptyDir }, systemDataRoot: emptyDir }),
    [
      'fashion-mnist: no fashion-mnist data found',
      'Places searched:',
      `PARM_BENCH_DATA_DIR=${emptyDir}: no fashion-mnist files in ${emptyDir}, ${join(emptyDir, 'fashion-mnist')}`,
      `Debian package dataset-fashion-mnist (${join(emptyDir, 'fashion-mnist')}): not installed`,
      'To get the data: apt-get install -y dataset-fashion-mnist',
    ],
  );
  assert.equal(err.searched.length, 2);
  await expectDatasetError(loadDataset('cifar10', 'test', { env: {}, systemDataRoot: emptyDir }), [
    'PARM_BENCH_DATA_DIR: not set', `system data folder ${join(emptyDir, 'cifar10')}: not found`, 'CIFAR-10 cannot be downloaded',
  ]);
});

test('unknown dataset names and splits are errors listing the known ones', async () => {
  await expectDatasetError(loadDataset('cifar100' as never, 'test', { env: {} }), ["unknown dataset 'cifar100'", 'fashion-mnist, mnist, cifar10']);
  await expectDatasetError(loadDataset('mnist', 'validation' as never, { env: {} }), ["unknown split 'validation'", 'train or test']);
});
