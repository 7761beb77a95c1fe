/**
 * Service-time profiles of an emulated GPU node: how long the GPU it stands for would take to
 * answer one request. Draws are seeded, so a run is repeatable.
 *
 *   {"kind":"constant","ms":20}                      always 20 ms
 *   {"kind":"lognormal","medianMs":20,"sigma":0.05}  20 ms x exp(0.05 N(0,1)): small jitter
 *   {"kind":"zero"}                                  no added time: as fast as the model computes
 */
import { SeededRandom } from '../seeded-random.ts';

export type ServiceTimeProfile =
  | { readonly kind: 'constant'; readonly ms: number }
  | { readonly kind: 'lognormal'; readonly medianMs: number; readonly sigma: number }
  | { readonly kind: 'zero' };

/** The profile an emulated instance uses when none is given. */
export const DEFAULT_SERVICE_TIME: ServiceTimeProfile = { kind: 'lognormal', medianMs: 20, sigma: 0.05 };

const KEYS: Record<ServiceTimeProfile['kind'], readonly string[]> = {
  constant: ['kind', 'ms'],
  lognormal: ['kind', 'medianMs', 'sigma'],
  zero: ['kind'],
};

const EXAMPLES = '{"kind":"constant","ms":20}, {"kind":"lognormal","medianMs":20,"sigma":0.05} or {"kind":"zero"}';

/** Checks a parsed JSON value; `source` names where it came from, e.g. "--service-time". */
export function parseServiceTimeProfile(value: unknown, source: string): ServiceTimeProfile {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${source}: a service-time profile must be a JSON object such as ${EXAMPLES}`);
  }
  const v = value as Record<string, unknown>;
  const kind = v.kind;
  if (kind !== 'constant' && kind !== 'lognormal' && kind !== 'zero') {
    throw new Error(`${source}: "kind" must be "constant", "lognormal" or "zero", got ${JSON.stringify(kind)}; e.g. ${EXAMPLES}`);
  }
  const unknown = Object.keys(v).filter((k) => !KEYS[kind].includes(k));
  if (unknown.length > 0) {
    throw new Error(`${source}: unknown key ${unknown.map((k) => `"${k}"`).join(', ')} for kind "${kind}" (allowed: ${KEYS[kind].join(', ')})`);
  }
  const number = (key: string, ok: (n: number) => boolean, what: string): number => {
    const n = v[key];
    if (typeof n !== 'number' || !Number.isFinite(n) || !ok(n)) {
      throw new Error(`${source}: "${key}" must be ${what}, got ${JSON.stringify(n)}`);
    }
    return n;
  };
  switch (kind) {
    case 'constant':
      return { kind, ms: number('ms', (n) => n >= 0, 'a number of milliseconds >= 0') };
    case 'lognormal':
      return {
        kind,
        medianMs: number('medianMs', (n) => n > 0, 'a number of milliseconds > 0'),
        sigma: number('sigma', (n) => n >= 0 && n <= 5, 'a number from 0 to 5 (the standard deviation of the log)'),
      };
    case 'zero':
      return { kind };
  }
}

/** Parses the JSON text of a profile (as given on the command line). */
export function parseServiceTimeJson(text: string, source: string): ServiceTimeProfile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${(err as Error).message}); give e.g. ${EXAMPLES}`);
  }
  return parseServiceTimeProfile(value, source);
}

/** Draws service times (ms) from a profile, repeatably for a seed. */
export class ServiceTimeSampler {
  private readonly random: SeededRandom;

  constructor(
    readonly profile: ServiceTimeProfile,
    seed: number,
  ) {
    this.random = new SeededRandom(seed);
  }

  next(): number {
    const p = this.profile;
    switch (p.kind) {
      case 'constant':
        return p.ms;
      case 'lognormal':
        return p.medianMs * Math.exp(p.sigma * this.random.nextNormal());
      case 'zero':
        return 0;
    }
  }
}
