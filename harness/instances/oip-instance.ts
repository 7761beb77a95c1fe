/**
 * An Instance (systems/instance.ts) backed by an Open Inference Protocol endpoint: parm-bench's
 * own instance servers (emulated and real backends) and any remote OIP server.
 */
import type { InferenceHandle, InferenceOutcome, Instance, InstanceRole } from '../../systems/instance.ts';
import type { OipClient } from './oip-client.ts';

export class OipInstance implements Instance {
  readonly inputSize: number;
  readonly outputSize: number;

  constructor(
    readonly id: string,
    readonly role: InstanceRole,
    readonly client: OipClient,
  ) {
    this.inputSize = client.model.inputSize;
    this.outputSize = client.model.outputSize;
  }

  infer(input: Float32Array, batch: number, done: (outcome: InferenceOutcome) => void): InferenceHandle {
    return this.client.infer(input, batch, done);
  }
}
