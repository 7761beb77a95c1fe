/**
 * A model instance as a serving system sees it: somewhere to send one inference at a time.
 * Backends (emulated GPU node, real, remote OIP v2 server, simulated) implement this; the
 * systems' policy code knows nothing else about them.
 *
 * The interface is callback-based on purpose: a completion is delivered as an event at the
 * moment it happens, so the same policy code runs exactly under a real clock, a manual test
 * clock and a discrete-event simulator (promises would defer reactions to a later microtask).
 */
export type InstanceRole = 'deployed' | 'parity' | 'backup';

export type InferenceOutcome =
  | { readonly ok: true; readonly output: Float32Array }
  | {
      readonly ok: false;
      readonly error: Error;
      /** True when the instance is gone (crashed, killed, unreachable): send it nothing more. */
      readonly instanceDown: boolean;
    };

export interface InferenceHandle {
  /**
   * The caller no longer wants the result: the instance drops the work if it has not started
   * it, and the callback is not called. Work already running finishes and is discarded.
   */
  cancel(): void;
}

export interface Instance {
  /** Stable name, e.g. "deployed-3", "parity-0", "backup-1". */
  readonly id: string;
  readonly role: InstanceRole;
  /** Values per input sample and per output sample. */
  readonly inputSize: number;
  readonly outputSize: number;
  /**
   * False when the instance never looks at input values, only at how many there are (a simulated
   * instance runs no model). A system may then send any values of the right length, e.g. skip
   * encoding a ParM parity query, which is pure waste of wall time in a simulation. Absent: true.
   */
  readonly readsInputValues?: boolean;
  /**
   * Runs the model on `batch` samples (`input` holds batch x inputSize values) and calls `done`
   * exactly once, later (never synchronously), unless cancelled first. Systems send an instance
   * one inference at a time (a GPU serving batch 1) and queue the rest themselves.
   */
  infer(input: Float32Array, batch: number, done: (outcome: InferenceOutcome) => void): InferenceHandle;
  /**
   * Optional, for instances that can come back after going down (a crashed process restarted by
   * the harness): calls `listener` once, when the instance serves again after its last down
   * outcome. A system that took the instance out of its pool may then put it back.
   */
  whenUp?(listener: () => void): void;
}

/** The instances a system is given, by role. */
export interface InstanceSet {
  readonly deployed: readonly Instance[];
  readonly parity: readonly Instance[];
  readonly backup: readonly Instance[];
}
