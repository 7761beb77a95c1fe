/**
 * Cost of ParM's coding on the serving path, per coding group: encoding k queries into one parity
 * query (addition and image-concatenation encoders) and decoding one missing output by subtraction.
 * Samples are Fashion-MNIST / MNIST sized (1x28x28) and CIFAR sized (3x32x32); outputs have 10
 * values (and 100, CIFAR-100 sized), since the decoder works on output vectors, not on samples.
 * Each figure is tinybench's median time per call (one call = one coding group), in microseconds,
 * with the relative margin of error of the mean.
 *
 * Run: node --import tsx benchmarks/coding-micro.ts [--time MS_PER_TASK]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { SeededRandom } from '../harness/seeded-random.ts';
import { AdditionEncoder } from '../systems/parm/addition-encoder.ts';
import { ConcatenationEncoder } from '../systems/parm/concatenation-encoder.ts';
import { sampleLength, type Encoder, type SampleShape } from '../systems/parm/encoder.ts';
import { decodeBySubtraction } from '../systems/parm/subtraction-decoder.ts';

const { values } = parseArgs({ options: { time: { type: 'string', default: '300' } } });
const timeMs = Number(values.time);
if (!(timeMs > 0)) throw new Error(`--time must be a positive number of ms per task, got ${values.time}`);

const KS = [2, 3, 4] as const;
const SHAPES: { label: string; shape: SampleShape }[] = [
  { label: '1x28x28', shape: { channels: 1, height: 28, width: 28 } },
  { label: '3x32x32', shape: { channels: 3, height: 32, width: 32 } },
];
const random = new SeededRandom(1);
const samples = (count: number, length: number) => Array.from({ length: count }, () => Float32Array.from({ length }, () => random.next()));

interface Row {
  readonly operation: string;
  readonly size: string;
  /** Task name per k, or undefined where the operation does not exist for that k. */
  readonly tasks: Partial<Record<(typeof KS)[number], string>>;
}

const bench = new Bench({ time: timeMs, warmupTime: Math.min(100, timeMs / 3) });
const rows: Row[] = [];

function addEncoderRow(operation: string, size: string, make: (k: number) => Encoder | undefined): void {
  const tasks: Row['tasks'] = {};
  for (const k of KS) {
    const encoder = make(k);
    if (!encoder) continue;
    const inputs = samples(k, sampleLength(encoder.shape));
    const out = new Float32Array(sampleLength(encoder.shape));
    const name = `${operation} ${size} k=${k}`;
    bench.add(name, () => encoder.encodeInto(inputs, out, 0));
    tasks[k] = name;
  }
  rows.push({ operation, size, tasks });
}

for (const { label, shape } of SHAPES) {
  addEncoderRow('addition encoder', label, (k) => new AdditionEncoder(k, shape));
  addEncoderRow('concatenation encoder', label, (k) => (k === 3 ? undefined : new ConcatenationEncoder(k, shape)));
}
for (const classes of [10, 100]) {
  const tasks: Row['tasks'] = {};
  for (const k of KS) {
    const parity = samples(1, classes)[0];
    const available = samples(k - 1, classes);
    const out = new Float32Array(classes);
    const name = `subtraction decoder ${classes} k=${k}`;
    bench.add(name, () => decodeBySubtraction(parity, available, out));
    tasks[k] = name;
  }
  rows.push({ operation: 'subtraction decoder', size: `${classes} outputs`, tasks });
}

await bench.run();

function cell(name: string | undefined): string {
  if (!name) return 'n/a';
  const r = bench.getTask(name)?.result;
  if (!r || r.state !== 'completed') return `failed (${r?.state ?? 'missing'})`;
  const us = r.latency.p50 * 1000;
  return `${us < 10 ? us.toFixed(3) : us.toFixed(1)} ±${r.latency.rme.toFixed(1)}%`;
}

const header = ['operation', 'size', ...KS.map((k) => `k=${k} (µs/group)`)];
const table = rows.map((r) => [r.operation, r.size, ...KS.map((k) => cell(r.tasks[k]))]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(`ParM coding cost per group: median µs per call (± relative margin of error of the mean), ${timeMs} ms per task`);
console.log(`node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (a busy machine inflates these)`);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of table) console.log(line(row));
console.log('n/a: the concatenation encoder exists for k = 2 and 4 only (as in the paper).');
