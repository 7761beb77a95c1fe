/**
 * ResNet-18 with the CIFAR stem and random weights, as an ONNX model: the model of the ParM
 * paper's latency experiments (latency does not depend on the weights' values).
 *
 * Stem: Conv 3x3 (64), stride 1, no max-pool. Four stages of two BasicBlocks with 64, 128,
 * 256 and 512 channels; the first block of stages 2-4 has stride 2 and a 1x1 projection
 * shortcut. Global average pool, then Gemm to the classes. BatchNorm is folded into each
 * conv's weight and bias, as an inference export does: a freshly initialised BatchNorm
 * (scale 1, shift 0, mean 0, variance 1) folds to the identity, leaving zero conv biases.
 *
 * Weights are Kaiming-normal (fan-in, ReLU gain), so each conv keeps the second moment of its
 * input. The last conv of each residual branch and the 1x1 projection shortcuts are further
 * scaled by 1/sqrt(2) (as a folded BatchNorm scale below 1 would) so that adding branch and
 * shortcut does not compound the activation scale over the eight blocks: on standard-normal
 * inputs the RMS activation grows from 1 after the stem to about 2.7 after the last block, and
 * the logits have an RMS of about 2. The generated model has 11,169,162 parameters for
 * 10 classes (the usual 11,173,962 counts BatchNorm's scale and shift instead of conv biases).
 * It is about 45 MB: it is generated at run time, never committed.
 */
import { SeededRandom } from '../../../harness/seeded-random.ts';
import { MODEL_INPUT_NAME, MODEL_OUTPUT_NAME, OnnxGraphBuilder, intAttr, intsAttr, type OnnxDim } from './graph-builder.ts';

export interface Resnet18CifarOptions {
  readonly seed: number;
  /** Default 10. */
  readonly classes?: number;
  /** Per-sample input [C, H, W]. Default [3, 32, 32]; [1, 28, 28] gives the MNIST variant. */
  readonly inputShape?: readonly number[];
  readonly metadata?: Readonly<Record<string, string>>;
  readonly docString?: string;
  readonly producerVersion?: string;
}

export interface Resnet18CifarGraph {
  readonly graph: OnnxGraphBuilder;
  /** Value names and [N, C, H, W] shapes of the stem's and each block's output (for inspection). */
  readonly activations: readonly { readonly name: string; readonly shape: readonly OnnxDim[] }[];
}

const STAGE_CHANNELS = [64, 128, 256, 512] as const;
const BLOCKS_PER_STAGE = 2;
const BRANCH_SCALE = Math.SQRT1_2;
const PROJECTION_SCALE = Math.SQRT1_2;

export function buildResnet18CifarOnnx(options: Resnet18CifarOptions): Uint8Array {
  const { graph } = resnet18CifarGraph(options);
  return graph.serialize({
    docString: options.docString ?? 'ResNet-18 (CIFAR stem) with random Kaiming-normal weights, BatchNorm folded',
    metadata: options.metadata,
    producerVersion: options.producerVersion,
  });
}

export function resnet18CifarGraph(options: Resnet18CifarOptions): Resnet18CifarGraph {
  const classes = options.classes ?? 10;
  const inputShape = options.inputShape ?? [3, 32, 32];
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`ResNet-18 classes must be a positive integer, got ${classes}`);
  if (inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`ResNet-18 input shape must be [C, H, W] with positive integers, got [${inputShape.join(', ')}]`);
  }
  const rng = new SeededRandom(options.seed);
  const g = new OnnxGraphBuilder('parm_bench_resnet18_cifar');
  const activations: { name: string; shape: OnnxDim[] }[] = [];
  let [c, h, w] = inputShape;

  const conv = (x: string, name: string, inC: number, outC: number, kernel: number, stride: number, scale = 1): string => {
    const fanIn = inC * kernel * kernel;
    const weight = new Float32Array(outC * fanIn);
    const std = scale * Math.sqrt(2 / fanIn);
    for (let i = 0; i < weight.length; i++) weight[i] = std * rng.nextNormal();
    const wName = g.addInitializer(`${name}.weight`, [outC, inC, kernel, kernel], weight);
    const bName = g.addInitializer(`${name}.bias`, [outC], new Float32Array(outC));
    const pad = (kernel - 1) / 2;
    return g.addNode('Conv', [x, wName, bName], {
      kernel_shape: intsAttr([kernel, kernel]),
      pads: intsAttr([pad, pad, pad, pad]),
      strides: intsAttr([stride, stride]),
    }, [`${name}.out`]);
  };

  let x = g.addInput(MODEL_INPUT_NAME, ['N', ...inputShape]);
  x = g.addNode('Relu', [conv(x, 'stem.conv', c, 64, 3, 1)], {}, ['stem.relu']);
  c = 64;
  activations.push({ name: x, shape: ['N', c, h, w] });

  STAGE_CHANNELS.forEach((outC, s) => {
    for (let b = 0; b < BLOCKS_PER_STAGE; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const name = `stage${s + 1}.block${b + 1}`;
      const a = g.addNode('Relu', [conv(x, `${name}.conv1`, c, outC, 3, stride)], {}, [`${name}.relu1`]);
      const branch = conv(a, `${name}.conv2`, outC, outC, 3, 1, BRANCH_SCALE);
      const shortcut = stride === 1 && c === outC ? x : conv(x, `${name}.shortcut`, c, outC, 1, stride, PROJECTION_SCALE);
      const sum = g.addNode('Add', [branch, shortcut], {}, [`${name}.add`]);
      x = g.addNode('Relu', [sum], {}, [`${name}.out`]);
      c = outC;
      h = Math.floor((h - 1) / stride) + 1;
      w = Math.floor((w - 1) / stride) + 1;
      activations.push({ name: x, shape: ['N', c, h, w] });
    }
  });

  x = g.addNode('GlobalAveragePool', [x], {}, ['pool']);
  x = g.addNode('Flatten', [x], { axis: intAttr(1) }, ['features']);
  const fcWeight = new Float32Array(classes * c);
  const fcStd = Math.sqrt(1 / c);
  for (let i = 0; i < fcWeight.length; i++) fcWeight[i] = fcStd * rng.nextNormal();
  const fw = g.addInitializer('fc.weight', [classes, c], fcWeight);
  const fb = g.addInitializer('fc.bias', [classes], new Float32Array(classes));
  g.addNode('Gemm', [x, fw, fb], { transB: intAttr(1) }, [MODEL_OUTPUT_NAME]);
  g.addOutput(MODEL_OUTPUT_NAME, ['N', classes]);
  return { graph: g, activations };
}
