/**
 * The optimizers `fit` knows by name, their update rules and their settings. Pass a name
 * (`optimizer: "adam"`, all settings at their defaults) or a settings object
 * (`optimizer: { name: "adam", beta2: 0.99, epsilon: 1e-8 }`); the learning rate is `fit`'s
 * own `learningRate` option (a number or a schedule from `schedules.ts`).
 *
 * Notation: w is a weight, g = ∂L/∂w its gradient on the batch, α the learning rate, t the
 * update number counted from 1, and every operation is per weight. The rules are the tfjs
 * optimizers' (`tf.train.sgd`, `momentum`, `rmsprop`, `adam`), checked step for step against
 * them; the defaults are tfjs's, with the learning rates of Keras ({@link DEFAULT_LEARNING_RATE}).
 *
 * - **sgd**: w ← w − α·g. Same in tfjs, PyTorch (`SGD`) and Keras.
 * - **momentum** (μ = `momentum`, 0.9): v ← μ·v + g, w ← w − α·v; with `nesterov`,
 *   w ← w − α·(g + μ·v). tfjs `tf.train.momentum(α, μ, useNesterov)` and PyTorch
 *   `SGD(momentum=μ)` (dampening 0) use this form. Keras `SGD(momentum=μ)` and the course
 *   notes fold α into the velocity, v ← μ·v + α·g, w ← w − v (Keras stores −v): that is the
 *   same v multiplied by α, so the two agree while α is constant and differ once α changes.
 * - **rmsprop** (ρ = `rho`, 0.9; ε = `epsilon`, 1e-7; μ = `momentum`, 0):
 *   s ← ρ·s + (1 − ρ)·g², w ← w − α·g/√(s + ε), ε inside the root. With μ > 0,
 *   m ← μ·m + α·g/√(s + ε), w ← w − m. This is tfjs's `tf.train.rmsprop(α, ρ, μ, ε)`
 *   (its ε defaults to the backend's float32 epsilon, 1e-7); Keras 3 (and Keras 2 from 2.11)
 *   also put ε inside the root. PyTorch `RMSprop` puts it outside, w ← w − α·g/(√s + ε), with
 *   other defaults (ρ is its `alpha`, 0.99; ε 1e-8; α 0.01) and momentum
 *   m ← μ·m + g/(√s + ε), w ← w − α·m; Keras 2's legacy optimizer (before 2.11) put ε outside
 *   too, except with momentum. tfjs's `centered` variant divides by √(s − ḡ² − ε) (it
 *   subtracts ε) and is not offered here.
 * - **adam** (β₁ = `beta1`, 0.9; β₂ = `beta2`, 0.999; ε = `epsilon`, 1e-7):
 *   m ← β₁·m + (1 − β₁)·g, v ← β₂·v + (1 − β₂)·g², m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ),
 *   w ← w − α·m̂/(√v̂ + ε). tfjs `tf.train.adam(α, β₁, β₂, ε)` and PyTorch `Adam` use this
 *   form (PyTorch's ε is 1e-8). Keras adds ε to √v before the bias correction,
 *   w ← w − α·(√(1 − β₂ᵗ)/(1 − β₁ᵗ))·m/(√v + ε), which is the form above with ε·√(1 − β₂ᵗ)
 *   in place of ε: the "ε̂" of Kingma and Ba.
 *
 * `fit`'s `weightDecay` adds decoupled weight decay to any of them (see `FitOptions`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  checkBoolean,
  checkInRange,
  checkOneOf,
  checkOptions,
  checkPositive,
  describe,
  quoteList,
} from "./_validate.ts";

/** The optimizers `fit` knows by name. */
export type OptimizerName = "sgd" | "momentum" | "rmsprop" | "adam";

/** Plain gradient descent: w ← w − α·g. It has no settings besides its name. */
export interface SgdSettings {
  /** The optimizer. */
  name: "sgd";
}

/** Gradient descent with momentum: v ← μ·v + g, w ← w − α·v. */
export interface MomentumSettings {
  /** The optimizer. */
  name: "momentum";
  /** μ, the share of the previous velocity kept, in [0, 1). @default 0.9 */
  momentum?: number;
  /** Nesterov's form: w ← w − α·(g + μ·v). @default false */
  nesterov?: boolean;
}

/** RMSProp: s ← ρ·s + (1 − ρ)·g², w ← w − α·g/√(s + ε). */
export interface RmspropSettings {
  /** The optimizer. */
  name: "rmsprop";
  /** ρ, the decay of the mean square, in [0, 1) (tfjs calls it `decay`). @default 0.9 */
  rho?: number;
  /** ε > 0, added to s inside the root. @default 1e-7 */
  epsilon?: number;
  /** μ in [0, 1): with μ > 0, m ← μ·m + α·g/√(s + ε) and w ← w − m. @default 0 */
  momentum?: number;
}

/** Adam: bias-corrected averages m̂ of g and v̂ of g², w ← w − α·m̂/(√v̂ + ε). */
export interface AdamSettings {
  /** The optimizer. */
  name: "adam";
  /** β₁, the decay of the average gradient m, in [0, 1). @default 0.9 */
  beta1?: number;
  /** β₂, the decay of the average squared gradient v, in [0, 1). @default 0.999 */
  beta2?: number;
  /** ε > 0, added to √v̂. @default 1e-7 */
  epsilon?: number;
}

/** A named optimizer with some of its settings. */
export type OptimizerSettings = SgdSettings | MomentumSettings | RmspropSettings | AdamSettings;

/** What `fit`'s `optimizer` option takes besides a tfjs optimizer: a name or settings. */
export type OptimizerSpec = OptimizerName | OptimizerSettings;

/** A named optimizer with every setting filled in. */
export type ResolvedOptimizer =
  | Required<SgdSettings>
  | Required<MomentumSettings>
  | Required<RmspropSettings>
  | Required<AdamSettings>;

/** The optimizer names, in the order messages list them. */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ["sgd", "momentum", "rmsprop", "adam"];

/** Default learning rate α of each named optimizer: Keras's defaults. */
export const DEFAULT_LEARNING_RATE: Readonly<Record<OptimizerName, number>> = Object.freeze({
  sgd: 0.01,
  momentum: 0.01,
  rmsprop: 0.001,
  adam: 0.001,
});

/** The settings of each optimizer with their defaults (tfjs's), in the order they are listed. */
const DEFAULTS: Readonly<Record<OptimizerName, ResolvedOptimizer>> = {
  sgd: { name: "sgd" },
  momentum: { name: "momentum", momentum: 0.9, nesterov: false },
  rmsprop: { name: "rmsprop", rho: 0.9, epsilon: 1e-7, momentum: 0 },
  adam: { name: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
};

/** Checks one setting's value; `name` is how the message names it. */
function checkSetting(key: string, value: unknown, name: string): number | boolean {
  switch (key) {
    case "nesterov":
      return checkBoolean(value, name);
    case "epsilon":
      return checkPositive(value, name);
    default: // momentum, rho, beta1, beta2: decay factors of exponential averages
      return checkInRange(value, name, 0, 1, { hi: true });
  }
}

/**
 * Checks a named optimizer with its settings and fills in the defaults: the settings `fit`
 * trains with. Decay factors (μ, ρ, β₁, β₂) must lie in [0, 1), ε must be positive, and a
 * setting another optimizer has (`momentum` for "adam") is an error that lists the valid ones.
 *
 * @param spec A name ("sgd", "momentum", "rmsprop", "adam") or a settings object with `name`.
 * @param param How messages name the argument. @default "optimizer"
 * @returns A fresh object with every setting of that optimizer.
 * @throws {TypeError} For a spec that is neither a name nor an object, an unknown setting or
 *   a value of the wrong type.
 * @throws {RangeError} For an unknown name or a value out of range.
 *
 * @example Adam with a shorter memory of squared gradients
 * ```ts
 * import { optimizerSettings } from "./optimizers.ts";
 * const adam = optimizerSettings({ name: "adam", beta2: 0.99 });
 * // { name: "adam", beta1: 0.9, beta2: 0.99, epsilon: 1e-7 }
 * if (adam.name !== "adam" || adam.beta1 !== 0.9 || adam.beta2 !== 0.99) throw new Error();
 * ```
 */
export function optimizerSettings(spec: OptimizerSpec, param = "optimizer"): ResolvedOptimizer {
  if (typeof spec === "string") {
    return { ...DEFAULTS[checkOneOf(spec, param, OPTIMIZER_NAMES)] };
  }
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new TypeError(
      `${param} must be a name such as "adam" or a settings object such as ` +
        `{ name: "adam", beta2: 0.99 }, got ${describe(spec)}`,
    );
  }
  const name = (spec as { name?: unknown }).name;
  if (!(OPTIMIZER_NAMES as readonly unknown[]).includes(name)) {
    throw new RangeError(
      `${param}.name must be one of ${quoteList(OPTIMIZER_NAMES)}, got ${describe(name)}`,
    );
  }
  const defaults = DEFAULTS[name as OptimizerName];
  checkOptions(spec, Object.keys(defaults), param);
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(spec)) {
    if (key === "name" || value === undefined) continue;
    out[key] = checkSetting(key, value, `${param}.${key}`);
  }
  return out as ResolvedOptimizer;
}

/**
 * tfjs 4.22's `MomentumOptimizer.dispose()` does not call `SGDOptimizer.dispose()`, so the
 * scalar −α it keeps (its `c`) outlives it: one tensor per optimizer. The instances lib makes
 * free it as well.
 */
function disposingRate(opt: tf.MomentumOptimizer): tf.MomentumOptimizer {
  const dispose = opt.dispose.bind(opt);
  opt.dispose = () => {
    dispose();
    const c = (opt as unknown as { c?: tf.Tensor }).c;
    if (c instanceof tf.Tensor && !c.isDisposed) c.dispose();
  };
  return opt;
}

/**
 * The tfjs optimizer that follows the same update rule with the same settings as `fit`'s
 * named optimizer: `tf.train.sgd(α)`, `tf.train.momentum(α, μ, nesterov)`,
 * `tf.train.rmsprop(α, ρ, μ, ε)` or `tf.train.adam(α, β₁, β₂, ε)`. Useful to check a
 * from-scratch optimizer against tfjs, or to carry an optimizer's state from one `fit` call
 * to the next. The caller disposes it.
 *
 * @param spec A name or a settings object, as `fit` takes them.
 * @param learningRate α. @default DEFAULT_LEARNING_RATE[name]
 * @returns A new tfjs optimizer.
 * @throws {RangeError} For bad settings or a learning rate that is not positive.
 *
 * @example The tfjs twin of Adam with β₂ = 0.99
 * ```ts
 * import { tfjsOptimizer } from "./optimizers.ts";
 * const opt = tfjsOptimizer({ name: "adam", beta2: 0.99 }, 0.01);
 * const config = opt.getConfig(); // { learningRate: 0.01, beta1: 0.9, beta2: 0.99, epsilon: 1e-7 }
 * if (config.beta2 !== 0.99 || config.learningRate !== 0.01) throw new Error();
 * opt.dispose();
 * ```
 */
export function tfjsOptimizer(spec: OptimizerSpec, learningRate?: number): tf.Optimizer {
  const s = optimizerSettings(spec);
  const lr = checkPositive(learningRate ?? DEFAULT_LEARNING_RATE[s.name], "learningRate");
  switch (s.name) {
    case "sgd":
      return tf.train.sgd(lr);
    case "momentum":
      return disposingRate(tf.train.momentum(lr, s.momentum, s.nesterov));
    case "rmsprop":
      return tf.train.rmsprop(lr, s.rho, s.momentum, s.epsilon);
    case "adam":
      return tf.train.adam(lr, s.beta1, s.beta2, s.epsilon);
  }
}
