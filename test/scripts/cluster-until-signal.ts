/**
 * Starts a local cluster and then, with "wait", waits for a signal, or, with "throw", dies of an
 * uncaught error; test/instance-local.test.ts checks that no instance outlives it either way.
 * Prints {"pids": {...}} once the instances are ready.
 *
 *   node --import tsx test/scripts/cluster-until-signal.ts MODEL.onnx wait|throw
 */
import { startLocalInstances } from '../../harness/instances/local-instances.ts';

const [modelPath, then] = process.argv.slice(2);
if (!modelPath || (then !== 'wait' && then !== 'throw')) {
  process.stderr.write('usage: cluster-until-signal.ts MODEL.onnx wait|throw\n');
  process.exit(2);
}
const cluster = await startLocalInstances({
  mode: 'emulated',
  seed: 1,
  groups: [{ role: 'deployed', modelPath, count: 1, serviceTime: { kind: 'zero' } }],
});
process.stdout.write(JSON.stringify({ pids: cluster.pids() }) + '\n');
if (then === 'wait') setInterval(() => undefined, 60_000);
else setTimeout(() => {
  throw new Error('a deliberate uncaught error');
}, 20);
