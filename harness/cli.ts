import { Command, InvalidArgumentError } from 'commander';
import { accuracyCommand } from './commands/accuracy.ts';
import { trainCommand } from './commands/train.ts';
import { benchCommand } from './commands/bench.ts';
import { SYSTEM_NAMES } from '../systems/create-system.ts';
import { namedWorkloads } from '../workloads/workload-file.ts';

/** The parm-bench command line: `parm-bench <command>`, or `npm run <command> -- ...`. */

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

function seedValue(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError('seed must be an integer from 0 to 4294967295');
  return n;
}

const program = new Command()
  .name('parm-bench')
  .description('Benchmark and evaluation harness for resilient ML prediction serving (ParM vs replication vs no redundancy)')
  .showHelpAfterError();

program
  .command('accuracy')
  .description("degraded-mode and overall accuracy of a workload's model set (deployed model, parity models, baselines)")
  .option('-w, --workload <name|file>', `workload (${namedWorkloads().join(', ')}) or a workload file`, 'fashion')
  .option('--models <manifest>', "a model-set manifest to evaluate instead of the workload's (bring your own ONNX models)")
  .option('--data-dir <dir>', 'folder holding the dataset files (else $PARM_BENCH_DATA_DIR, else the Debian location)')
  .option('--out <dir>', 'output folder for accuracy.json and accuracy.md (default runs/accuracy-<workload>-<time>)')
  .option('--json', 'print the JSON report instead of the table')
  .action(async (opts) => {
    await accuracyCommand(opts);
  });

program
  .command('train')
  .description("train a workload's models (deployed, backup, parity) and write ONNX files with model cards")
  .option('-w, --workload <name|file>', 'workload whose model set to train', 'fashion')
  .option('--model <which>', 'deployed | backup | parity | all', 'all')
  .option('--k <k>', 'with --model parity: only this k', positiveInt('--k'))
  .option('--encoder <kind>', 'with --model parity: only this encoder (addition | concatenation)')
  .option('--epochs <n>', "epochs (default: the manifest's)", positiveInt('--epochs'))
  .option('--seed <n>', "seed (default: the manifest's)", seedValue)
  .option('--data-dir <dir>', 'folder holding the dataset files')
  .option('--out <dir>', "folder for the models and cards (default: the model set's own folder)")
  .action(async (opts) => {
    await trainCommand(opts);
  });

program
  .command('bench')
  .description("tail latency of the serving systems under a workload's load, contention and faults (same seeded schedule for every system)")
  .option('-w, --workload <name|file>', `workload (${namedWorkloads().join(', ')}) or a workload file`, 'fashion-contention')
  .option('--systems <a,b>', `systems to run, comma-separated (default: the workload's): ${SYSTEM_NAMES.join(', ')}`)
  .option('--rate <q/s>', 'arrival rate, queries per second (poisson and constant arrivals)', positiveNumber('--rate'))
  .option('--duration <s>', 'measured seconds per system (after the warm-up)', positiveNumber('--duration'))
  .option('--seed <n>', "run seed (default: the workload's): arrivals, samples, contention and instances derive from it", seedValue)
  .option('--backend <kind>', "emulated | real (default: the workload's); remote is not driven by bench yet")
  .option('--data-dir <dir>', 'folder holding the dataset files')
  .option('--out <dir>', 'run directory (default runs/bench-<workload>-<time>)')
  .action(async (opts) => {
    await benchCommand(opts);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const e = error as Error;
  process.stderr.write(`parm-bench: ${e.message}\n`);
  if (process.env.PARM_BENCH_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
}
