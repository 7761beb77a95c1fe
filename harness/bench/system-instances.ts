import type { Instance, InstanceRole, InstanceSet } from '../../systems/instance.ts';
import type { SystemName } from '../../systems/create-system.ts';

/**
 * Which instances each system gets out of one shared cluster, and which of them stands on which
 * machine (the contention schedule's numbering). For N deployed instances and coding-group size k:
 *
 *   baseline            deployed 0..N-1
 *   equal-resources     deployed 0..N+N/k-1
 *   hedged              deployed 0..N+N/k-1
 *   replication         deployed 0..2N-1
 *   approximate-backup  deployed 0..N-1, backup 0..N/k-1
 *   parm                deployed 0..N-1, parity 0..N/k-1
 *
 * Machine m is the m-th instance of the system's list (deployed first, then parity, then backup):
 * machines 0..N-1 are always the N deployed instances; machines N.. the extra ones.
 */
export type InstanceCounts = Readonly<Record<InstanceRole, number>>;

export function instancesNeeded(system: SystemName, n: number, k: number): InstanceCounts {
  const extra = n / k;
  switch (system) {
    case 'baseline':
      return { deployed: n, parity: 0, backup: 0 };
    case 'equal-resources':
    case 'hedged':
      return { deployed: n + extra, parity: 0, backup: 0 };
    case 'replication':
      return { deployed: 2 * n, parity: 0, backup: 0 };
    case 'approximate-backup':
      return { deployed: n, parity: 0, backup: extra };
    case 'parm':
      return { deployed: n, parity: extra, backup: 0 };
  }
}

/** Instances to start so that every listed system can run: the largest need per role. */
export function clusterCounts(systems: readonly SystemName[], n: number, k: number): InstanceCounts {
  const counts = { deployed: 0, parity: 0, backup: 0 };
  for (const s of systems) {
    const need = instancesNeeded(s, n, k);
    for (const role of ['deployed', 'parity', 'backup'] as const) counts[role] = Math.max(counts[role], need[role]);
  }
  return counts;
}

export interface SystemInstances {
  readonly set: InstanceSet;
  /** machines[m]: the system's instance on machine m, or undefined. */
  readonly machines: readonly (Instance | undefined)[];
}

/** The system's share of the cluster's instances, and its machine numbering. */
export function systemInstances(system: SystemName, all: InstanceSet, n: number, k: number, machineCount: number): SystemInstances {
  const need = instancesNeeded(system, n, k);
  const take = (role: InstanceRole): readonly Instance[] => {
    const have = all[role];
    if (have.length < need[role]) throw new Error(`${system} needs ${need[role]} ${role} instances; the cluster has ${have.length}`);
    return Object.freeze(have.slice(0, need[role]));
  };
  const set: InstanceSet = Object.freeze({ deployed: take('deployed'), parity: take('parity'), backup: take('backup') });
  const ordered = [...set.deployed, ...set.parity, ...set.backup];
  return { set, machines: Array.from({ length: machineCount }, (_, m) => ordered[m]) };
}
