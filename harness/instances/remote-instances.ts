/**
 * The remote backend: instances served by any Open Inference Protocol (KServe v2) server, e.g.
 * Triton on GPU machines. Each spec names a server URL and a model; the model's metadata is read
 * first, so input and output names and shapes come from the server.
 */
import { readFileSync } from 'node:fs';
import type { InstanceRole } from '../../systems/instance.ts';
import { instanceSetOf, INSTANCE_ROLES, type InstanceCluster } from './instance-cluster.ts';
import { OipClient } from './oip-client.ts';
import { ClientInstance } from './client-instance.ts';

export interface RemoteInstanceSpec {
  readonly role: InstanceRole;
  /** The server's base URL, e.g. http://gpu-3:8000 */
  readonly url: string;
  readonly modelName: string;
  /** Default "<role>-<index among that role>". */
  readonly id?: string;
}

export interface RemoteInstancesOptions {
  /** Time limit for reading each model's metadata; default 10 s. */
  readonly controlTimeoutMs?: number;
}

export interface RemoteInstanceCluster extends InstanceCluster {
  /** The clients, by instance id (for health checks and metadata). */
  readonly clients: ReadonlyMap<string, OipClient>;
}

export async function remoteInstances(specs: readonly RemoteInstanceSpec[], options: RemoteInstancesOptions = {}): Promise<RemoteInstanceCluster> {
  if (specs.length === 0) throw new Error('remote instances: give at least one {role, url, modelName}');
  const counts = new Map<InstanceRole, number>();
  const ids = specs.map((spec, i) => {
    if (!INSTANCE_ROLES.includes(spec.role)) {
      throw new Error(`remote instance ${i}: role must be one of ${INSTANCE_ROLES.join(', ')}, got ${JSON.stringify(spec.role)}`);
    }
    const n = counts.get(spec.role) ?? 0;
    counts.set(spec.role, n + 1);
    return spec.id ?? `${spec.role}-${n}`;
  });
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) throw new Error(`remote instances: the id "${duplicate}" is used twice`);

  const results = await Promise.allSettled(
    specs.map((spec, i) =>
      OipClient.connect(spec.url, spec.modelName, { label: `${ids[i]} (model "${spec.modelName}" at ${spec.url})`, controlTimeoutMs: options.controlTimeoutMs }),
    ),
  );
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  const clients = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (failures.length > 0) {
    for (const c of clients) c.close();
    throw new Error(`remote instances: ${failures.length} of ${specs.length} could not be used:\n  ${failures.join('\n  ')}`);
  }
  const instances = specs.map((spec, i) => new ClientInstance(ids[i], spec.role, clients[i]));
  let stopped = false;
  return {
    instances: instanceSetOf(instances),
    clients: new Map(instances.map((inst) => [inst.id, inst.client])),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const inst of instances) inst.client.close();
    },
  };
}

/**
 * The endpoints file of `npm run bench -- --backend remote --remote FILE`:
 *
 *   {"schema": "parm-bench/remote-instances@1",
 *    "instances": [{"role": "deployed", "url": "http://gpu-1:8000", "model": "resnet18"}, ...,
 *                  {"role": "parity", "url": "http://gpu-13:8000", "model": "resnet18-parity-k2"}]}
 *
 * Instances of a role are numbered in the order listed (deployed-0, deployed-1, ...).
 */
export const REMOTE_INSTANCES_SCHEMA = 'parm-bench/remote-instances@1';

export function readRemoteInstancesFile(path: string): RemoteInstanceSpec[] {
  const fail = (field: string, problem: string): never => {
    throw new Error(`remote instances file ${path}: ${field}: ${problem}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return fail('(file)', `cannot be read as JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('(top level)', 'expected an object {"schema", "instances"}');
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) if (key !== 'schema' && key !== 'instances') fail(key, 'unknown key (allowed: schema, instances)');
  if (o.schema !== REMOTE_INSTANCES_SCHEMA) fail('schema', `expected "${REMOTE_INSTANCES_SCHEMA}", found ${JSON.stringify(o.schema)}`);
  if (!Array.isArray(o.instances) || o.instances.length === 0) fail('instances', 'expected a non-empty list of {"role", "url", "model"}');
  return (o.instances as unknown[]).map((item, i) => {
    const at = `instances[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return fail(at, 'expected {"role", "url", "model"}');
    const e = item as Record<string, unknown>;
    for (const key of Object.keys(e)) if (!['role', 'url', 'model'].includes(key)) fail(`${at}.${key}`, 'unknown key (allowed: role, url, model)');
    if (!INSTANCE_ROLES.includes(e.role as InstanceRole)) fail(`${at}.role`, `expected one of ${INSTANCE_ROLES.join(', ')}, found ${JSON.stringify(e.role)}`);
    if (typeof e.url !== 'string' || !/^https?:\/\/[^/]+/.test(e.url)) fail(`${at}.url`, `expected the server's base URL such as "http://gpu-3:8000", found ${JSON.stringify(e.url)}`);
    if (typeof e.model !== 'string' || e.model.length === 0) fail(`${at}.model`, `expected the model's name on that server, found ${JSON.stringify(e.model)}`);
    return { role: e.role as InstanceRole, url: e.url as string, modelName: e.model as string };
  });
}
