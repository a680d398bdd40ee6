/**
 * Parameter updates for lib's training loop.
 *
 * Named optimizers ("sgd", "momentum", "rmsprop", "adam") keep all trainable weights in one
 * flat vector θ and update it with a handful of ops per step, then write the pieces back to
 * the model's variables. They follow the update rules (and defaults) of the tfjs optimizers
 * of the same name. A `tf.Optimizer` instance is used as is, through `applyGradients`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { _Param } from "./_fast_dense.ts";

/** Optimizers `fit` knows by name. */
export type OptimizerName = "sgd" | "momentum" | "rmsprop" | "adam";

/** The optimizer names, for messages and checks. */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ["sgd", "momentum", "rmsprop", "adam"];

/** Default learning rate per optimizer (the Keras defaults). */
export const DEFAULT_LEARNING_RATE: Readonly<Record<OptimizerName, number>> = {
  sgd: 0.01,
  momentum: 0.01,
  rmsprop: 0.001,
  adam: 0.001,
};

/** Applies one update per step. */
export interface _Updater {
  /**
   * Applies gradients (one per param, in order; undefined = none). When the updater adds
   * penalties, it also adds their gradients (L2: 2·l2·w, L1: l1·sign(w)) and returns the
   * penalty Σ l1·|w| + l2·w² at the weights before the update. Call inside `tf.tidy`.
   */
  step(grads: (tf.Tensor | undefined)[]): tf.Scalar | undefined;
  /** Re-reads the weights from the model's variables (after a callback changed them). */
  refresh(): void;
  /** Frees the updater's state. */
  dispose(): void;
}

function _replace(old: tf.Tensor | undefined, next: tf.Tensor): tf.Tensor1D {
  old?.dispose();
  return tf.keep(next) as tf.Tensor1D;
}

/** The smallest normal float32; weights below it in size are set to 0. */
const FLT_MIN = 1e-20;

/**
 * Sets subnormal values (0 < |x| < 1.2e-38) to 0. Weights that shrink towards 0 (L2, dead
 * units) become subnormal after many updates, and XNNPACK's matrix products on the wasm
 * backend run about 100 times slower on subnormal inputs.
 */
function _flushDenormals<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.step(tf.sub(tf.abs(x), FLT_MIN)));
}

/** Flat-vector updater for a named optimizer. */
class FlatUpdater implements _Updater {
  readonly #vars: tf.Variable[];
  readonly #sizes: number[];
  readonly #l1?: tf.Tensor1D;
  readonly #l2?: tf.Tensor1D;
  readonly #lr: number;
  readonly #rule: OptimizerName;
  #theta?: tf.Tensor1D;
  #s1?: tf.Tensor1D;
  #s2?: tf.Tensor1D;
  #t = 0;

  constructor(params: _Param[], rule: OptimizerName, learningRate: number, addPenalty: boolean) {
    this.#vars = params.map((p) => p.variable);
    this.#sizes = this.#vars.map((v) => v.size);
    this.#rule = rule;
    this.#lr = learningRate;
    const regs = addPenalty ? params.map((p) => p.reg) : [];
    const vec = (pick: (r: NonNullable<_Param["reg"]>) => number) =>
      regs.some((r) => r && pick(r) !== 0)
        ? tf.keep(
          tf.tidy(() =>
            tf.concat(this.#sizes.map((n, i) => tf.fill([n], regs[i] ? pick(regs[i]!) : 0)))
          ) as tf.Tensor1D,
        )
        : undefined;
    this.#l1 = vec((r) => r.l1);
    this.#l2 = vec((r) => r.l2);
    this.refresh();
  }

  refresh(): void {
    if (this.#vars.length === 0) return;
    this.#theta = _replace(
      this.#theta,
      tf.tidy(() => tf.concat(this.#vars.map((v) => tf.reshape(v, [-1]))) as tf.Tensor1D),
    );
  }

  step(grads: (tf.Tensor | undefined)[]): tf.Scalar | undefined {
    const theta = this.#theta;
    if (theta === undefined) return undefined;
    let g = tf.concat(
      grads.map((gi, i) => gi ? tf.reshape(gi, [-1]) : tf.zeros([this.#sizes[i]])),
    ) as tf.Tensor1D;
    let penalty: tf.Scalar | undefined;
    if (this.#l2) {
      penalty = tf.sum(tf.mul(this.#l2, tf.square(theta)));
      g = tf.add(g, tf.mul(this.#l2, tf.mul(theta, 2)));
    }
    if (this.#l1) {
      const p1 = tf.sum(tf.mul(this.#l1, tf.abs(theta))) as tf.Scalar;
      penalty = penalty ? tf.add(penalty, p1) : p1;
      g = tf.add(g, tf.mul(this.#l1, tf.sign(theta)));
    }
    this.#t++;
    const lr = this.#lr;
    let next: tf.Tensor1D;
    switch (this.#rule) {
      case "sgd":
        next = tf.sub(theta, tf.mul(g, lr));
        break;
      case "momentum": {
        // tfjs: a ← μ·a + g; θ ← θ − η·a  (μ = 0.9)
        const a = this.#s1 ? tf.add(tf.mul(this.#s1, 0.9), g) : g;
        this.#s1 = _replace(this.#s1, a);
        next = tf.sub(theta, tf.mul(a, lr));
        break;
      }
      case "rmsprop": {
        // tfjs: s ← ρ·s + (1 − ρ)·g²; θ ← θ − η·g/√(s + ε)  (ρ = 0.9, ε = 1e-7)
        const g2 = tf.mul(tf.square(g), 0.1);
        const s = this.#s1 ? tf.add(tf.mul(this.#s1, 0.9), g2) : g2;
        this.#s1 = _replace(this.#s1, s);
        next = tf.sub(theta, tf.div(tf.mul(g, lr), tf.sqrt(tf.add(s, 1e-7))));
        break;
      }
      case "adam": {
        // tfjs: m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
        //       θ ← θ − η·(m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε)  (β₁ = 0.9, β₂ = 0.999, ε = 1e-7)
        const gm = tf.mul(g, 0.1), gv = tf.mul(tf.square(g), 1 - 0.999);
        const m = this.#s1 ? tf.add(tf.mul(this.#s1, 0.9), gm) : gm;
        const v = this.#s2 ? tf.add(tf.mul(this.#s2, 0.999), gv) : gv;
        this.#s1 = _replace(this.#s1, m);
        this.#s2 = _replace(this.#s2, v);
        const mHat = tf.div(m, 1 - 0.9 ** this.#t);
        const vHat = tf.div(v, 1 - 0.999 ** this.#t);
        next = tf.sub(theta, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), 1e-7)), lr));
        break;
      }
    }
    next = _flushDenormals(next);
    this.#theta = _replace(theta, next);
    const parts = tf.split(next, this.#sizes);
    this.#vars.forEach((v, i) => v.assign(tf.reshape(parts[i], v.shape)));
    return penalty;
  }

  dispose(): void {
    for (const t of [this.#theta, this.#s1, this.#s2, this.#l1, this.#l2]) t?.dispose();
    this.#theta = this.#s1 = this.#s2 = undefined;
  }
}

/** Updater that hands the gradients to a tfjs optimizer. */
class TfUpdater implements _Updater {
  readonly #params: _Param[];
  readonly #optimizer: tf.Optimizer;
  readonly #addPenalty: boolean;

  constructor(params: _Param[], optimizer: tf.Optimizer, addPenalty: boolean) {
    this.#params = params;
    this.#optimizer = optimizer;
    this.#addPenalty = addPenalty;
  }

  step(grads: (tf.Tensor | undefined)[]): tf.Scalar | undefined {
    let penalty: tf.Scalar | undefined;
    const named: tf.NamedTensorMap = {};
    this.#params.forEach(({ variable: w, reg }, i) => {
      let g = grads[i];
      if (this.#addPenalty && reg) {
        const p = tf.add(tf.mul(tf.sum(tf.square(w)), reg.l2), tf.mul(tf.sum(tf.abs(w)), reg.l1));
        penalty = penalty ? tf.add(penalty, p) : p as tf.Scalar;
        const gPenalty = tf.add(tf.mul(w, 2 * reg.l2), tf.mul(tf.sign(w), reg.l1));
        g = g ? tf.add(g, gPenalty) : gPenalty;
      }
      if (g) named[w.name] = g;
    });
    this.#optimizer.applyGradients(named);
    for (const { variable } of this.#params) variable.assign(_flushDenormals(variable));
    return penalty;
  }

  refresh(): void {}

  dispose(): void {}
}

/** Makes the updater for a named optimizer or a tfjs optimizer instance. */
export function _makeUpdater(
  params: _Param[],
  optimizer: OptimizerName | tf.Optimizer,
  learningRate: number,
  addPenalty: boolean,
): _Updater {
  return typeof optimizer === "string"
    ? new FlatUpdater(params, optimizer, learningRate, addPenalty)
    : new TfUpdater(params, optimizer, addPenalty);
}
