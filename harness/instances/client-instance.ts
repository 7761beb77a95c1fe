/**
 * An Instance (systems/instance.ts) backed by a client of one instance server: the framed client
 * (the local emulated and real backends' default transport) or the Open Inference Protocol client
 * (local instances with transport "oip", and any remote OIP server). Both clients already keep
 * the Instance contract for infer(); this adds the instance's name and role.
 */
import type { InferenceHandle, InferenceOutcome, Instance, InstanceRole } from '../../systems/instance.ts';

export interface InstanceClient {
  readonly model: { readonly inputSize: number; readonly outputSize: number };
  infer(input: Float32Array, batch: number, done: (outcome: InferenceOutcome) => void): InferenceHandle;
}

export class ClientInstance<C extends InstanceClient> implements Instance {
  readonly inputSize: number;
  readonly outputSize: number;

  constructor(
    readonly id: string,
    readonly role: InstanceRole,
    readonly client: C,
  ) {
    this.inputSize = client.model.inputSize;
    this.outputSize = client.model.outputSize;
  }

  infer(input: Float32Array, batch: number, done: (outcome: InferenceOutcome) => void): InferenceHandle {
    return this.client.infer(input, batch, done);
  }
}
