/**
 * An Instance (systems/instance.ts) backed by one of parm-bench's own instance servers over the
 * framed protocol: the local emulated and real backends' default transport.
 */
import type { InferenceHandle, InferenceOutcome, Instance, InstanceRole } from '../../systems/instance.ts';
import type { FramedClient } from './framed-client.ts';

export class FramedInstance implements Instance {
  readonly inputSize: number;
  readonly outputSize: number;

  constructor(
    readonly id: string,
    readonly role: InstanceRole,
    readonly client: FramedClient,
  ) {
    this.inputSize = client.model.inputSize;
    this.outputSize = client.model.outputSize;
  }

  infer(input: Float32Array, batch: number, done: (outcome: InferenceOutcome) => void): InferenceHandle {
    return this.client.infer(input, batch, done);
  }
}
