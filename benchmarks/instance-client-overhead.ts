/**
 * Per-request overhead of the instance transports against emulated local instances with zero
 * service time: what the transport adds to every query, beside the model's own compute time.
 * Side by side in one run: OIP (HTTP/1.1 keep-alive, binary tensors), the framed protocol on a
 * Unix socket (the local default on Linux) and the framed protocol on TCP. Closed loop, with one
 * and with several requests in flight per instance.
 *
 *   node --import tsx benchmarks/instance-client-overhead.ts [--instances 1,12,18] [--transports oip,framed,framed-tcp]
 *     [--in-flight 1,4] [--seconds 5] [--warmup 8] [--model FILE]
 *     [--service-time '{"kind":"constant","ms":20}']   (default {"kind":"zero"}: the transport alone)
 *
 * Prints one row per instance count, transport and requests in flight per instance, and first a
 * baseline row: a bare node HTTP exchange of the same sizes with a server process that does
 * nothing (the floor of any HTTP transport on this machine). Columns: requests/s; round trip seen
 * by the caller, p50/p90/p99/p99.9 in µs; instance 0's own time per request (model compute
 * included) p50/p99 in µs; CPU time per request in the client process and in all server
 * processes (µs), which depends less than latency on how busy the machine is.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { build } from 'hdr-histogram-js';
import { startLocalInstances, type FramedSocketKind, type LocalTransport } from '../harness/instances/local-instances.ts';
import { SeededRandom } from '../harness/seeded-random.ts';
import { parseServiceTimeJson } from '../harness/instance-server/service-time.ts';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '1,12,18' },
    transports: { type: 'string', default: 'oip,framed,framed-tcp' },
    'in-flight': { type: 'string', default: '1,4' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '8' },
    model: { type: 'string', default: fileURLToPath(new URL('../workloads/models/fashion-mnist/deployed.onnx', import.meta.url)) },
    'service-time': { type: 'string', default: '{"kind":"zero"}' },
  },
});
const serviceTime = parseServiceTimeJson(values['service-time'], '--service-time');
const counts = values.instances.split(',').map(Number);
const depths = values['in-flight'].split(',').map(Number);
const seconds = Number(values.seconds);
const warmupSeconds = Number(values.warmup);
if (counts.some((n) => !Number.isInteger(n) || n < 1) || depths.some((n) => !Number.isInteger(n) || n < 1) || !(seconds > 0) || !(warmupSeconds >= 0)) {
  throw new Error('usage: --instances 1,12,18 --in-flight 1,4 (positive integers) --seconds 5 --warmup 8 (numbers of seconds)');
}

/** The transports compared: how startLocalInstances is asked for each. */
const TRANSPORTS: Readonly<Record<string, { transport: LocalTransport; framedSocket?: FramedSocketKind }>> = {
  oip: { transport: 'oip' },
  framed: { transport: 'framed', framedSocket: 'unix' },
  'framed-tcp': { transport: 'framed', framedSocket: 'tcp' },
};
const transports = values.transports.split(',');
const unknownTransport = transports.find((t) => !(t in TRANSPORTS));
if (unknownTransport !== undefined) throw new Error(`--transports: unknown transport "${unknownTransport}"; choose from ${Object.keys(TRANSPORTS).join(', ')}`);

/** Sends one request on a lane and calls back when it is answered. */
type Lane = (done: (err?: Error) => void) => void;

interface LoopResult {
  readonly completed: number;
  readonly elapsedS: number;
  readonly clientCpuUs: number;
  readonly percentilesUs: readonly number[];
}

/** Keeps one request in flight on each lane for `ms`. */
async function closedLoop(lanes: readonly Lane[], ms: number): Promise<LoopResult> {
  const h = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const end = t0 + ms;
  let completed = 0;
  await Promise.all(
    lanes.map(
      (lane) =>
        new Promise<void>((resolve, reject) => {
          const next = (): void => {
            if (performance.now() >= end) {
              resolve();
              return;
            }
            const start = performance.now();
            lane((err) => {
              if (err) {
                reject(err);
                return;
              }
              h.recordValue(Math.round((performance.now() - start) * 1000));
              completed++;
              next();
            });
          };
          next();
        }),
    ),
  );
  const cpu = process.cpuUsage(cpu0);
  return {
    completed,
    elapsedS: (performance.now() - t0) / 1000,
    clientCpuUs: (cpu.user + cpu.system) / Math.max(1, completed),
    percentilesUs: [50, 90, 99, 99.9].map((p) => h.getValueAtPercentile(p)),
  };
}

function row(label: string, r: LoopResult, serverP50Us: string, serverP99Us: string, serverCpuUs: string): string {
  return (
    `${label.padEnd(26)} | ${(r.completed / r.elapsedS).toFixed(0).padStart(10)} | ` +
    r.percentilesUs.map((v) => String(v).padStart(8)).join(' | ') +
    ` | ${serverP50Us.padStart(10)} | ${serverP99Us.padStart(10)} | ${r.clientCpuUs.toFixed(0).padStart(10)} | ${serverCpuUs.padStart(10)}`
  );
}

/** A server process that reads the body and answers 200 bytes: no model, no protocol. */
const BARE_SERVER = `
import { createServer } from 'node:http';
const answer = Buffer.alloc(200);
const server = createServer({ noDelay: true }, (req, res) => {
  req.on('data', () => {});
  req.on('end', () => { res.writeHead(200, { 'Content-Length': answer.length }); res.end(answer); });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
setInterval(() => console.log(JSON.stringify({ cpuUs: process.cpuUsage().user + process.cpuUsage().system })), 250).unref();
process.on('SIGTERM', () => process.exit(0));
`;

async function baseline(inputBytes: number): Promise<string> {
  const child = execa(process.execPath, ['--input-type=module', '-e', BARE_SERVER], { buffer: false, reject: false });
  try {
    let lastCpuUs = 0;
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const v = JSON.parse(line) as { port?: number; cpuUs?: number };
        if (v.port !== undefined) resolve(v.port);
        if (v.cpuUs !== undefined) lastCpuUs = v.cpuUs;
      });
      void child.then(() => reject(new Error('the baseline server exited')));
    });
    const agent = new Agent({ keepAlive: true });
    const body = Buffer.alloc(inputBytes);
    const lane: Lane = (done) => {
      const req = request({ agent, hostname: '127.0.0.1', port, path: '/', method: 'POST', headers: { 'Content-Length': body.length } }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => done());
      });
      req.on('error', done);
      req.end(body);
    };
    await closedLoop([lane], Math.min(warmupSeconds, 2) * 1000);
    await new Promise((r) => setTimeout(r, 300));
    const cpuBefore = lastCpuUs;
    const r = await closedLoop([lane], seconds * 1000);
    await new Promise((r2) => setTimeout(r2, 300));
    agent.destroy();
    return row('bare HTTP', r, '-', '-', ((lastCpuUs - cpuBefore) / r.completed).toFixed(0));
  } finally {
    child.kill('SIGTERM');
    await child;
  }
}

const rows: string[] = [];
let inputBytes = 0;
for (const count of counts) {
  for (const name of transports) {
    const cluster = await startLocalInstances({
      mode: 'emulated',
      seed: 1,
      ...TRANSPORTS[name],
      groups: [{ role: 'deployed', modelPath: values.model, count, serviceTime }],
    });
    try {
      const instances = cluster.instances.deployed;
      const rng = new SeededRandom(7);
      const input = new Float32Array(instances[0].inputSize).map(() => rng.next());
      inputBytes = input.byteLength + 200;
      const laneOf = (inst: (typeof instances)[number]): Lane => (done) => inst.infer(input, 1, (o) => done(o.ok ? undefined : o.error));
      // Warm-up, at the deepest pipelining measured: the servers' code needs a few thousand requests to be compiled.
      const warmupDepth = Math.max(...depths);
      await closedLoop(instances.flatMap((inst) => Array.from({ length: warmupDepth }, () => laneOf(inst))), warmupSeconds * 1000);
      for (const depth of depths) {
        const lanes = instances.flatMap((inst) => Array.from({ length: depth }, () => laneOf(inst)));
        const before = await Promise.all(cluster.ids.map((id) => cluster.stats(id)));
        const r = await closedLoop(lanes, seconds * 1000);
        const after = await Promise.all(cluster.ids.map((id) => cluster.stats(id)));
        const served = after.reduce((s, a, i) => s + a.served - before[i].served, 0);
        const serverCpuMs = after.reduce((s, a, i) => s + a.cpuMs - before[i].cpuMs, 0);
        const service = after[0].service;
        rows.push(
          row(
            `${name} x${count} (${depth} in fl.)`,
            r,
            String(Math.round(service.p50Ms * 1000)),
            String(Math.round(service.p99Ms * 1000)),
            ((serverCpuMs * 1000) / served).toFixed(0),
          ),
        );
        process.stderr.write(`${name}, ${count} instance(s), ${depth} in flight each: ${r.completed} requests in ${r.elapsedS.toFixed(1)} s\n`);
      }
    } finally {
      await cluster.stop();
    }
  }
}
rows.unshift(await baseline(inputBytes));

console.log(
  `instance client overhead: ${values.model}, service time ${JSON.stringify(serviceTime)}, ${seconds} s per row after a ${warmupSeconds} s warm-up; ` +
    '"N in fl.": requests in flight per instance',
);
console.log('transport                  | requests/s | p50 µs   | p90 µs   | p99 µs   | p99.9 µs | server p50 | server p99 | client CPU | server CPU');
for (const line of rows) console.log(line);
console.log('(µs; "server": instance 0\'s own time per request, model compute included; CPU: per request, client process and all server processes;');
console.log(` load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on this machine)`);
