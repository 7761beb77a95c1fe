/**
 * ONNX export of a parm-bench MLP: input "input" of shape [N, ...inputShape], Flatten, then
 * Gemm (transB = 1) + Relu per layer, and a last Gemm whose output "logits" is [N, classes].
 */
import { type MlpWeights, validateMlpWeights } from '../mlp-weights.ts';
import { MODEL_INPUT_NAME, MODEL_OUTPUT_NAME, OnnxGraphBuilder, intAttr, type OnnxModelOptions } from './graph-builder.ts';

export interface MlpOnnxOptions {
  /** Per-sample input shape, e.g. [1, 28, 28] or [784]; its product must equal the first layer's inputs. */
  readonly inputShape: readonly number[];
  readonly metadata?: Readonly<Record<string, string>>;
  readonly docString?: string;
  readonly producerVersion?: string;
}

export function buildMlpOnnx(weights: MlpWeights, options: MlpOnnxOptions): Uint8Array {
  return mlpOnnxGraph(weights, options.inputShape).serialize(modelOptions(options));
}

/** The MLP graph before serialisation (for callers that want to inspect or extend it). */
export function mlpOnnxGraph(weights: MlpWeights, inputShape: readonly number[]): OnnxGraphBuilder {
  validateMlpWeights(weights);
  if (weights.layers.length === 0) throw new Error('an MLP needs at least one layer');
  const size = inputShape.reduce((a, b) => a * b, 1);
  if (inputShape.length === 0 || size !== weights.layers[0].inputs) {
    throw new Error(`MLP input shape [${inputShape.join(', ')}] holds ${size} values but the first layer takes ${weights.layers[0].inputs}`);
  }
  const g = new OnnxGraphBuilder('parm_bench_mlp');
  let x = g.addInput(MODEL_INPUT_NAME, ['N', ...inputShape]);
  if (inputShape.length > 1) x = g.addNode('Flatten', [x], { axis: intAttr(1) });
  weights.layers.forEach((layer, i) => {
    const last = i === weights.layers.length - 1;
    const w = g.addInitializer(`dense${i}.weight`, [layer.outputs, layer.inputs], layer.weight);
    const b = g.addInitializer(`dense${i}.bias`, [layer.outputs], layer.bias);
    x = g.addNode('Gemm', [x, w, b], { transB: intAttr(1) }, last ? [MODEL_OUTPUT_NAME] : undefined);
    if (!last) x = g.addNode('Relu', [x]);
  });
  const classes = weights.layers[weights.layers.length - 1].outputs;
  g.addOutput(MODEL_OUTPUT_NAME, ['N', classes]);
  return g;
}

function modelOptions(options: MlpOnnxOptions): OnnxModelOptions {
  return { metadata: options.metadata, docString: options.docString, producerVersion: options.producerVersion };
}
