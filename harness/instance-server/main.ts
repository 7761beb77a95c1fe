/**
 * The instance server process: loads one ONNX model and serves it over the Open Inference
 * Protocol until SIGTERM or SIGINT (or, with --exit-with-stdin, until its stdin closes), and over
 * parm-bench's private framed protocol (framed-protocol.ts) on a free TCP port of 127.0.0.1, or on
 * the Unix socket given by --framed-socket.
 *
 *   node --import tsx harness/instance-server/main.ts --model FILE [--name NAME] [--host 127.0.0.1]
 *     [--port 0] [--mode emulated|real] [--service-time JSON] [--outputs model|none] [--seed N] [--max-queue N]
 *     [--max-body-bytes N] [--framed-socket PATH] [--exit-with-stdin]
 *
 * When it is ready it prints one JSON line to stdout:
 *   {"event":"ready","pid":P,"host":H,"port":N,"url":"http://H:N","model":NAME,"mode":...,
 *    "framed":{"transport":"tcp","host":"127.0.0.1","port":N} or {"transport":"unix","path":PATH},...}
 * Startup errors go to stderr with exit code 1.
 */
import { basename } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { OnnxModel } from '../../workloads/models/onnx-model.ts';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_QUEUE, INSTANCE_OUTPUTS, startInstanceServer, type InstanceMode, type InstanceOutputs, type InstanceServer } from './instance-server.ts';
import { parseServiceTimeJson, type ServiceTimeProfile } from './service-time.ts';

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

interface Options {
  model: string;
  name?: string;
  host: string;
  port: number;
  mode: string;
  serviceTime?: string;
  outputs: string;
  seed: number;
  maxQueue: number;
  maxBodyBytes: number;
  framedSocket?: string;
  exitWithStdin?: boolean;
}

const program = new Command()
  .name('instance-server')
  .description('Serve one ONNX model over the Open Inference Protocol (KServe v2) as a parm-bench instance')
  .requiredOption('--model <file>', 'the ONNX model file')
  .option('--name <name>', 'model name in URLs (default: the file name without .onnx)')
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--port <port>', 'port to bind (0: any free port)', integer('--port', 0, 65535), 0)
  .option('--mode <mode>', 'emulated (service times from a profile) | real (as fast as the model computes)', 'emulated')
  .option('--service-time <json>', 'emulated mode: service-time profile, e.g. {"kind":"constant","ms":20}')
  .option('--outputs <what>', 'emulated mode: model (compute the real outputs) | none (check the input, answer zeros of the output shape without running the model)', 'model')
  .option('--seed <n>', 'seed of the service-time draws', integer('--seed', 0, 0xffffffff), 1)
  .option('--max-queue <n>', 'requests that may wait; more get 503', integer('--max-queue', 1, 1_000_000), DEFAULT_MAX_QUEUE)
  .option('--max-body-bytes <n>', 'largest request body (OIP) or request frame body (framed protocol); larger gets 413 or an error frame', integer('--max-body-bytes', 1, 2 ** 31 - 1), DEFAULT_MAX_BODY_BYTES)
  .option('--framed-socket <path>', 'serve the framed protocol on this Unix socket ("@name": Linux\'s abstract namespace; default: a free TCP port of 127.0.0.1)')
  .option('--exit-with-stdin', 'exit when stdin closes (so the instance never outlives the process that started it)')
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<Options>();
  if (opts.mode !== 'emulated' && opts.mode !== 'real') {
    throw new Error(`--mode must be "emulated" or "real", got "${opts.mode}"`);
  }
  const mode: InstanceMode = opts.mode;
  let serviceTime: ServiceTimeProfile | undefined;
  if (opts.serviceTime !== undefined) {
    if (mode === 'real') throw new Error('--service-time applies to --mode emulated only');
    serviceTime = parseServiceTimeJson(opts.serviceTime, '--service-time');
  }
  if (!(INSTANCE_OUTPUTS as readonly string[]).includes(opts.outputs)) throw new Error(`--outputs must be "model" or "none", got "${opts.outputs}"`);
  if (opts.outputs === 'none' && mode === 'real') throw new Error('--outputs none applies to --mode emulated only');
  const outputs = opts.outputs as InstanceOutputs;
  const name = opts.name ?? basename(opts.model).replace(/\.onnx$/i, '');

  const model = await OnnxModel.load(opts.model, { intraOpNumThreads: 1, label: `model "${name}"` });
  let server: InstanceServer;
  try {
    // One run before taking traffic: the first inference of a session is much slower than the rest.
    await model.run(new Float32Array(model.inputSize), 1);
    server = await startInstanceServer({
      model,
      name,
      host: opts.host,
      port: opts.port,
      mode,
      serviceTime,
      outputs,
      seed: opts.seed,
      maxQueue: opts.maxQueue,
      maxBodyBytes: opts.maxBodyBytes,
      framed: opts.framedSocket === undefined ? { transport: 'tcp' } : { transport: 'unix', path: opts.framedSocket },
    });
  } catch (err) {
    await model.release().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${opts.port} on ${opts.host} is already in use; give another --port (0: any free port)`);
    if (code === 'EADDRNOTAVAIL') throw new Error(`cannot bind ${opts.host}: not an address of this machine (--host)`);
    throw err;
  }

  let stopping = false;
  const shutdown = (why: string): void => {
    if (stopping) return;
    stopping = true;
    // Whatever happens, do not linger.
    setTimeout(() => process.exit(0), 2000).unref();
    server
      .close()
      .then(() => model.release())
      .catch((err: unknown) => process.stderr.write(`instance-server: error while stopping (${why}): ${(err as Error).message}\n`))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (opts.exitWithStdin) {
    process.stdin.on('end', () => shutdown('stdin closed'));
    process.stdin.on('error', () => shutdown('stdin error'));
    process.stdin.resume();
  }

  process.stdout.write(
    JSON.stringify({
      event: 'ready',
      pid: process.pid,
      host: server.host,
      port: server.port,
      url: server.url,
      model: server.model.name,
      mode: server.mode,
      outputs: server.outputs,
      serviceTime: server.serviceTime,
      framed: server.framed,
      input: { name: server.model.inputName, shape: [-1, ...server.model.inputShape], datatype: 'FP32' },
      output: { name: server.model.outputName, shape: [-1, server.model.outputSize], datatype: 'FP32' },
    }) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`instance-server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
