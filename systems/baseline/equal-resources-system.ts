import type { SystemContext } from '../serving-system.ts';
import { BaselineSystem, type BaselineOptions } from './baseline-system.ts';

/**
 * The paper's Equal-Resources baseline: the no-redundancy policy over as many instances of F as
 * ParM uses in all (N deployed + N/k parity), so that the extra instances simply add capacity. The
 * harness passes the larger deployed set; only the name (and so the reports) differ from baseline.
 */
export class EqualResourcesSystem extends BaselineSystem {
  constructor(context: SystemContext, options: BaselineOptions = {}) {
    super(context, options, 'equal-resources');
  }
}
