import { spawn, type ChildProcess } from 'node:child_process';
import { killChildrenOnExit } from '../instances/child-process-cleanup.ts';

/** A busy loop that also ends when its parent goes (its stdin, a pipe from the parent, closes). */
const HOG_SCRIPT = "process.stdin.on('close', () => process.exit(0)); process.stdin.resume(); setImmediate(function spin() { const end = Date.now() + 50; while (Date.now() < end); setImmediate(spin); });";

/**
 * Real CPU contention: `processes` child processes that each spin on a core (a noisy co-tenant on
 * this computer, competing with the instances and the frontend). stop() kills them (SIGKILL);
 * they are also killed if this process exits or gets a signal, and exit when its stdin closes.
 */
export class CpuHog {
  private children: ChildProcess[] = [];
  private unregister: (() => void) | undefined;

  get running(): number {
    return this.children.filter((c) => c.exitCode === null && c.signalCode === null).length;
  }

  pids(): number[] {
    return this.children.flatMap((c) => (c.pid !== undefined && c.exitCode === null && c.signalCode === null ? [c.pid] : []));
  }

  start(processes: number): void {
    if (!Number.isInteger(processes) || processes < 1) throw new RangeError(`cpu hog: processes must be a positive integer, got ${processes}`);
    this.unregister ??= killChildrenOnExit(() => this.pids());
    for (let i = 0; i < processes; i++) {
      const child = spawn(process.execPath, ['-e', HOG_SCRIPT], {
        stdio: ['pipe', 'ignore', 'ignore'],
        env: { ...process.env, NODE_OPTIONS: '', NODE_TEST_CONTEXT: '' },
      });
      child.on('error', () => {});
      this.children.push(child);
    }
  }

  /** Kills every hog process; resolves when they have exited. */
  async stop(): Promise<void> {
    const children = this.children;
    this.children = [];
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) {
              resolve();
              return;
            }
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    this.unregister?.();
    this.unregister = undefined;
  }
}
