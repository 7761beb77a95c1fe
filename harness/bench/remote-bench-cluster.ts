/**
 * `npm run bench -- --backend remote --remote FILE`: the instances are Open Inference Protocol
 * servers somewhere else (harness/instances/remote-instances.ts), listed per role in FILE.
 * Contention is applied where the harness has a handle on it: slowdowns through the control
 * endpoint when the server is parm-bench's own instance server (it announces the
 * "parm_bench_control" extension in GET /v2); signals (pauses, crashes, restarts) need a local
 * process and are skipped, each skip counted with its reason. Neighbour streams (extra queries)
 * and the CPU hog (on this machine) work as with local instances.
 */
import { remoteInstances, readRemoteInstancesFile, type RemoteInstanceCluster } from '../instances/remote-instances.ts';
import type { ContentionCluster } from '../contention/cluster-contention-target.ts';
import type { InstanceSet } from '../../systems/instance.ts';
import type { InstanceCounts } from './system-instances.ts';

export const CONTROL_EXTENSION = 'parm_bench_control';

export interface RemoteBenchCluster extends ContentionCluster {
  readonly instances: InstanceSet;
  readonly ids: readonly string[];
  /** Per instance: its URL, model and whether it has the slowdown control endpoint. */
  readonly endpoints: readonly { readonly id: string; readonly url: string; readonly model: string; readonly control: boolean }[];
  stop(): Promise<void>;
}

export async function connectRemoteBenchCluster(file: string, counts: InstanceCounts, sampleSize: number): Promise<RemoteBenchCluster> {
  const specs = readRemoteInstancesFile(file);
  for (const role of ['deployed', 'parity', 'backup'] as const) {
    const have = specs.filter((s) => s.role === role).length;
    if (have < counts[role]) {
      throw new Error(`remote instances file ${file}: the systems of this run need ${counts[role]} ${role} instances, the file lists ${have}: add ${role} endpoints, or run fewer systems (--systems)`);
    }
  }
  const cluster: RemoteInstanceCluster = await remoteInstances(specs);
  try {
    const all = [...cluster.instances.deployed, ...cluster.instances.parity, ...cluster.instances.backup];
    for (const instance of all) {
      if (instance.inputSize !== sampleSize) {
        throw new Error(`remote instances file ${file}: ${instance.id} takes ${instance.inputSize} values per sample, but the workload's model set gives samples of ${sampleSize}: point it at the model for this workload`);
      }
    }
    // Which servers are parm-bench instance servers (with the control endpoint)?
    const control = new Map<string, boolean>();
    await Promise.all(
      [...cluster.clients].map(async ([id, client]) => {
        try {
          const reply = await client.getJson('/v2');
          const extensions = (reply.body as { extensions?: unknown } | null)?.extensions;
          control.set(id, reply.status === 200 && Array.isArray(extensions) && extensions.includes(CONTROL_EXTENSION));
        } catch {
          control.set(id, false);
        }
      }),
    );
    const endpoints = [...cluster.clients.keys()].map((id) => {
      const client = cluster.clients.get(id)!;
      return { id, url: client.url, model: client.model.modelName, control: control.get(id) ?? false };
    });
    const noSignals = 'a remote instance has no local process to signal (pauses, crashes and restarts need the emulated or real backend)';
    return {
      instances: cluster.instances,
      ids: endpoints.map((e) => e.id),
      endpoints,
      stop: () => cluster.stop(),
      hasExited: () => false,
      unsupported: (id, action) => {
        if (action === 'slowdown') {
          return control.get(id) ? null : `the server of ${id} is not a parm-bench instance server (no ${CONTROL_EXTENSION} extension in GET /v2), so it cannot be slowed down from here`;
        }
        return noSignals;
      },
      setSlowdown: async (id, factor) => {
        const client = cluster.clients.get(id);
        if (!client) throw new Error(`no remote instance "${id}"`);
        const reply = await client.postJson('/parm-bench/v1/slowdown', { factor });
        if (reply.status !== 200) throw new Error(`${id}: setting the slowdown failed with HTTP ${reply.status}: ${JSON.stringify(reply.body)}`);
      },
      kill: () => {
        throw new Error(noSignals);
      },
      restart: () => Promise.reject(new Error(noSignals)),
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
