// Entry of the records writer thread. Node does not hand a worker the TypeScript loader of its
// parent (tsx's --import hooks apply to the main thread only), so the worker registers it itself
// and then loads the writer.
import { register } from 'tsx/esm/api';

register();
await import('./query-record-worker.ts');
