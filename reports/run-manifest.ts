import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, arch, platform, release, totalmem, type as osType, version as osVersion } from 'node:os';
import { dirname, join } from 'node:path';
import type { BenchResults } from './bench-report.ts';

/**
 * manifest.json of a run directory: what was run, with what, where and when, so a result can be
 * traced and repeated. The configuration hash is the SHA-256 of the canonical JSON (keys sorted
 * at every level, no spaces) of { workload, resolved, seed }: the workload as resolved after the
 * command-line overrides, and the run seed every other seed derives from. Two runs with the same
 * hash ran the same settings with the same seeds.
 */
export const RUN_MANIFEST_SCHEMA = 'parm-bench/run-manifest@1';

export interface RunManifest {
  readonly schema: typeof RUN_MANIFEST_SCHEMA;
  readonly git: { readonly sha: string; readonly dirty: boolean };
  /** The fully resolved configuration (workload after command-line overrides, seed). */
  readonly configuration: {
    readonly workload: Readonly<Record<string, unknown>>;
    readonly command: Readonly<Record<string, unknown>>;
    readonly resolved: Readonly<Record<string, unknown>>;
    readonly cluster: Readonly<Record<string, unknown>>;
  };
  readonly configurationSha256: string;
  /** Every seed: the run seed and those derived from it, and the report's bootstrap seed. */
  readonly seeds: Readonly<Record<string, number>>;
  readonly host: {
    readonly cpuModel: string;
    readonly cores: number;
    readonly availableParallelism: number;
    readonly memoryBytes: number;
    readonly os: string;
    readonly platform: string;
    readonly arch: string;
    /** 'bench' when written by the run's own process; 'report' when rebuilt later (then it is the machine that re-rendered, not necessarily the one that ran). */
    readonly recordedBy: 'bench' | 'report';
  };
  readonly versions: Readonly<Record<string, string>>;
  readonly backend: string;
  readonly startedAt: string;
  /** When the last system's run ended (start + elapsed), or null when no system was measured. */
  readonly endedAt: string | null;
  readonly systems: readonly string[];
}

/** JSON with keys sorted at every level and no spaces: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const require = createRequire(import.meta.url);

/** The installed version of a package, or 'not installed'. */
export function installedVersion(name: string): string {
  try {
    const pkg = join(dirname(require.resolve(`${name}/package.json`)), 'package.json');
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** The settings.json bench writes (the fields the manifest reads). */
interface BenchSettings {
  createdAt: string;
  workload: Record<string, unknown>;
  command: Record<string, unknown>;
  seeds: Record<string, number>;
  resolved: Record<string, unknown> & { instances?: { backend?: string }; systems?: string[] };
  cluster: Record<string, unknown>;
  git: { sha: string; dirty: boolean };
  software: Record<string, string>;
}

export function readBenchSettings(runDir: string): BenchSettings {
  const path = join(runDir, 'settings.json');
  if (!existsSync(path)) throw new Error(`${path}: missing; a run directory written by \`parm-bench bench\` has settings.json (give such a directory)`);
  const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<BenchSettings>;
  for (const field of ['createdAt', 'workload', 'command', 'seeds', 'resolved', 'cluster', 'git', 'software'] as const) {
    if (value[field] === undefined || value[field] === null) throw new Error(`${path}: ${field}: missing (expected the settings bench writes, schema parm-bench/bench-settings@1)`);
  }
  return value as BenchSettings;
}

function runEnd(results: BenchResults): string | null {
  let end = -Infinity;
  for (const r of results.systems) {
    const t = Date.parse(r.summary.startedAt) + r.summary.elapsedMs;
    if (Number.isFinite(t) && t > end) end = t;
  }
  return Number.isFinite(end) ? new Date(end).toISOString() : null;
}

export function buildRunManifest(runDir: string, results: BenchResults, options: { recordedBy: 'bench' | 'report'; reportSeed: number }): RunManifest {
  const settings = readBenchSettings(runDir);
  const configuration = { workload: settings.workload, command: settings.command, resolved: settings.resolved, cluster: settings.cluster };
  const cpu = cpus();
  return {
    schema: RUN_MANIFEST_SCHEMA,
    git: { sha: settings.git.sha, dirty: settings.git.dirty },
    configuration,
    configurationSha256: sha256(canonicalJson({ workload: settings.workload, resolved: settings.resolved, seed: settings.seeds.run })),
    seeds: { ...settings.seeds, reportBootstrap: options.reportSeed },
    host: {
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
      cores: cpu.length,
      availableParallelism: availableParallelism(),
      memoryBytes: totalmem(),
      os: `${osType()} ${release()} (${osVersion()})`,
      platform: platform(),
      arch: arch(),
      recordedBy: options.recordedBy,
    },
    versions: {
      ...settings.software,
      node: settings.software.node ?? process.version,
      onnxruntimeNode: settings.software.onnxruntimeNode ?? installedVersion('onnxruntime-node'),
      tfjs: installedVersion('@tensorflow/tfjs'),
      tfjsNode: installedVersion('@tensorflow/tfjs-node'),
      chartJs: installedVersion('chart.js'),
    },
    backend: settings.resolved.instances?.backend ?? 'unknown',
    startedAt: settings.createdAt,
    endedAt: runEnd(results),
    systems: results.systems.map((r) => r.system),
  };
}
