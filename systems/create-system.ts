import { BASELINE_OPTION_NAMES, BaselineSystem, type BaselineOptions } from './baseline/baseline-system.ts';
import { EqualResourcesSystem } from './baseline/equal-resources-system.ts';
import { PARM_OPTION_NAMES, ParmSystem, type ParmOptions } from './parm/parm-system.ts';
import {
  APPROXIMATE_BACKUP_OPTION_NAMES,
  ApproximateBackupSystem,
  type ApproximateBackupOptions,
} from './replication/approximate-backup-system.ts';
import { HEDGED_OPTION_NAMES, HedgedSystem, type HedgedOptions } from './replication/hedged-system.ts';
import { REPLICATION_OPTION_NAMES, ReplicationSystem, type ReplicationOptions } from './replication/replication-system.ts';
import type { SystemContext } from './serving-system.ts';
import { checkOptionNames, SystemConfigError } from './system-config.ts';
import type { MeasuredServingSystem } from './system-stats.ts';

export const SYSTEM_NAMES = ['baseline', 'equal-resources', 'replication', 'hedged', 'approximate-backup', 'parm'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

/** Options of each system, by name. */
export interface SystemOptionsByName {
  baseline: BaselineOptions;
  'equal-resources': BaselineOptions;
  replication: ReplicationOptions;
  hedged: HedgedOptions;
  'approximate-backup': ApproximateBackupOptions;
  parm: ParmOptions;
}

/** Which instances each system is given (N deployed; k the coding-group size). */
export const SYSTEM_INSTANCES: Readonly<Record<SystemName, string>> = {
  baseline: 'N deployed',
  'equal-resources': 'N + N/k deployed',
  replication: '2N deployed (first half originals, second half replicas)',
  hedged: 'N + N/k deployed',
  'approximate-backup': 'N deployed + N/k backup',
  parm: 'N deployed + N/k parity, and an encoder',
};

export function isSystemName(value: unknown): value is SystemName {
  return typeof value === 'string' && (SYSTEM_NAMES as readonly string[]).includes(value);
}

/**
 * Builds the named system over the context's clock and instances. Options come as read from a
 * configuration (unknown names and wrong values are rejected). Throws SystemConfigError with what
 * to change when the name is unknown or the options or instances do not fit the system.
 */
export function createSystem(name: string, context: SystemContext, options: Readonly<Record<string, unknown>> = {}): MeasuredServingSystem {
  if (!isSystemName(name)) {
    throw new SystemConfigError(`unknown system "${name}": choose one of ${SYSTEM_NAMES.join(', ')}`);
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new SystemConfigError(`${name}: options must be an object of option names to values`);
  }
  switch (name) {
    case 'baseline':
      checkOptionNames(name, options, BASELINE_OPTION_NAMES);
      return new BaselineSystem(context, options as BaselineOptions);
    case 'equal-resources':
      checkOptionNames(name, options, BASELINE_OPTION_NAMES);
      return new EqualResourcesSystem(context, options as BaselineOptions);
    case 'replication':
      checkOptionNames(name, options, REPLICATION_OPTION_NAMES);
      return new ReplicationSystem(context, options as ReplicationOptions);
    case 'hedged':
      checkOptionNames(name, options, HEDGED_OPTION_NAMES);
      return new HedgedSystem(context, options as HedgedOptions);
    case 'approximate-backup':
      checkOptionNames(name, options, APPROXIMATE_BACKUP_OPTION_NAMES);
      return new ApproximateBackupSystem(context, options as ApproximateBackupOptions);
    case 'parm':
      checkOptionNames(name, options, PARM_OPTION_NAMES);
      return new ParmSystem(context, options as ParmOptions);
  }
}
