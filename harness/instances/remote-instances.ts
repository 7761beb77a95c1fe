/**
 * The remote backend: instances served by any Open Inference Protocol (KServe v2) server, e.g.
 * Triton on GPU machines. Each spec names a server URL and a model; the model's metadata is read
 * first, so input and output names and shapes come from the server.
 */
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
