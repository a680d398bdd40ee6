/**
 * Multilayer perceptrons on tfjs layers, built reproducibly from a seed, and their
 * parameter counts.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { checkRate } from "./_dropout_probability.ts";
import { seedOr } from "./_random.ts";
import {
  checkIntBetween,
  checkModel,
  checkNonNegative,
  checkOneOf,
  checkOptions,
  describe,
  LIMITS,
  quoteList,
} from "./_validate.ts";
import { initializer, INITIALIZER_NAMES, type InitName } from "./initializers.ts";
import { makeRng } from "./random.ts";

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

/**
 * Kernel initializers `mlp` accepts by name: lib's schemes (see `initializers.ts`) and four
 * more of tfjs's.
 */
export type InitializerName =
  | InitName
  | "ones"
  | "randomNormal"
  | "randomUniform"
  | "truncatedNormal";

/**
 * A named initializer with its settings, e.g. `{ name: "randomNormal", stddev: 0.01 }`.
 * `mlp` adds a different seed for every layer.
 */
export interface InitializerSpec {
  /** The initializer's tfjs name. */
  name: InitializerName;
  /** Mean of `randomNormal` / `truncatedNormal`. */
  mean?: number;
  /** Standard deviation of `randomNormal` / `truncatedNormal` / `smallRandom`. */
  stddev?: number;
  /** Lower bound of `randomUniform`. */
  minval?: number;
  /** Upper bound of `randomUniform`. */
  maxval?: number;
}

/** Options of {@link mlp}. */
export interface MlpOptions {
  /** Units of each hidden layer (each at most 100000), input side first. @default [] */
  hidden?: number[];
  /** Activation of the hidden layers: one for all, or one per hidden layer. @default "relu" */
  activation?: ActivationName | ActivationName[];
  /** Units of the output layer (at least 2 for a softmax, at most 100000). @default 1 */
  outputUnits?: number;
  /** Activation of the output layer. @default "sigmoid" */
  outputActivation?: ActivationName;
  /**
   * Kernel initializer: a name, a name with settings, or a tfjs initializer (used as is, so
   * its own seed then applies to every layer). Biases start at zero. The names of lib's
   * schemes (`INITIALIZER_NAMES`: zeros, smallRandom, glorot/he/leCun normal and uniform) use
   * lib's initializers, whose normal ones draw N(0, Var) untruncated with Var from the
   * scheme's formula (tfjs's own normal ones give 0.77·Var); their uniform ones give the same
   * weights as tfjs's. `ones`, `randomNormal`, `randomUniform` and `truncatedNormal` are
   * tfjs's. A setting the named initializer does not take is an error.
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

const ACTIVATIONS: readonly ActivationName[] = [
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

/** The tfjs initializers mlp takes by name besides lib's, with the settings each takes. */
const TFJS_INITIALIZERS: Readonly<Record<string, readonly string[]>> = {
  ones: [],
  randomNormal: ["mean", "stddev"],
  randomUniform: ["minval", "maxval"],
  truncatedNormal: ["mean", "stddev"],
};

const INITIALIZERS: readonly InitializerName[] = [
  ...INITIALIZER_NAMES,
  ...Object.keys(TFJS_INITIALIZERS) as InitializerName[],
];

/** The fields an {@link InitializerSpec} may have. */
const INITIALIZER_SETTINGS = ["name", "mean", "stddev", "minval", "maxval"];

/** The settings a named initializer takes. */
function settingsOf(name: InitializerName): readonly string[] {
  return name === "smallRandom" ? ["stddev"] : TFJS_INITIALIZERS[name] ?? [];
}

function perHiddenLayer<T>(value: T | T[], count: number, name: string): T[] {
  if (!Array.isArray(value)) return Array.from({ length: count }, () => value);
  if (value.length !== count) {
    throw new RangeError(
      `${name} must have one entry per hidden layer (${count}), got ${value.length}`,
    );
  }
  return value;
}

function isSerializable(x: unknown): boolean {
  return typeof x === "object" && x !== null &&
    typeof (x as { apply?: unknown }).apply === "function" &&
    typeof (x as { getClassName?: unknown }).getClassName === "function";
}

type InitFactory = (seed: number) => Initializer;

function initFactory(spec: MlpOptions["kernelInitializer"]): InitFactory {
  if (isSerializable(spec)) return () => spec as Initializer;
  const { name, ...settings }: InitializerSpec = typeof spec === "string"
    ? { name: spec }
    : spec === undefined
    ? { name: "glorotUniform" }
    : checkOptions(spec as InitializerSpec, INITIALIZER_SETTINGS, "kernelInitializer");
  if (!INITIALIZERS.includes(name)) {
    throw new RangeError(
      `kernelInitializer must be one of ${quoteList(INITIALIZERS)} or a tfjs initializer, got ${
        describe(name)
      }`,
    );
  }
  const takes = settingsOf(name);
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined || takes.includes(key)) continue;
    const users = INITIALIZERS.filter((n) => settingsOf(n).includes(key));
    throw new TypeError(
      `kernelInitializer ${JSON.stringify(name)} takes no setting ${
        JSON.stringify(key)
      }, got ${key} ${describe(value)}; ${JSON.stringify(key)} is a setting of ${quoteList(users)}`,
    );
  }
  if ((INITIALIZER_NAMES as readonly string[]).includes(name)) {
    const lib = name as InitName, stddev = settings.stddev;
    return (seed) => initializer(lib, stddev === undefined ? { seed } : { stddev, seed });
  }
  const make = (tf.initializers as unknown as Record<
    string,
    (args: Record<string, unknown>) => Initializer
  >)[name];
  return (seed) => make(name === "ones" ? {} : { ...settings, seed });
}

/**
 * Builds a multilayer perceptron: hidden Dense layers, then an output Dense layer.
 *
 * Layer l computes a[l] = g(W[l]ᵀ a[l-1] + b[l]) (tfjs stores W[l] as [inputs, units]).
 * The kernel regularizer goes on the hidden kernels only, never on a bias and never on the
 * output layer unless `regularizeOutput` is set. Dropout layers use no seed of their own:
 * lib's `fit` draws their masks from its seed.
 *
 * Limits, checked before anything is built: at most 100000 inputs and units per layer, 1000
 * hidden layers and 10⁷ parameters in all (40 MB of weights; Adam's training state is four
 * times that). A softmax needs at least 2 units: over one unit it always outputs 1.
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
  checkIntBetween(inputDim, "inputDim", 1, LIMITS.units, "features");
  checkOptions(options, [
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
    throw new TypeError(`hidden must be an array of layer sizes, got ${describe(hidden)}`);
  }
  if (hidden.length > LIMITS.hiddenLayers) {
    throw new RangeError(
      `hidden must have at most ${LIMITS.hiddenLayers} layers, got ${hidden.length}`,
    );
  }
  hidden.forEach((u, i) => checkIntBetween(u, `hidden[${i}]`, 1, LIMITS.units, "units"));
  const actOption = options.activation ?? "relu";
  if (!Array.isArray(actOption)) checkOneOf(actOption, "activation", ACTIVATIONS);
  const activations = perHiddenLayer(actOption, hidden.length, "activation")
    .map((a, i) => checkOneOf(a, `activation[${i}]`, ACTIVATIONS));
  const single = "its outputs sum to 1, so a single unit always outputs 1";
  activations.forEach((a, i) => {
    if (a === "softmax" && hidden[i] < 2) {
      throw new RangeError(
        `activation "softmax" needs hidden layers of at least 2 units (${single}), got hidden[${i}] = ${
          hidden[i]
        }`,
      );
    }
  });
  const outputUnits = checkIntBetween(
    options.outputUnits ?? 1,
    "outputUnits",
    1,
    LIMITS.units,
    "units",
  );
  const outputActivation = checkOneOf(
    options.outputActivation ?? "sigmoid",
    "outputActivation",
    ACTIVATIONS,
  );
  if (outputActivation === "softmax" && outputUnits < 2) {
    throw new RangeError(
      `outputActivation "softmax" needs outputUnits >= 2 (${single}), got ${outputUnits}; use "sigmoid" for two classes`,
    );
  }
  // Every weight, bias and batch-norm statistic, counted before anything is allocated.
  let parameters = 0, fanIn = inputDim;
  for (const units of hidden) {
    parameters += fanIn * units + (options.batchNorm ? 4 * units : units);
    fanIn = units;
  }
  parameters += fanIn * outputUnits + outputUnits;
  if (parameters > LIMITS.parameters) {
    throw new RangeError(
      `mlp would have ${parameters} parameters (inputDim ${inputDim}, hidden [${
        hidden.join(", ")
      }], outputUnits ${outputUnits}), more than the limit of ${LIMITS.parameters}`,
    );
  }
  const rates = perHiddenLayer(options.dropout ?? 0, hidden.length, "dropout")
    .map((r, i) => checkRate(r, Array.isArray(options.dropout) ? `dropout[${i}]` : "dropout"));
  const reg = options.kernelRegularizer;
  if (reg !== undefined && !isSerializable(reg)) {
    throw new TypeError(
      `kernelRegularizer must be a tfjs regularizer such as tf.regularizers.l2({ l2: 0.01 }), got ${
        describe(reg)
      }`,
    );
  }
  const alpha = checkNonNegative(options.leakyReluAlpha ?? 0.3, "leakyReluAlpha");
  const init = initFactory(options.kernelInitializer);
  const rng = makeRng(seedOr(options.seed));
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
 * @example A hidden layer of 10 units on 2 inputs
 * ```ts
 * import { countParams, mlp } from "./model.ts";
 * const model = mlp(2, { hidden: [10], seed: 1 });
 * const { total } = countParams(model);
 * if (total !== (2 * 10 + 10) + (10 * 1 + 1)) throw new Error(`got ${total}`);
 * model.dispose();
 * ```
 */
export function countParams(model: tf.LayersModel): ParamCount {
  checkModel(model);
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
