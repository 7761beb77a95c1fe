/**
 * What a random-weight ResNet-18 (CIFAR geometry) costs on this machine: generating the ONNX file,
 * loading it into onnxruntime (one intra-op thread, as an instance server does) and one batch-1
 * inference (median over rounds). The per-inference CPU time is why cifar-contention's emulated
 * instances use outputs "none": 18 instances computing real outputs at 270 q/s would need
 * 270 x that time of CPU per second.
 *
 * Run: node --import tsx benchmarks/resnet18-cost.ts [--rounds 50]
 */
import { parseArgs } from 'node:util';
import { buildResnet18CifarOnnx } from '../workloads/models/onnx/resnet18-cifar-graph.ts';
import { OnnxModel } from '../workloads/models/onnx-model.ts';
import { SeededRandom } from '../harness/seeded-random.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '50' } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: a positive integer, got "${values.rounds}"`);

let t = performance.now();
const bytes = buildResnet18CifarOnnx({ seed: 1 });
const buildMs = performance.now() - t;
t = performance.now();
const model = await OnnxModel.load(bytes, { intraOpNumThreads: 1, label: 'resnet18-cifar' });
const loadMs = performance.now() - t;
const random = new SeededRandom(1);
const input = new Float32Array(model.inputSize).map(() => random.next());
await model.run(input, 1);
const wall: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < rounds; i++) {
  const c = process.cpuUsage();
  const w = performance.now();
  await model.run(input, 1);
  wall.push(performance.now() - w);
  const d = process.cpuUsage(c);
  cpu.push((d.user + d.system) / 1000);
}
await model.release();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const inferMs = median(wall);
console.log(`ResNet-18 CIFAR, random weights: ${(bytes.length / 1e6).toFixed(1)} MB`);
console.log(`generate ${buildMs.toFixed(0)} ms, load ${loadMs.toFixed(0)} ms`);
console.log(`batch-1 inference: median ${inferMs.toFixed(1)} ms wall, ${median(cpu).toFixed(1)} ms CPU (${rounds} rounds, 1 thread)`);
console.log(`CPU cores needed to compute real outputs at 270 q/s: ${((270 * median(cpu)) / 1000).toFixed(1)}`);
