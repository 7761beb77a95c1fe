/**
 * A started set of instances, whatever the backend (local emulated or real processes, remote
 * OIP servers): the systems get `instances`, the harness calls `stop()` when the run ends.
 */
import type { Instance, InstanceRole, InstanceSet } from '../../systems/instance.ts';

export interface InstanceCluster {
  readonly instances: InstanceSet;
  /** Releases everything the cluster holds (processes, connections); resolves when all is gone. Idempotent. */
  stop(): Promise<void>;
}

/** Groups instances by role, in the given order. */
export function instanceSetOf(instances: readonly Instance[]): InstanceSet {
  const byRole = (role: InstanceRole) => Object.freeze(instances.filter((i) => i.role === role));
  return Object.freeze({ deployed: byRole('deployed'), parity: byRole('parity'), backup: byRole('backup') });
}

export const INSTANCE_ROLES: readonly InstanceRole[] = ['deployed', 'parity', 'backup'];
