/**
 * An Instance (systems/instance.ts) backed by a client of one instance server: the framed client
 * (the local emulated and real backends' default transport) or the Open Inference Protocol client
 * (local instances with transport "oip", and any remote OIP server). Both clients already keep
 * the Instance contract for infer(); this adds the instance's name and role.
 *
 * A local instance whose process is restarted after a crash gets the new process's client through
 * replaceClient(): the systems keep the same Instance, and those that took it out of their pools
 * after its down outcome are told through whenUp() that it serves again.
 */
import type { InferenceHandle, InferenceOutcome, Instance, InstanceRole } from '../../systems/instance.ts';

export interface InstanceClient {
  readonly model: { readonly inputSize: number; readonly outputSize: number };
  infer(input: Float32Array, batch: number, done: (outcome: InferenceOutcome) => void): InferenceHandle;
}

export class ClientInstance<C extends InstanceClient> implements Instance {
  readonly inputSize: number;
  readonly outputSize: number;
  private current: C;
  /** Counts client replacements: a down outcome from an older client says nothing of the current one. */
  private generation = 0;
  private up = true;
  private upListeners: (() => void)[] = [];

  constructor(
    readonly id: string,
    readonly role: InstanceRole,
    client: C,
  ) {
    this.current = client;
    this.inputSize = client.model.inputSize;
    this.outputSize = client.model.outputSize;
  }

  /** The client inferences go to now. */
  get client(): C {
    return this.current;
  }

  infer(input: Float32Array, batch: number, done: (outcome: InferenceOutcome) => void): InferenceHandle {
    const generation = this.generation;
    return this.current.infer(input, batch, (outcome) => {
      if (!outcome.ok && outcome.instanceDown && generation === this.generation) this.up = false;
      done(outcome);
    });
  }

  whenUp(listener: () => void): void {
    // Down news from a client already replaced: the instance is up; say so on the next turn.
    if (this.up) setImmediate(listener);
    else this.upListeners.push(listener);
  }

  /** Sends inferences to `next` from now on (the restarted server's client) and tells the whenUp() listeners. */
  replaceClient(next: C): void {
    if (next.model.inputSize !== this.inputSize || next.model.outputSize !== this.outputSize) {
      throw new Error(`${this.id}: the new server takes ${next.model.inputSize} values and gives ${next.model.outputSize}; before it was ${this.inputSize} and ${this.outputSize}`);
    }
    this.current = next;
    this.generation++;
    this.up = true;
    const listeners = this.upListeners;
    this.upListeners = [];
    for (const listener of listeners) listener();
  }
}
