import type { Instance, InstanceRole } from './instance.ts';
import type { SystemContext } from './serving-system.ts';

/** A system was asked for with options or instances it cannot work with. The message says what to change. */
export class SystemConfigError extends Error {
  override readonly name = 'SystemConfigError';
}

/** How many instances of each role a system needs. */
export interface InstanceNeeds {
  /** Minimum number of deployed instances; `even`: the count must be even (two equal groups). */
  readonly deployed: { readonly min: number; readonly even?: boolean };
  /** 'some': at least one; 'none': the system does not use this role and must not be given any. */
  readonly parity: 'some' | 'none';
  readonly backup: 'some' | 'none';
}

/**
 * Checks that the instances fit the system: counts per role, one input size shared by all (every
 * role takes a sample of the deployed model's size: parity queries are encoded to that size),
 * outputs of `classes` values, unique ids; and that a deadline comes with a default output.
 */
export function checkSystemContext(system: string, context: SystemContext, needs: InstanceNeeds): void {
  const { deployed, parity, backup } = context.instances;
  if (!Number.isInteger(context.classes) || context.classes < 1) {
    throw new SystemConfigError(`${system}: classes must be a positive integer, got ${context.classes}`);
  }
  if (deployed.length < needs.deployed.min) {
    throw new SystemConfigError(
      `${system} needs at least ${needs.deployed.min} deployed instance${needs.deployed.min === 1 ? '' : 's'}, got ${deployed.length}`,
    );
  }
  if (needs.deployed.even && deployed.length % 2 !== 0) {
    throw new SystemConfigError(
      `${system} splits the deployed instances into two equal groups (original and replica): give an even number, got ${deployed.length}`,
    );
  }
  const checkRole = (role: 'parity' | 'backup', list: readonly Instance[], need: 'some' | 'none') => {
    if (need === 'some' && list.length === 0) {
      throw new SystemConfigError(`${system} needs at least one ${role} instance, got none`);
    }
    if (need === 'none' && list.length > 0) {
      throw new SystemConfigError(
        `${system} does not use ${role} instances, but ${list.length} were given: start it with ${role}: [] ` +
          `(unused instances would still be counted as its resources)`,
      );
    }
  };
  checkRole('parity', parity, needs.parity);
  checkRole('backup', backup, needs.backup);

  const inputSize = deployed[0].inputSize;
  const ids = new Set<string>();
  const all: [InstanceRole, readonly Instance[]][] = [
    ['deployed', deployed],
    ['parity', parity],
    ['backup', backup],
  ];
  for (const [role, list] of all) {
    for (const inst of list) {
      if (ids.has(inst.id)) throw new SystemConfigError(`${system}: two instances are named "${inst.id}"; instance ids must be unique`);
      ids.add(inst.id);
      if (inst.inputSize !== inputSize) {
        throw new SystemConfigError(
          `${system}: ${role} instance ${inst.id} takes ${inst.inputSize} values per sample, ` +
            `but deployed instance ${deployed[0].id} takes ${inputSize}; every instance must take the same sample size`,
        );
      }
      if (inst.outputSize !== context.classes) {
        throw new SystemConfigError(
          `${system}: ${role} instance ${inst.id} gives ${inst.outputSize} values per sample, expected ${context.classes} (classes)`,
        );
      }
    }
  }

  if (context.deadlineMs !== undefined) {
    if (!(context.deadlineMs > 0) || !Number.isFinite(context.deadlineMs)) {
      throw new SystemConfigError(`${system}: deadlineMs must be a positive number of ms, got ${context.deadlineMs}`);
    }
    if (!context.defaultOutput) {
      throw new SystemConfigError(`${system}: a deadline (deadlineMs ${context.deadlineMs}) needs a defaultOutput to answer with`);
    }
    if (context.defaultOutput.length !== context.classes) {
      throw new SystemConfigError(
        `${system}: defaultOutput has ${context.defaultOutput.length} values, expected ${context.classes} (classes)`,
      );
    }
  }
}

/** Rejects option names the system does not know (a misspelt option would otherwise be ignored silently). */
export function checkOptionNames(system: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if ((options as Record<string, unknown>)[key] === undefined) continue;
    if (!known.includes(key)) {
      const list = known.length ? `known options: ${known.join(', ')}` : 'it takes no options';
      throw new SystemConfigError(`${system}: unknown option "${key}" (${list})`);
    }
  }
}

export function positiveIntegerOption(system: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new SystemConfigError(`${system}: option ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A non-negative number of ms; `Infinity` is allowed when `allowInfinity`. */
export function durationOption(system: string, name: string, value: unknown, allowInfinity = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!allowInfinity && !Number.isFinite(value))) {
    throw new SystemConfigError(
      `${system}: option ${name} must be a non-negative number of ms${allowInfinity ? ' (or Infinity)' : ''}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
