import type { QueuedRequest } from '../pull-queue.ts';
import type { Query } from '../serving-system.ts';
import { sampleLength, type Encoder } from './encoder.ts';
import { decodeSampleBySubtraction } from './subtraction-decoder.ts';

export type RequestState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** A data request: one query, or a batch of B consecutive queries, for a deployed instance. */
export interface DataRequest extends QueuedRequest {
  readonly group: CodingGroup;
  /** Position in the coding group, 0..k-1, in arrival order. */
  readonly position: number;
  readonly queries: readonly Query[];
  state: RequestState;
  /** The deployed model's output (batch x classes), once back. */
  output: Float32Array | undefined;
  /** Queries of the request not answered or lost yet. */
  open: number;
  errorRetries: number;
  lastError: Error | undefined;
  /** Links on ParmSystem's list of requests still waiting for an output (see LinkedList). */
  listPrev: DataRequest | undefined;
  listNext: DataRequest | undefined;
  listed: boolean;
}

/** The parity request of a coding group: sample i encodes sample i of each of the k data requests. */
export interface ParityRequest extends QueuedRequest {
  readonly group: CodingGroup;
  state: RequestState;
  errorRetries: number;
  lastError: Error | undefined;
}

/** True when the request still needs its output: none is back and some of its queries wait for an answer. */
export function needsAnswer(request: DataRequest): boolean {
  return request.output === undefined && request.open > 0;
}

/**
 * A ParM coding group: k data requests in arrival order and, once the k-th has arrived, one parity
 * request. Holds the outputs as they come back and says when one data output can be decoded.
 */
export class CodingGroup {
  readonly data: DataRequest[] = [];
  parity: ParityRequest | undefined;
  parityOutput: Float32Array | undefined;
  /** The parity instance that produced parityOutput. */
  parityInstance: string | undefined;

  constructor(
    readonly k: number,
    /** 0, 1, 2, ... in arrival order. */
    readonly index: number,
  ) {}

  get complete(): boolean {
    return this.data.length === this.k;
  }

  /** Some data request of the group still needs an output (so the parity output may still be useful). */
  hasNeedyData(): boolean {
    return this.data.some(needsAnswer);
  }

  /**
   * The data request to decode now, if any: k of the k + 1 outputs are back, the missing one is a
   * data output, and that request still has queries to answer.
   */
  decodable(): DataRequest | undefined {
    if (!this.parityOutput || !this.complete) return undefined;
    let missing: DataRequest | undefined;
    for (const r of this.data) {
      if (r.output) continue;
      if (missing) return undefined;
      missing = r;
    }
    return missing && missing.open > 0 ? missing : undefined;
  }

  /**
   * Decodes sample `sample` of the missing request: the parity output minus the other k - 1 data
   * outputs (subtracted in group order).
   */
  reconstruct(missing: DataRequest, sample: number, classes: number, out: Float32Array): Float32Array {
    // Sized once (k - 1): an empty array that is pushed to grows room for 17 entries.
    const others = new Array<Float32Array>(this.k - 1);
    let n = 0;
    for (const r of this.data) if (r !== missing) others[n++] = r.output!;
    return decodeSampleBySubtraction(this.parityOutput!, others, sample * classes, classes, out);
  }

  /** The parity input for the complete group: `batch` encoded samples, one per position in the batches. */
  encodeParity(encoder: Encoder, batch: number): Float32Array {
    const len = sampleLength(encoder.shape);
    const out = new Float32Array(batch * len);
    const members: Float32Array[] = new Array(this.k);
    for (let i = 0; i < batch; i++) {
      for (let j = 0; j < this.k; j++) members[j] = this.data[j].queries[i].input;
      encoder.encodeInto(members, out, i * len);
    }
    return out;
  }
}
