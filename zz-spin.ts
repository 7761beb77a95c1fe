import { OnnxModel } from './workloads/models/onnx-model.ts';
const m = await OnnxModel.load('workloads/models/fashion-mnist/deployed.onnx');
const x = new Float32Array(784).fill(0.3);
for (let i = 0; i < 50; i++) await m.run(x, 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
for (const withRun of [false, true, false, true]) {
  const cpu0 = process.cpuUsage(); const N = 40;
  for (let i = 0; i < N; i++) { if (withRun) await m.run(x, 1); await sleep(20); }
  const c = process.cpuUsage(cpu0);
  console.log(withRun ? 'run + sleep 20 ms' : 'sleep 20 ms      ', 'CPU µs per iteration', ((c.user + c.system) / N).toFixed(0));
}
