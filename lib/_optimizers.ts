/**
 * Parameter updates for lib's training loop.
 *
 * Named optimizers ("sgd", "momentum", "rmsprop", "adam", with the settings of
 * `optimizers.ts`) follow the update rules of the tfjs optimizers of the same name, over one
 * flat vector of all weights, with an optional learning-rate schedule and decoupled weight
 * decay. A `tf.Optimizer` instance is used as is, through `applyGradients`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Param } from "./_fast_dense.ts";
import { describe } from "./_validate.ts";
import { optimizerSettings, type OptimizerSpec, type ResolvedOptimizer } from "./optimizers.ts";

/** A learning rate per update: α as a function of the number of updates done before (from 0). */
export type RateSchedule = (step: number) => number;

/** Decoupled weight decay: w ← w − α·λ·w on the weights marked in `decayed`. */
export interface Decay {
  /** λ ≥ 0. */
  weightDecay: number;
  /** One flag per param: whether it decays. */
  decayed: boolean[];
}

/** Applies one update per step. */
export interface Updater {
  /**
   * Applies gradients (one per param, in order; undefined = none). When the updater adds
   * penalties, it also adds their gradients (L2: 2·l2·w, L1: l1·sign(w)) and returns the
   * penalty Σ l1·|w| + l2·w² at the weights before the update. Call inside `tf.tidy`.
   */
  step(grads: (tf.Tensor | undefined)[]): number | undefined;
  /** The learning rate of the last update (before the first: of the first), if known. */
  readonly rate: number | undefined;
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

/** The rate `schedule` gives before update `step` + 1, checked to be finite and >= 0. */
export function scheduledRate(schedule: RateSchedule, step: number): number {
  const rate = schedule(step);
  if (typeof rate !== "number" || !(rate >= 0) || rate === Infinity) {
    throw new RangeError(
      `learningRate schedule must return a finite number >= 0, got ${
        describe(rate)
      } at step ${step}`,
    );
  }
  return rate;
}

/**
 * Updater for a named optimizer. It keeps all trainable weights in one flat vector θ with
 * the optimizer's state beside it, and updates them in one JavaScript loop per step: on the
 * wasm backend reading the gradients and writing the weights back costs far less than the
 * dozens of small tensor ops (each with a fixed cost) a tfjs optimizer runs per variable.
 * Arithmetic is in double precision, rounded to float32 when stored. Decoupled weight decay
 * multiplies a decayed weight by κ = 1 − α·λ before the optimizer's step is subtracted:
 * w ← κ·w − α·(update), which is w − α·(update) − α·λ·w.
 */
class FlatUpdater implements Updater {
  readonly #vars: tf.Variable[];
  readonly #offsets: number[];
  readonly #l1: number[];
  readonly #l2: number[];
  readonly #lr: number | RateSchedule;
  readonly #opt: ResolvedOptimizer;
  readonly #weightDecay: number;
  readonly #decayed: boolean[];
  readonly #theta: Float32Array;
  readonly #s1: Float32Array;
  readonly #s2: Float32Array;
  readonly #written: object[] = [];
  #t = 0;
  #rate: number | undefined;

  constructor(
    params: Param[],
    opt: ResolvedOptimizer,
    learningRate: number | RateSchedule,
    addPenalty: boolean,
    decay: Decay | undefined,
  ) {
    this.#vars = params.map((p) => p.variable);
    this.#offsets = [0];
    for (const v of this.#vars) this.#offsets.push(this.#offsets.at(-1)! + v.size);
    this.#l1 = params.map((p) => (addPenalty && p.reg?.l1) || 0);
    this.#l2 = params.map((p) => (addPenalty && p.reg?.l2) || 0);
    this.#opt = opt;
    this.#lr = learningRate;
    this.#rate = typeof learningRate === "number" ? learningRate : undefined;
    this.#weightDecay = decay?.weightDecay ?? 0;
    this.#decayed = params.map((_, i) => this.#weightDecay > 0 && (decay?.decayed[i] ?? false));
    const total = this.#offsets.at(-1)!;
    const second = opt.name === "adam" || (opt.name === "rmsprop" && opt.momentum > 0);
    this.#theta = new Float32Array(total);
    this.#s1 = new Float32Array(opt.name === "sgd" ? 0 : total);
    this.#s2 = new Float32Array(second ? total : 0);
    this.refresh();
  }

  get rate(): number | undefined {
    return this.#rate;
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
    const theta = this.#theta, s1 = this.#s1, s2 = this.#s2, opt = this.#opt;
    const t = ++this.#t;
    const lr = typeof this.#lr === "number" ? this.#lr : scheduledRate(this.#lr, t - 1);
    this.#rate = lr;
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
      // κ = 1 − α·λ on decayed weights (exactly 1 elsewhere, so w·κ = w)
      const keep = this.#decayed[i] ? 1 - lr * this.#weightDecay : 1;
      const o = -start;
      switch (opt.name) {
        case "sgd": // w ← κ·w − α·g
          for (let j = start; j < end; j++) {
            const w = theta[j];
            const gj = g[j + o] + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
            theta[j] = flush(w * keep - lr * gj);
          }
          break;
        case "momentum": {
          // v ← μ·v + g; w ← κ·w − α·v, or with Nesterov w ← κ·w − α·(g + μ·v)
          const mu = opt.momentum, cg = opt.nesterov ? 1 : 0, cv = opt.nesterov ? mu : 1;
          for (let j = start; j < end; j++) {
            const w = theta[j];
            const gj = g[j + o] + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
            const v = mu * s1[j] + gj;
            s1[j] = v;
            theta[j] = flush(w * keep - lr * (cg * gj + cv * v));
          }
          break;
        }
        case "rmsprop": {
          // s ← ρ·s + (1 − ρ)·g²; w ← κ·w − α·g/√(s + ε), or with momentum μ > 0:
          // m ← μ·m + α·g/√(s + ε); w ← κ·w − m
          const rho = opt.rho, eps = opt.epsilon, mu = opt.momentum;
          for (let j = start; j < end; j++) {
            const w = theta[j];
            const gj = g[j + o] + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
            const sj = rho * s1[j] + (1 - rho) * gj * gj;
            s1[j] = sj;
            let m = lr * gj / Math.sqrt(sj + eps);
            if (mu > 0) {
              m += mu * s2[j];
              s2[j] = m;
            }
            theta[j] = flush(w * keep - m);
          }
          break;
        }
        case "adam": {
          // m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; w ← κ·w − α·m̂/(√v̂ + ε),
          // m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)
          const b1 = opt.beta1, b2 = opt.beta2, eps = opt.epsilon;
          const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
          for (let j = start; j < end; j++) {
            const w = theta[j];
            const gj = g[j + o] + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
            const m = b1 * s1[j] + (1 - b1) * gj;
            const v = b2 * s2[j] + (1 - b2) * gj * gj;
            s1[j] = m;
            s2[j] = v;
            theta[j] = flush(w * keep - lr * (m / c1) / (Math.sqrt(v / c2) + eps));
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

  /** The tfjs optimizer's learning rate, as its configuration states it. */
  get rate(): number | undefined {
    try {
      const lr = (this.#optimizer.getConfig() as { learningRate?: unknown }).learningRate;
      return typeof lr === "number" ? lr : undefined;
    } catch {
      return undefined;
    }
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

/**
 * Makes the updater for a named optimizer (with its settings, a learning rate or schedule,
 * and optional decoupled weight decay) or for a tfjs optimizer instance (which holds its own
 * learning rate; `learningRate` and `decay` are then ignored).
 */
export function makeUpdater(
  params: Param[],
  optimizer: OptimizerSpec | ResolvedOptimizer | tf.Optimizer,
  learningRate: number | RateSchedule,
  addPenalty: boolean,
  decay?: Decay,
): Updater {
  return optimizer instanceof tf.Optimizer
    ? new TfUpdater(params, optimizer, addPenalty)
    : new FlatUpdater(params, optimizerSettings(optimizer), learningRate, addPenalty, decay);
}
