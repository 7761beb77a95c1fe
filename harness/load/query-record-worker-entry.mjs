// Entry of the records writer thread. Node does not hand a worker the TypeScript loader of its
// parent (tsx's --import hooks apply to the main thread only), so the worker registers it itself
// and then loads the writer. If the writer cannot be loaded, the thread says so through the shared
// cells and the failure port (see QueryRecordFile): the driver's thread may be busy in a simulation
// that never returns to its event loop, so it must be able to see the failure synchronously.
import { workerData } from 'node:worker_threads';

try {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./query-record-worker.ts');
} catch (error) {
  const { shared, failures } = workerData;
  failures.postMessage(`the records writer thread could not start: ${error instanceof Error ? error.message : String(error)}`);
  // Cell 1 is "failed", cell 0 the batches written (query-record-batch.ts): wake a waiting driver.
  Atomics.store(shared, 1, 1);
  Atomics.notify(shared, 0);
  throw error;
}
