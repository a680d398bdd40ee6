/**
 * Convolutional networks for small images (Fashion-MNIST and the like), built reproducibly
 * from a seed the way `mlp` builds its perceptrons: {@link cnn}.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { checkRate } from "./_dropout_probability.ts";
import { seedOr } from "./_random.ts";
import {
  checkBoolean,
  checkIntAtLeast,
  checkIntBetween,
  checkOneOf,
  checkOptions,
  describe,
  LIMITS,
  quoteList,
} from "./_validate.ts";
import { initializer, INITIALIZER_NAMES, type InitName } from "./initializers.ts";
import type { ActivationName, Initializer, Regularizer } from "./model.ts";
import { makeRng } from "./random.ts";

/** Activations the hidden layers of a {@link cnn} accept (`mlp`'s, without softmax). */
export type CnnActivation = Exclude<ActivationName, "softmax">;

/** Options of {@link cnn}. */
export interface CnnOptions {
  /** Filters of each convolutional block (each at most 100000), input side first. @default [16, 32] */
  conv?: number[];
  /** Height and width k of every convolution kernel (k × k). @default 3 */
  kernelSize?: number;
  /**
   * "same" keeps each block's height and width (zeros around the border), "valid" shrinks
   * them by k − 1.
   * @default "same"
   */
  padding?: "same" | "valid";
  /**
   * Max pooling after each block over p × p windows with stride p (height and width divided by
   * p, rounded down); 0, 1 or false for none.
   * @default 2
   */
  pool?: number | false;
  /** Units of each hidden Dense layer after the flatten. @default [64] */
  dense?: number[];
  /** Units of the output layer: a softmax over them, or a sigmoid for 1. @default 10 */
  outputs?: number;
  /** Another name for `outputs` (give one of the two). @default 10 */
  numClasses?: number;
  /** Activation of the convolutional and hidden Dense layers. @default "relu" */
  activation?: CnnActivation;
  /** Dropout rate (probability of dropping a unit) before each Dense layer, the output layer's included. @default 0 */
  dropout?: number;
  /**
   * Batch normalization in every convolutional block, between the convolution (then without
   * bias; β takes its role) and the activation: conv → batch norm → activation → pool.
   * @default false
   */
  batchNorm?: boolean;
  /**
   * Penalty on the kernels of the convolutional and hidden Dense layers (never on biases nor
   * the output layer), e.g. `tf.regularizers.l2({ l2: 1e-4 })`.
   */
  kernelRegularizer?: Regularizer;
  /**
   * Initializer of every kernel (the convolutions', the hidden Dense layers' and the output
   * layer's): one of lib's schemes by name (`INITIALIZER_NAMES`: "zeros", "smallRandom",
   * "glorotNormal", "glorotUniform", "heNormal", "heUniform", "leCunNormal", "leCunUniform";
   * see `initializers.ts`), each layer seeded from `seed` with a seed of its own, or a tfjs
   * initializer, used as is for every layer (so its own seed applies). A conv kernel
   * [k, k, c_in, c_out] has fan_in = k·k·c_in and fan_out = k·k·c_out. lib's normal schemes
   * draw N(0, Var) untruncated with Var from the scheme's formula (tfjs's own normal ones give
   * 0.77·Var); "glorotUniform" gives the same weights as the default. Biases start at zero.
   * @default "glorotUniform"
   */
  kernelInitializer?: InitName | Initializer;
  /** Seed of the kernel initializers. @default the next seed of lib's global stream */
  seed?: number;
}

const CNN_OPTIONS = Object.keys(
  {
    conv: true,
    kernelSize: true,
    padding: true,
    pool: true,
    dense: true,
    outputs: true,
    numClasses: true,
    activation: true,
    dropout: true,
    batchNorm: true,
    kernelRegularizer: true,
    kernelInitializer: true,
    seed: true,
  } satisfies Record<keyof CnnOptions, true>,
);

const CNN_ACTIVATIONS: readonly CnnActivation[] = [
  "relu",
  "elu",
  "selu",
  "leakyRelu",
  "tanh",
  "sigmoid",
  "softplus",
  "linear",
];

/** Checks a list of layer sizes. */
function checkSizes(value: unknown, name: string, unit: string): number[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${name} must be an array of ${unit} per layer, got ${describe(value)}`);
  }
  if (value.length > LIMITS.hiddenLayers) {
    throw new RangeError(
      `${name} must have at most ${LIMITS.hiddenLayers} layers, got ${value.length}`,
    );
  }
  return value.map((u, i) => checkIntBetween(u, `${name}[${i}]`, 1, LIMITS.units, unit));
}

/** True for a tfjs regularizer (a serializable object with `apply`). */
function isRegularizer(x: unknown): boolean {
  return typeof x === "object" && x !== null &&
    typeof (x as { apply?: unknown }).apply === "function" &&
    typeof (x as { getClassName?: unknown }).getClassName === "function";
}

/** True for a tfjs initializer (a serializable object with `apply`). */
function isInitializer(x: unknown): x is Initializer {
  return isRegularizer(x);
}

/** The `kernelInitializer` option checked: a factory of each layer's initializer from its seed. */
function initFactory(spec: unknown): (seed: number) => Initializer {
  if (spec === undefined) return (seed) => tf.initializers.glorotUniform({ seed });
  if (isInitializer(spec)) return () => spec;
  if (typeof spec !== "string") {
    throw new TypeError(
      `kernelInitializer must be a name such as "heNormal" or a tfjs initializer, got ${
        describe(spec)
      }`,
    );
  }
  if (!(INITIALIZER_NAMES as readonly string[]).includes(spec)) {
    throw new RangeError(
      `kernelInitializer must be one of ${
        quoteList(INITIALIZER_NAMES)
      } or a tfjs initializer, got ${describe(spec)}`,
    );
  }
  const name = spec as InitName;
  return (seed) => initializer(name, { seed });
}

/**
 * Builds a convolutional network for images [height, width, channels] (channels last):
 * convolutional blocks, a flatten, hidden Dense layers and an output layer.
 *
 * Block b convolves its input with `conv[b]` kernels of k × k × c_in weights plus a bias
 * each — (k·k·c_in + 1)·c_out parameters — then applies the activation and, with `pool` p,
 * keeps the maximum of each p × p window (stride p). With `batchNorm` a block is conv
 * (without bias) → batch norm → activation → pool. The flattened feature maps then go
 * through the hidden Dense layers, with dropout before each Dense layer when `dropout` > 0,
 * and a Dense output layer: a softmax over `outputs` classes, or a sigmoid for `outputs` 1.
 * Kernels start from Glorot-uniform draws (or the `kernelInitializer`'s) seeded from `seed`
 * (a different seed per layer), biases at zero; Dropout layers draw their masks from `fit`'s
 * seed.
 *
 * Limits, checked before anything is built: each block must leave feature maps of at least
 * 1 × 1 (padding "valid" and pooling shrink them), at most 10⁷ parameters in all.
 *
 * @param inputShape The images' [height, width, channels], e.g. [28, 28, 1].
 * @param options Blocks, kernel size, padding, pooling, Dense layers, outputs, activation,
 *   dropout, batch norm, regularizer, initializer, seed.
 * @returns A tfjs Sequential model (not compiled); the same seed gives the same weights.
 *
 * @example A network for 28 × 28 grey images in 10 classes
 * ```ts
 * import { cnn } from "./cnn.ts";
 * import { countParams } from "./model.ts";
 * const model = cnn([28, 28, 1], { conv: [8, 16], dense: [32], seed: 1 });
 * // conv (3·3·1 + 1)·8, conv (3·3·8 + 1)·16, dense (7·7·16 + 1)·32, output (32 + 1)·10
 * const expected = 80 + 1168 + 25120 + 330;
 * if (countParams(model).total !== expected) throw new Error("unexpected parameter count");
 * model.dispose();
 * ```
 */
export function cnn(
  inputShape: [height: number, width: number, channels: number],
  options: CnnOptions = {},
): tf.Sequential {
  if (!Array.isArray(inputShape) || inputShape.length !== 3) {
    throw new TypeError(
      `inputShape must be [height, width, channels], got ${describe(inputShape)}`,
    );
  }
  const [height, width, channels] = inputShape.map((d, i) =>
    checkIntBetween(d, `inputShape[${i}]`, 1, LIMITS.units, "pixels")
  );
  checkOptions(options, CNN_OPTIONS);
  const conv = checkSizes(options.conv ?? [16, 32], "conv", "filters");
  const kernelSize = checkIntBetween(options.kernelSize ?? 3, "kernelSize", 1, LIMITS.units);
  const padding = checkOneOf(options.padding ?? "same", "padding", ["same", "valid"] as const);
  const poolOption = options.pool ?? 2;
  if (poolOption !== false && typeof poolOption !== "number") {
    throw new TypeError(
      `pool must be a window size (an integer >= 2) or 0 or false for none, got ${
        describe(poolOption)
      }`,
    );
  }
  const pool = poolOption === false ? 0 : checkIntAtLeast(poolOption, "pool", 0);
  const dense = checkSizes(options.dense ?? [64], "dense", "units");
  if (options.outputs !== undefined && options.numClasses !== undefined) {
    throw new TypeError(
      `give outputs or numClasses (the same setting), not both; got outputs ${
        describe(options.outputs)
      } and numClasses ${describe(options.numClasses)}`,
    );
  }
  const outputsName = options.numClasses !== undefined ? "numClasses" : "outputs";
  const outputs = checkIntBetween(
    options.outputs ?? options.numClasses ?? 10,
    outputsName,
    1,
    LIMITS.units,
    "units",
  );
  const activation = checkOneOf(options.activation ?? "relu", "activation", CNN_ACTIVATIONS);
  const rate = checkRate(options.dropout ?? 0, "dropout");
  const batchNorm = checkBoolean(options.batchNorm ?? false, "batchNorm");
  const reg = options.kernelRegularizer;
  if (reg !== undefined && !isRegularizer(reg)) {
    throw new TypeError(
      `kernelRegularizer must be a tfjs regularizer such as tf.regularizers.l2({ l2: 1e-4 }), got ${
        describe(reg)
      }`,
    );
  }
  const makeInit = initFactory(options.kernelInitializer);
  const seed = seedOr(options.seed);

  // Feature-map sizes and parameters, block by block, before anything is allocated.
  let h = height, w = width, c = channels, parameters = 0;
  conv.forEach((filters, b) => {
    const where = `conv block ${b + 1} of ${conv.length}`;
    if (padding === "valid") {
      if (h < kernelSize || w < kernelSize) {
        throw new RangeError(
          `kernelSize ${kernelSize} does not fit the ${h}×${w} feature maps of ${where} with padding "valid"; use padding "same", fewer blocks or a smaller kernel`,
        );
      }
      h -= kernelSize - 1;
      w -= kernelSize - 1;
    }
    parameters += kernelSize * kernelSize * c * filters + (batchNorm ? 4 * filters : filters);
    c = filters;
    if (pool > 1) {
      if (h < pool || w < pool) {
        throw new RangeError(
          `pool ${pool} does not fit the ${h}×${w} feature maps of ${where}; use fewer blocks, a smaller pool or 0 for none`,
        );
      }
      h = Math.floor(h / pool);
      w = Math.floor(w / pool);
    }
  });
  let fanIn = h * w * c;
  for (const units of [...dense, outputs]) {
    parameters += fanIn * units + units;
    fanIn = units;
  }
  if (parameters > LIMITS.parameters) {
    throw new RangeError(
      `cnn would have ${parameters} parameters (inputShape [${inputShape.join(", ")}], conv [${
        conv.join(", ")
      }], ${h}×${w}×${c} features after the blocks, dense [${
        dense.join(", ")
      }], outputs ${outputs}), more than the limit of ${LIMITS.parameters}`,
    );
  }

  const rng = makeRng(seed);
  const init = () => makeInit(rng.int(2147483647));
  const model = tf.sequential();
  const addActivation = (name: string) => {
    if (activation === "leakyRelu") {
      model.add(tf.layers.leakyReLU({ name: `${name}_leaky_relu` }));
    } else if (activation !== "linear") {
      model.add(tf.layers.activation({ activation, name: `${name}_${activation}` }));
    }
  };
  conv.forEach((filters, b) => {
    const name = `conv${b + 1}`;
    const separate = batchNorm || activation === "leakyRelu";
    model.add(tf.layers.conv2d({
      filters,
      kernelSize,
      padding,
      activation: separate ? "linear" : activation as Exclude<CnnActivation, "leakyRelu">,
      useBias: !batchNorm,
      kernelInitializer: init(),
      biasInitializer: "zeros",
      kernelRegularizer: reg,
      name,
      ...(b === 0 ? { inputShape: [height, width, channels] } : {}),
    }));
    if (batchNorm) model.add(tf.layers.batchNormalization({ name: `${name}_batch_norm` }));
    if (separate) addActivation(name);
    if (pool > 1) {
      model.add(tf.layers.maxPooling2d({ poolSize: pool, strides: pool, name: `pool${b + 1}` }));
    }
  });
  model.add(
    tf.layers.flatten({ name: "flatten", ...(conv.length === 0 ? { inputShape } : {}) }),
  );
  const addDense = (units: number, name: string, act: string, regularizer?: Regularizer) => {
    if (rate > 0) model.add(tf.layers.dropout({ rate, name: `${name}_dropout` }));
    const fused = act === "leakyRelu" ? "linear" : act;
    model.add(tf.layers.dense({
      units,
      activation: fused as "linear",
      kernelInitializer: init(),
      biasInitializer: "zeros",
      kernelRegularizer: regularizer,
      name,
    }));
    if (act === "leakyRelu") addActivation(name);
  };
  dense.forEach((units, i) => addDense(units, `dense${i + 1}`, activation, reg));
  addDense(outputs, "output", outputs === 1 ? "sigmoid" : "softmax");
  return model;
}
