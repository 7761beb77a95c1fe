/**
 * The scale map moved to a command: `npm run scale-map -- [options]` (harness/commands/scale-map.ts,
 * the sweep in harness/sim/scale-map.ts). This script stays as a thin wrapper for old command lines:
 * `node --import tsx benchmarks/sim-scale-map.ts [options]` runs the same command with the same options
 * (--queries, --seed, --full, --ns, --ks, --loads, --factors, --crash-rates, --out DIR).
 */
process.argv.splice(2, 0, 'scale-map');
await import('../harness/cli.ts');
