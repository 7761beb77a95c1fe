import type { DatasetName } from './dataset-names.ts';

/** The environment variable naming a folder that holds datasets (or one dataset). */
export const DATA_DIR_ENV = 'PARM_BENCH_DATA_DIR';

/** Where Debian's dataset packages install their files: /usr/share/datasets/<name>. */
export const SYSTEM_DATA_ROOT = '/usr/share/datasets';

/** The Debian package holding a dataset, for the datasets that have one. */
export const DEBIAN_PACKAGES: Readonly<Partial<Record<DatasetName, string>>> = {
  'fashion-mnist': 'dataset-fashion-mnist',
};

/** One line telling a user how to obtain a dataset's files and point parm-bench at them. */
export function howToGetData(name: DatasetName): string {
  switch (name) {
    case 'fashion-mnist':
      return (
        `apt-get install -y dataset-fashion-mnist (files land in ${SYSTEM_DATA_ROOT}/fashion-mnist), ` +
        `or pass --data-dir DIR / set ${DATA_DIR_ENV} to a folder holding the four idx files ` +
        '(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally .gz)'
      );
    case 'mnist':
      return (
        'MNIST cannot be downloaded by this tool: put its four idx files (train-images-idx3-ubyte, train-labels-idx1-ubyte, ' +
        't10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally .gz) in a folder and pass --data-dir DIR or set ' +
        `${DATA_DIR_ENV} to it (or to a parent folder holding mnist/)`
      );
    case 'cifar10':
      return (
        'CIFAR-10 cannot be downloaded by this tool: get its binary version (cifar-10-binary.tar.gz, which unpacks to ' +
        'cifar-10-batches-bin/ with data_batch_1.bin .. data_batch_5.bin, test_batch.bin, batches.meta.txt) and pass ' +
        `--data-dir DIR or set ${DATA_DIR_ENV} to that folder (or to a parent folder holding cifar10/ or cifar-10-batches-bin/)`
      );
  }
}
