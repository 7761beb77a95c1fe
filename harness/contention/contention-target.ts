/**
 * What a contention schedule is applied to: the machines of one system's run. Machine numbers are
 * the schedule's (see contention-spec.ts); the target maps them to its instances and ignores
 * machines it has no instance on (returning false: "not applicable", counted as skipped). Calls
 * may be asynchronous (e.g. a control request to an instance server); a rejected promise is
 * recorded by the player, not thrown.
 */
export type TargetResult = void | boolean | Promise<void | boolean>;

export interface ContentionTarget {
  /** Multiplies the machine's service times from now on (1 = none). */
  setSlowdown(machine: number, factor: number): TargetResult;
  /** Freezes the machine's instance (SIGSTOP) / lets it go on (SIGCONT). */
  pause(machine: number): TargetResult;
  resume(machine: number): TargetResult;
  /** Ends the machine's instance (SIGKILL). */
  crash(machine: number): TargetResult;
  /**
   * Starts the crashed instance of the machine again (same id and configuration); resolves when it
   * serves. Optional: a target without it skips restart events (counted as skipped).
   */
  restart?(machine: number): TargetResult;
  /** Starts / stops a co-located query stream on the machine (Poisson, rate q/s, seeded). */
  startNeighbour(machine: number, rate: number, seed: number): TargetResult;
  stopNeighbour(machine: number): TargetResult;
  /** Starts / stops busy-looping processes on this computer. */
  startCpuHog(processes: number): TargetResult;
  stopCpuHog(): TargetResult;
}
