/**
 * Multilayer perceptrons on tfjs layers, built reproducibly from a seed, and their
 * parameter counts.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { checkOptions } from "./_validate.ts";
import { _seedOr, makeRng } from "./random.ts";

/** A tfjs weight regularizer, e.g. `tf.regularizers.l2({ l2: 0.01 })`. */
export type Regularizer = ReturnType<typeof tf.regularizers.l1l2>;

/** A tfjs weight initializer, e.g. `tf.initializers.heNormal({ seed: 1 })`. */
export type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

/** Activation functions `mlp` accepts (tfjs names, plus `leakyRelu`). */
export type ActivationName =
  | "relu"
  | "sigmoid"
  | "tanh"
  | "linear"
  | "softmax"
  | "elu"
  | "leakyRelu"
  | "selu"
  | "softplus";

/** Kernel initializers `mlp` accepts by name (tfjs names). */
export type InitializerName =
  | "zeros"
  | "ones"
  | "randomNormal"
  | "randomUniform"
  | "truncatedNormal"
  | "glorotUniform"
  | "glorotNormal"
  | "heUniform"
  | "heNormal"
  | "leCunUniform"
  | "leCunNormal";

/**
 * A named initializer with its settings, e.g. `{ name: "randomNormal", stddev: 0.01 }`.
 * `mlp` adds a different seed for every layer.
 */
export interface InitializerSpec {
  /** The initializer's tfjs name. */
  name: InitializerName;
  /** Mean of `randomNormal` / `truncatedNormal`. */
  mean?: number;
  /** Standard deviation of `randomNormal` / `truncatedNormal`. */
  stddev?: number;
  /** Lower bound of `randomUniform`. */
  minval?: number;
  /** Upper bound of `randomUniform`. */
  maxval?: number;
}

/** Options of {@link mlp}. */
export interface MlpOptions {
  /** Units of each hidden layer, input side first. @default [] */
  hidden?: number[];
  /** Activation of the hidden layers: one for all, or one per hidden layer. @default "relu" */
  activation?: ActivationName | ActivationName[];
  /** Units of the output layer. @default 1 */
  outputUnits?: number;
  /** Activation of the output layer. @default "sigmoid" */
  outputActivation?: ActivationName;
  /**
   * Kernel initializer: a name, a name with settings, or a tfjs initializer (used as is, so
   * its own seed then applies to every layer). Biases start at zero.
   * @default "glorotUniform"
   */
  kernelInitializer?: InitializerName | InitializerSpec | Initializer;
  /** Penalty on the hidden layers' kernels (never on biases), e.g. `tf.regularizers.l2({ l2: 0.01 })`. */
  kernelRegularizer?: Regularizer;
  /** Apply `kernelRegularizer` to the output layer's kernel too. @default false */
  regularizeOutput?: boolean;
  /** Dropout rate (probability of dropping a unit) after each hidden layer: one for all or one per layer. @default 0 */
  dropout?: number | number[];
  /**
   * Batch normalization in every hidden layer, between the linear part and the activation
   * (dense without bias → batch norm → activation → dropout); β takes the bias's role.
   * @default false
   */
  batchNorm?: boolean;
  /** Slope for negative inputs of `leakyRelu`. @default 0.3 */
  leakyReluAlpha?: number;
  /** Seed of the kernel initializers. @default the next seed of lib's global stream */
  seed?: number;
}

const ACTIVATIONS: readonly string[] = [
  "relu",
  "sigmoid",
  "tanh",
  "linear",
  "softmax",
  "elu",
  "leakyRelu",
  "selu",
  "softplus",
];

const INITIALIZERS: readonly string[] = [
  "zeros",
  "ones",
  "randomNormal",
  "randomUniform",
  "truncatedNormal",
  "glorotUniform",
  "glorotNormal",
  "heUniform",
  "heNormal",
  "leCunUniform",
  "leCunNormal",
];

/** @deprecated Moved to `_validate.ts` (`checkOptions`); kept until every module imports it there. */
export function _checkOptions(
  options: unknown,
  allowed: readonly string[],
  name = "options",
): void {
  checkOptions(options as object, allowed, name);
}

function _list(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(", ");
}

function _checkActivation(value: unknown, name: string): ActivationName {
  if (typeof value !== "string" || !ACTIVATIONS.includes(value)) {
    throw new RangeError(`${name} must be one of ${_list(ACTIVATIONS)}, got ${String(value)}`);
  }
  return value as ActivationName;
}

function _checkUnits(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function _checkRate(value: unknown, name: string): number {
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    throw new RangeError(`${name} must be in [0, 1), got ${String(value)}`);
  }
  return value;
}

function _perLayer<T>(value: T | T[], count: number, name: string): T[] {
  if (!Array.isArray(value)) return Array.from({ length: count }, () => value);
  if (value.length !== count) {
    throw new RangeError(
      `${name} must have one entry per hidden layer (${count}), got ${value.length}`,
    );
  }
  return value;
}

function _isSerializable(x: unknown): boolean {
  return typeof x === "object" && x !== null &&
    typeof (x as { apply?: unknown }).apply === "function" &&
    typeof (x as { getClassName?: unknown }).getClassName === "function";
}

type InitFactory = (seed: number) => Initializer;

function _initFactory(spec: MlpOptions["kernelInitializer"]): InitFactory {
  if (_isSerializable(spec)) return () => spec as Initializer;
  const { name, ...settings }: InitializerSpec = typeof spec === "string"
    ? { name: spec }
    : (spec as InitializerSpec | undefined) ?? { name: "glorotUniform" };
  if (typeof name !== "string" || !INITIALIZERS.includes(name)) {
    throw new RangeError(
      `kernelInitializer must be one of ${_list(INITIALIZERS)} or a tfjs initializer, got ${
        String(name)
      }`,
    );
  }
  const make = (tf.initializers as unknown as Record<
    string,
    (args: Record<string, unknown>) => Initializer
  >)[name];
  return (seed) => make(name === "zeros" || name === "ones" ? {} : { ...settings, seed });
}

/**
 * Builds a multilayer perceptron: hidden Dense layers, then an output Dense layer.
 *
 * Layer l computes a[l] = g(W[l]ᵀ a[l-1] + b[l]) (tfjs stores W[l] as [inputs, units]).
 * The kernel regularizer goes on the hidden kernels only, never on a bias and never on the
 * output layer unless `regularizeOutput` is set. Dropout layers use no seed of their own:
 * lib's `fit` draws their masks from its seed.
 *
 * @param inputDim Number of input features.
 * @param options Layer sizes, activations, initializer, regularizer, dropout, batch norm, seed.
 * @returns A tfjs Sequential model (not compiled); the same seed gives the same weights.
 *
 * @example Two hidden layers with L2 on both
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { mlp } from "./model.ts";
 * const model = mlp(2, {
 *   hidden: [128, 128],
 *   kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }),
 *   seed: 1,
 * });
 * if (model.layers.length !== 3) throw new Error("expected 3 Dense layers");
 * model.dispose();
 * ```
 */
export function mlp(inputDim: number, options: MlpOptions = {}): tf.Sequential {
  _checkUnits(inputDim, "inputDim");
  _checkOptions(options, [
    "hidden",
    "activation",
    "outputUnits",
    "outputActivation",
    "kernelInitializer",
    "kernelRegularizer",
    "regularizeOutput",
    "dropout",
    "batchNorm",
    "leakyReluAlpha",
    "seed",
  ]);
  const hidden = options.hidden ?? [];
  if (!Array.isArray(hidden)) {
    throw new TypeError(`hidden must be an array of layer sizes, got ${String(hidden)}`);
  }
  hidden.forEach((u, i) => _checkUnits(u, `hidden[${i}]`));
  const actOption = options.activation ?? "relu";
  if (!Array.isArray(actOption)) _checkActivation(actOption, "activation");
  const activations = _perLayer(actOption, hidden.length, "activation")
    .map((a, i) => _checkActivation(a, `activation[${i}]`));
  const outputUnits = _checkUnits(options.outputUnits ?? 1, "outputUnits");
  const outputActivation = _checkActivation(
    options.outputActivation ?? "sigmoid",
    "outputActivation",
  );
  const rates = _perLayer(options.dropout ?? 0, hidden.length, "dropout")
    .map((r, i) => _checkRate(r, Array.isArray(options.dropout) ? `dropout[${i}]` : "dropout"));
  const reg = options.kernelRegularizer;
  if (reg !== undefined && !_isSerializable(reg)) {
    throw new TypeError(
      `kernelRegularizer must be a tfjs regularizer such as tf.regularizers.l2({ l2: 0.01 }), got ${
        String(reg)
      }`,
    );
  }
  const alpha = options.leakyReluAlpha ?? 0.3;
  if (typeof alpha !== "number" || !(alpha >= 0)) {
    throw new RangeError(`leakyReluAlpha must be a number >= 0, got ${String(alpha)}`);
  }
  const init = _initFactory(options.kernelInitializer);
  const rng = makeRng(_seedOr(options.seed));
  const nextSeed = () => rng.int(2147483647);

  const model = tf.sequential();
  let inputShape: number[] | undefined = [inputDim];
  const addDense = (
    units: number,
    act: ActivationName,
    name: string,
    regularizer: Regularizer | undefined,
    useBias: boolean,
  ) => {
    const fused = act === "leakyRelu" ? "linear" : act;
    model.add(tf.layers.dense({
      units,
      activation: fused,
      useBias,
      kernelInitializer: init(nextSeed()),
      biasInitializer: "zeros",
      kernelRegularizer: regularizer,
      name,
      ...(inputShape ? { inputShape } : {}),
    }));
    inputShape = undefined;
    if (act === "leakyRelu") model.add(tf.layers.leakyReLU({ alpha, name: `${name}_leaky_relu` }));
  };
  hidden.forEach((units, i) => {
    const name = `hidden${i + 1}`;
    if (options.batchNorm) {
      addDense(units, "linear", name, reg, false);
      model.add(tf.layers.batchNormalization({ name: `${name}_batch_norm` }));
      if (activations[i] === "leakyRelu") {
        model.add(tf.layers.leakyReLU({ alpha, name: `${name}_leaky_relu` }));
      } else if (activations[i] !== "linear") {
        model.add(
          tf.layers.activation({ activation: activations[i], name: `${name}_${activations[i]}` }),
        );
      }
    } else {
      addDense(units, activations[i], name, reg, true);
    }
    if (rates[i] > 0) model.add(tf.layers.dropout({ rate: rates[i], name: `${name}_dropout` }));
  });
  addDense(
    outputUnits,
    outputActivation,
    "output",
    options.regularizeOutput ? reg : undefined,
    true,
  );
  return model;
}

/** Parameter counts of one layer. */
export interface LayerParams {
  /** The layer's name. */
  name: string;
  /** The layer's tfjs class, e.g. `Dense`. */
  className: string;
  /** Trainable weights other than biases (kernel, batch-norm γ). */
  weights: number;
  /** Trainable biases (bias, batch-norm β). */
  biases: number;
  /** Non-trainable values (batch-norm running mean and variance, frozen layers). */
  nonTrainable: number;
  /** All values of the layer. */
  total: number;
}

/** Parameter counts of a model. */
export interface ParamCount {
  /** All values, trainable or not. */
  total: number;
  /** Values the optimizer updates. */
  trainable: number;
  /** Values it does not (running statistics, frozen layers). */
  nonTrainable: number;
  /** One entry per layer, input side first. */
  perLayer: LayerParams[];
}

/**
 * Counts a model's parameters per layer. For a Dense layer with n_in inputs and n_out units
 * that is n_in·n_out weights plus n_out biases.
 *
 * @param model A tfjs layers model.
 * @returns Totals and one entry per layer.
 *
 * @example
 * ```ts
 * import { countParams, mlp } from "./model.ts";
 * const model = mlp(2, { hidden: [10], seed: 1 });
 * const { total } = countParams(model);
 * if (total !== (2 * 10 + 10) + (10 * 1 + 1)) throw new Error(`got ${total}`);
 * model.dispose();
 * ```
 */
export function countParams(model: tf.LayersModel): ParamCount {
  if (!(model instanceof tf.LayersModel)) {
    throw new TypeError(`model must be a tfjs LayersModel, got ${String(model)}`);
  }
  const perLayer = model.layers.map((layer): LayerParams => {
    let weights = 0, biases = 0, nonTrainable = 0;
    for (const w of layer.weights) {
      const size = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      if (!w.trainable || !layer.trainable) nonTrainable += size;
      else if (/\/(bias|beta)(_\d+)?$/.test(w.originalName)) biases += size;
      else weights += size;
    }
    return {
      name: layer.name,
      className: layer.getClassName(),
      weights,
      biases,
      nonTrainable,
      total: weights + biases + nonTrainable,
    };
  });
  const sum = (f: (l: LayerParams) => number) => perLayer.reduce((s, l) => s + f(l), 0);
  return {
    total: sum((l) => l.total),
    trainable: sum((l) => l.weights + l.biases),
    nonTrainable: sum((l) => l.nonTrainable),
    perLayer,
  };
}
