/**
 * Parameter updates for lib's training loop.
 *
 * Named optimizers ("sgd", "momentum", "rmsprop", "adam") follow the update rules and
 * defaults of the tfjs optimizers of the same name, over one flat vector of all weights. A
 * `tf.Optimizer` instance is used as is, through `applyGradients`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Param } from "./_fast_dense.ts";

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
export interface Updater {
  /**
   * Applies gradients (one per param, in order; undefined = none). When the updater adds
   * penalties, it also adds their gradients (L2: 2·l2·w, L1: l1·sign(w)) and returns the
   * penalty Σ l1·|w| + l2·w² at the weights before the update. Call inside `tf.tidy`.
   */
  step(grads: (tf.Tensor | undefined)[]): number | undefined;
  /** Re-reads the weights from the model's variables (after a callback changed them). */
  refresh(): void;
  /** Frees the updater's state. */
  dispose(): void;
}

/**
 * Weights smaller than this in size are set to 0 after each update. Weights that shrink
 * towards 0 (L2 penalty, dead units) otherwise end up near or below the smallest normal
 * float32 (1.2e-38), and XNNPACK's matrix products on the wasm backend run about 100 times
 * slower when products are subnormal. A weight of 1e-20 cannot change any float32 result.
 */
const FLUSH_BELOW = 1e-20;

function flush(x: number): number {
  return Math.abs(x) < FLUSH_BELOW ? 0 : x;
}

function flushTiny<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.step(tf.sub(tf.abs(x), FLUSH_BELOW)));
}

/**
 * Updater for a named optimizer. It keeps all trainable weights in one flat vector θ with
 * the optimizer's state beside it, and updates them in one JavaScript loop per step: on the
 * wasm backend reading the gradients and writing the weights back costs far less than the
 * dozens of small tensor ops (each with a fixed cost) a tfjs optimizer runs per variable.
 * Arithmetic is in double precision, rounded to float32 when stored.
 */
class FlatUpdater implements Updater {
  readonly #vars: tf.Variable[];
  readonly #offsets: number[];
  readonly #l1: number[];
  readonly #l2: number[];
  readonly #lr: number;
  readonly #rule: OptimizerName;
  readonly #theta: Float32Array;
  readonly #s1: Float32Array;
  readonly #s2: Float32Array;
  readonly #written: object[] = [];
  #t = 0;

  constructor(params: Param[], rule: OptimizerName, learningRate: number, addPenalty: boolean) {
    this.#vars = params.map((p) => p.variable);
    this.#offsets = [0];
    for (const v of this.#vars) this.#offsets.push(this.#offsets.at(-1)! + v.size);
    this.#l1 = params.map((p) => (addPenalty && p.reg?.l1) || 0);
    this.#l2 = params.map((p) => (addPenalty && p.reg?.l2) || 0);
    this.#rule = rule;
    this.#lr = learningRate;
    const total = this.#offsets.at(-1)!;
    this.#theta = new Float32Array(total);
    this.#s1 = new Float32Array(rule === "sgd" ? 0 : total);
    this.#s2 = new Float32Array(rule === "adam" ? total : 0);
    this.refresh();
  }

  refresh(): void {
    // A variable whose data is still the tensor this updater wrote has not changed.
    this.#vars.forEach((v, i) => {
      if (v.dataId === this.#written[i]) return;
      this.#theta.set(v.dataSync() as Float32Array, this.#offsets[i]);
      this.#written[i] = v.dataId;
    });
  }

  step(grads: (tf.Tensor | undefined)[]): number | undefined {
    const theta = this.#theta, s1 = this.#s1, s2 = this.#s2, lr = this.#lr;
    const t = ++this.#t;
    let penalty = 0, penalized = false;
    for (let i = 0; i < this.#vars.length; i++) {
      const start = this.#offsets[i], end = this.#offsets[i + 1];
      const g = grads[i] ? grads[i]!.dataSync() as Float32Array : new Float32Array(end - start);
      const l1 = this.#l1[i], l2 = this.#l2[i], twoL2 = 2 * l2;
      if (l1 !== 0 || l2 !== 0) {
        // penalty l1·Σ|w| + l2·Σw² (its gradient l1·sign(w) + 2·l2·w is added below)
        penalized = true;
        for (let j = start; j < end; j++) {
          const w = theta[j];
          penalty += l1 * Math.abs(w) + l2 * w * w;
        }
      }
      const o = -start;
      switch (this.#rule) {
        case "sgd": // θ ← θ − η·g
          for (let j = start; j < end; j++) {
            const w = theta[j];
            const gj = g[j + o] + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
            theta[j] = flush(w - lr * gj);
          }
          break;
        case "momentum": // a ← μ·a + g; θ ← θ − η·a  (μ = 0.9, as tfjs)
          for (let j = start; j < end; j++) {
            const w = theta[j];
            const gj = g[j + o] + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
            const a = 0.9 * s1[j] + gj;
            s1[j] = a;
            theta[j] = flush(w - lr * a);
          }
          break;
        case "rmsprop": // s ← ρ·s + (1 − ρ)·g²; θ ← θ − η·g/√(s + ε)  (ρ = 0.9, ε = 1e-7)
          for (let j = start; j < end; j++) {
            const w = theta[j];
            const gj = g[j + o] + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
            const sj = 0.9 * s1[j] + 0.1 * gj * gj;
            s1[j] = sj;
            theta[j] = flush(w - lr * gj / Math.sqrt(sj + 1e-7));
          }
          break;
        case "adam": {
          // m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; θ ← θ − η·m̂/(√v̂ + ε),
          // m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)  (β₁ = 0.9, β₂ = 0.999, ε = 1e-7)
          const c1 = 1 - 0.9 ** t, c2 = 1 - 0.999 ** t;
          for (let j = start; j < end; j++) {
            const w = theta[j];
            const gj = g[j + o] + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
            const m = 0.9 * s1[j] + 0.1 * gj;
            const v = 0.999 * s2[j] + 0.001 * gj * gj;
            s1[j] = m;
            s2[j] = v;
            theta[j] = flush(w - lr * (m / c1) / (Math.sqrt(v / c2) + 1e-7));
          }
          break;
        }
      }
      const v = this.#vars[i];
      v.assign(tf.tensor(theta.slice(start, end), v.shape, "float32"));
      this.#written[i] = v.dataId;
    }
    return penalized ? penalty : undefined;
  }

  dispose(): void {}
}

/** Updater that hands the gradients to a tfjs optimizer. */
class TfUpdater implements Updater {
  readonly #params: Param[];
  readonly #optimizer: tf.Optimizer;
  readonly #addPenalty: boolean;

  constructor(params: Param[], optimizer: tf.Optimizer, addPenalty: boolean) {
    this.#params = params;
    this.#optimizer = optimizer;
    this.#addPenalty = addPenalty;
  }

  step(grads: (tf.Tensor | undefined)[]): number | undefined {
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
    for (const { variable } of this.#params) variable.assign(flushTiny(variable));
    return penalty?.dataSync()[0];
  }

  refresh(): void {}

  dispose(): void {}
}

/** Makes the updater for a named optimizer or a tfjs optimizer instance. */
export function makeUpdater(
  params: Param[],
  optimizer: OptimizerName | tf.Optimizer,
  learningRate: number,
  addPenalty: boolean,
): Updater {
  return typeof optimizer === "string"
    ? new FlatUpdater(params, optimizer, learningRate, addPenalty)
    : new TfUpdater(params, optimizer, addPenalty);
}
