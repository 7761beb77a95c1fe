import { Command, InvalidArgumentError } from 'commander';
import { accuracyCommand } from './commands/accuracy.ts';
import { trainCommand } from './commands/train.ts';
import { benchCommand } from './commands/bench.ts';
import { reportCommand } from './commands/report.ts';
import { reproduceCommand } from './commands/reproduce.ts';
import { FIGURE_IDS } from './reproduce/figures.ts';
import { COMPARE_EXIT, compareCommand } from './commands/compare.ts';
import { CompareInputError } from '../reports/compare-run-directory.ts';
import { nightlyCommand } from './commands/nightly.ts';
import { NightlySuiteError } from '../reports/nightly-suite.ts';
import { HistoryFileError } from '../reports/nightly-history.ts';
import { SYSTEM_NAMES } from '../systems/create-system.ts';
import { namedWorkloads } from '../workloads/workload-file.ts';
import { calibrate, CALIBRATION_SYSTEMS } from './sim/calibrate.ts';
import { scaleMapCommand } from './commands/scale-map.ts';
import { DEFAULT_SCALE_GRID } from './sim/scale-map.ts';

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
  .option('--backend <kind>', "emulated | real | remote | sim (default: the workload's); remote: OIP v2 servers listed by --remote; sim: simulated instances in virtual time, latency only")
  .option('--remote <file>', 'with --backend remote: the endpoints file (parm-bench/remote-instances@1: role, url, model per instance)')
  .option('--data-dir <dir>', 'folder holding the dataset files')
  .option('--out <dir>', 'run directory (default runs/bench-<workload>-<time>)')
  .option('--start-timeout <s>', 'seconds the instances get to start (default 60, or 5 per instance when there are more than 12)', positiveNumber('--start-timeout'))
  .action(async (opts) => {
    await benchCommand({ ...opts, ...(opts.startTimeout !== undefined ? { startTimeoutS: opts.startTimeout } : {}) });
  });

program
  .command('report')
  .description('(re)write the report files of a bench run, sweep or accuracy directory: manifest, statistics, CSV, charts, report.md, report.html')
  .argument('<dir>', 'a directory written by bench (results.json or sweep.json) or accuracy (accuracy.json)')
  .option('--resamples <n>', 'bootstrap resamples for the percentile intervals', positiveInt('--resamples'), 1000)
  .action(async (dir: string, opts) => {
    await reportCommand(dir, opts);
  });

program
  .command('compare')
  .description('run B against run A: per system and figure the change with a bootstrap interval and a verdict; exit 1 on a regression, 2 on bad input')
  .argument('[runA]', 'the base run directory (or sweep directory)')
  .argument('[runB]', 'the run directory to judge against it')
  .option('--format <kind>', 'markdown | text | json', 'markdown')
  .option('--out <file>', 'also write the report to this file')
  .option('--confidence <level>', 'two-sided confidence of the intervals, e.g. 0.95 or 0.9', Number, 0.95)
  .option('--min-effect <fraction>', 'smallest relative change that counts, e.g. 0.05 for 5%', Number, 0.05)
  .option('--resamples <n>', 'bootstrap resamples', Number, 1000)
  .option('--seed <n>', 'bootstrap seed', Number, 1)
  .action((runA: string | undefined, runB: string | undefined, opts) => {
    try {
      if (!runA || !runB) throw new CompareInputError('give two run directories: npm run compare -- RUN_A RUN_B (A is the base, B is judged against it)');
      const outcome = compareCommand(runA, runB, opts);
      process.stdout.write(outcome.output);
      process.exitCode = outcome.exitCode;
    } catch (error) {
      if (!(error instanceof CompareInputError)) throw error;
      process.stderr.write(`parm-bench compare: ${error.message}\n`);
      process.exitCode = COMPARE_EXIT.badInput;
    }
  });

program
  .command('nightly')
  .description("the nightly regression suite: short fixed runs, appended to a history file, change points over the whole history, trend charts; exit 1 on a confirmed regression, 2 when a run failed")
  .option('--suite <file>', 'suite file (default: workloads/nightly/suite.json of this checkout)')
  .option('--history <file>', 'history file (NDJSON; created when missing)', 'runs/nightly-history.ndjson')
  .option('--out <dir>', 'output folder (default runs/nightly-<time>)')
  .option('--dry-run', 'run nothing: analyse and chart the history as it is')
  .option('--data-dir <dir>', 'folder holding the dataset files')
  .action(async (opts) => {
    try {
      const outcome = await nightlyCommand(opts);
      process.stdout.write(`\n${outcome.summary}\nwrote ${outcome.outDir}/nightly.md, trends.csv, trends.json, trends/*.png; ${outcome.appended} history lines added to ${outcome.historyPath}\n`);
      if (process.exitCode !== 130) process.exitCode = outcome.exitCode; // 130: stopped by Ctrl-C
    } catch (error) {
      if (!(error instanceof NightlySuiteError || error instanceof HistoryFileError)) throw error;
      process.stderr.write(`parm-bench nightly: ${error.message}\n`);
      process.exitCode = 2;
    }
  });

program
  .command('reproduce')
  .description("the paper's experiments: runs a figure's bench sweep (or the accuracy evaluation), writes its data, PNG and a claims table (holds / does not hold / inconclusive)")
  .requiredOption('--figure <id>', `figure to reproduce: ${FIGURE_IDS.join(', ')}, or all`)
  .option('--quick', 'shorter runs (and 3 of 5 rates for the rate sweeps): minutes instead of a quarter hour per figure; wider intervals')
  .option('--duration <s>', 'measured seconds per system and point (overrides the variant)', positiveNumber('--duration'))
  .option('--seed <n>', "run seed (default: the workload's)", seedValue)
  .option('--backend <kind>', 'emulated (instance processes, default) | sim (simulated instances in virtual time; latency figures only)')
  .option('--data-dir <dir>', 'folder holding the dataset files')
  .option('--out <dir>', 'run directory (default runs/reproduce-<figure>[-quick][-sim]-<time>)')
  .action(async (opts) => {
    await reproduceCommand(opts);
  });

program
  .command('calibrate')
  .description('service times of a live bench run, as an empirical distribution file for the simulator (bench --backend sim)')
  .requiredOption('--run <dir>', 'a live bench run directory (runs/bench-<workload>-<time>)')
  .requiredOption('--out <file>', 'the service-times file to write; reference it as instances.serviceTime {"kind": "empirical", "file": ...}')
  .option('--system <name>', `whose records to read: ${CALIBRATION_SYSTEMS.join(' | ')} (default: the first the run measured)`)
  .action((opts) => {
    const r = calibrate(opts);
    process.stdout.write(
      `${r.used} service times (p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms) from ${r.file.source.system}; left out: ${r.excluded.warmup} warm-up, ${r.excluded.contention} during contention, ${r.excluded.notOriginal} other records\nwrote ${r.out}\n`,
    );
  });

program
  .command('scale-map')
  .description('where ParM beats Equal-Resources and replication and where it loses, at cluster scale: simulated runs over N, k, load, slowdown and crash rate; table, CSV, JSON and charts')
  .option('--queries <n>', 'measured queries per system and point (the duration is scaled to the rate)', '30000')
  .option('--seed <n>', 'seed of the whole map (each point derives its own from it and its coordinates)', '1')
  .option('--full', 'run the whole product of the lists instead of one factor at a time around the base point (long); charts use the base-line slice')
  .option('--ns <list>', 'deployed instance counts N (ParM and Equal-Resources run N + N/k instances, replication 2N)', DEFAULT_SCALE_GRID.n.join(','))
  .option('--ks <list>', 'coding-group sizes k (a point whose k does not divide N is skipped)', DEFAULT_SCALE_GRID.k.join(','))
  .option('--loads <list>', "offered loads, fractions of the N deployed instances' capacity (N x 1000 / 20 q/s)", DEFAULT_SCALE_GRID.load.join(','))
  .option('--factors <list>', 'slowdown factors of the contention episodes (1: no slowdown)', DEFAULT_SCALE_GRID.factor.join(','))
  .option('--crash-rates <list>', 'fractions of the machines that crash during a run', DEFAULT_SCALE_GRID.crashRate.join(','))
  .option('--out <dir>', 'output folder: scale-map.md, .csv, .json, charts/*.png (default runs/scale-map-<UTC time>)')
  .addHelpText(
    'after',
    `
Base point: N 120, k 2, load 0.7, slowdown 3x, no crashes (a list without the base value uses its
value nearest to it). Without --full, each factor is swept alone with the others at the base.
Reading: gap ratio = ParM (p99.9 - p50) / the other's; below 1 ParM's tail gap is smaller and
ParM wins (below 0.95 with no more lost queries), 0.95-1.05 is a tie, above loses.
Ctrl-C stops between points; the points done go to scale-map.partial.json/.md only.

Example: npm run scale-map -- --ns 120,840 --ks 2,4 --out runs/my-map
`,
  )
  .action(async (opts) => {
    const outcome = await scaleMapCommand({ ...opts, argv: process.argv.slice(process.argv.indexOf('scale-map') + 1) });
    if (outcome.partial) process.exitCode = 130;
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const e = error as Error;
  process.stderr.write(`parm-bench: ${e.message}\n`);
  if (process.env.PARM_BENCH_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
}
