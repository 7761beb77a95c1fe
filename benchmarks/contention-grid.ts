/**
 * Where ParM helps and where it does not: the load x slowdown grid is a bench feature now
 * (workloads/named/fashion-contention-grid.json: sweep "load" by "factor"); this script only runs
 * that workload, with an optional shorter measured duration per system and point.
 *
 * Run: node --import tsx benchmarks/contention-grid.ts [--duration 20] [--workload fashion-contention-grid] [--out DIR]
 * Same as: npm run bench -- --workload fashion-contention-grid [--duration 20] [--out DIR]
 */
import { parseArgs } from 'node:util';
import { benchCommand } from '../harness/commands/bench.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    workload: { type: 'string', default: 'fashion-contention-grid' },
    out: { type: 'string' },
  },
});
const duration = values.duration === undefined ? undefined : Number(values.duration);
if (duration !== undefined && !(duration > 0)) throw new Error(`--duration: must be a positive number of seconds, got "${values.duration}"`);
await benchCommand({ workload: values.workload, ...(duration !== undefined ? { duration } : {}), ...(values.out !== undefined ? { out: values.out } : {}) });
