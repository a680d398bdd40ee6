/**
 * Parameter updates for lib's training loop.
 *
 * Named optimizers ("sgd", "momentum", "rmsprop", "adam", with the settings of
 * `optimizers.ts`) follow the update rules of the tfjs optimizers of the same name, over one
 * flat vector of all weights, with an optional learning-rate schedule and decoupled weight
 * decay. A `tf.Optimizer` instance is used as is, through `applyGradients`. Either can clip the
 * gradients first, by value and by their global norm (`Clip`): the flat updater in JavaScript
 * on the gradients it reads back anyway, the tfjs one on the backend.
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

/**
 * Gradient clipping, applied to the gradient of the loss (data loss plus the weight penalties
 * of the layers' regularizers) before the optimizer sees it; decoupled weight decay comes after
 * and is not clipped. With both set, the value clip comes first.
 */
export interface Clip {
  /** c > 0: every element g ← min(max(g, −c), c). */
  value?: number;
  /** c > 0: all gradients g ← g·c / max(‖g‖, c), ‖g‖ the L2 norm over every parameter. */
  norm?: number;
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

/** The factor c / max(n, c) that brings a gradient of norm n down to norm c (1 when n <= c). */
export function normScale(norm: number, c: number): number {
  return norm > c ? c / norm : norm <= c ? 1 : NaN;
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
 *
 * Clipping works on the gradients as read back, in the same loop: each total gradient is
 * clamped to [−c, c] (c = ∞ without `clip.value`, which leaves every value as it was) and
 * multiplied by c / max(‖g‖, c) (exactly 1 without `clip.norm`), so without clipping every
 * result is bit for bit what it was without these two steps. The global norm takes one more
 * pass over the values already in JavaScript, no extra read-back: about 0.1 ms per step for
 * 66 000 weights (a 2 → 256 → 256 → 1 network, whose sgd step takes about 2 ms in all).
 * Clamping costs nothing measurable while few values are cut (0.0 ms with 1 % cut, 0.05 ms
 * with 10 %) and up to 0.8 ms when about half of them are, the branches then being
 * unpredictable.
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
  /** c of clipping by value (Infinity: none). */
  readonly #clipValue: number;
  /** c of clipping by global norm, if any. */
  readonly #clipNorm: number | undefined;
  readonly #written: object[] = [];
  #t = 0;
  #rate: number | undefined;

  constructor(
    params: Param[],
    opt: ResolvedOptimizer,
    learningRate: number | RateSchedule,
    addPenalty: boolean,
    decay: Decay | undefined,
    clip: Clip | undefined,
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
    this.#clipValue = clip?.value ?? Infinity;
    this.#clipNorm = clip?.norm;
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

  /**
   * The factor c / max(‖g‖, c) of clipping by global norm, for the gradients `gs` (read back)
   * of the loss with the penalty: each weight's total g + 2·l2·w + l1·sign(w), clipped by
   * value first when `clipValue` is set. One pass over the values already read back.
   */
  #normScale(gs: (Float32Array | undefined)[], c: number): number {
    const theta = this.#theta, gmax = this.#clipValue;
    let sumSq = 0;
    for (let i = 0; i < this.#vars.length; i++) {
      const start = this.#offsets[i], end = this.#offsets[i + 1], o = -start;
      const g = gs[i] ?? new Float32Array(end - start);
      const l1 = this.#l1[i], twoL2 = 2 * this.#l2[i];
      for (let j = start; j < end; j++) {
        const w = theta[j];
        let gj = g[j + o] + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
        gj = Math.min(Math.max(gj, -gmax), gmax);
        sumSq += gj * gj;
      }
    }
    return normScale(Math.sqrt(sumSq), c);
  }

  step(grads: (tf.Tensor | undefined)[]): number | undefined {
    const theta = this.#theta, s1 = this.#s1, s2 = this.#s2, opt = this.#opt;
    const t = ++this.#t;
    const lr = typeof this.#lr === "number" ? this.#lr : scheduledRate(this.#lr, t - 1);
    this.#rate = lr;
    const gs = this.#vars.map((_, i) => grads[i]?.dataSync() as Float32Array | undefined);
    // Clipping: each total gradient g to [−c, c] (c = Infinity without clipValue: a no-op),
    // then times c / max(‖g‖, c) (1 without clipNorm, exactly).
    const gmax = this.#clipValue;
    const scale = this.#clipNorm === undefined ? 1 : this.#normScale(gs, this.#clipNorm);
    let penalty = 0, penalized = false;
    for (let i = 0; i < this.#vars.length; i++) {
      const start = this.#offsets[i], end = this.#offsets[i + 1];
      const g = gs[i] ?? new Float32Array(end - start);
      const l1 = this.#l1[i], l2 = this.#l2[i], twoL2 = 2 * l2;
      const o = -start;
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
      switch (opt.name) {
        case "sgd": // w ← κ·w − α·g
          for (let j = start; j < end; j++) {
            const w = theta[j];
            let gj = g[j + o] + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
            gj = Math.min(Math.max(gj, -gmax), gmax) * scale;
            theta[j] = flush(w * keep - lr * gj);
          }
          break;
        case "momentum": {
          // v ← μ·v + g; w ← κ·w − α·v, or with Nesterov w ← κ·w − α·(g + μ·v)
          const mu = opt.momentum, cg = opt.nesterov ? 1 : 0, cv = opt.nesterov ? mu : 1;
          for (let j = start; j < end; j++) {
            const w = theta[j];
            let gj = g[j + o] + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
            gj = Math.min(Math.max(gj, -gmax), gmax) * scale;
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
            let gj = g[j + o] + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
            gj = Math.min(Math.max(gj, -gmax), gmax) * scale;
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
            let gj = g[j + o] + twoL2 * w + (l1 === 0 ? 0 : l1 * Math.sign(w));
            gj = Math.min(Math.max(gj, -gmax), gmax) * scale;
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
  readonly #clip: Clip | undefined;

  constructor(params: Param[], optimizer: tf.Optimizer, addPenalty: boolean, clip?: Clip) {
    this.#params = params;
    this.#optimizer = optimizer;
    this.#addPenalty = addPenalty;
    this.#clip = clip;
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
    if (this.#clip) clipTensors(named, this.#clip);
    this.#optimizer.applyGradients(named);
    for (const { variable } of this.#params) variable.assign(flushTiny(variable));
    return penalty?.dataSync()[0];
  }

  refresh(): void {}

  dispose(): void {}
}

/**
 * Clips the gradients in `named` in place, on the backend (no read-back): each by value, then
 * all together by their global norm, scaled by c / max(‖g‖, c). Call inside `tf.tidy`.
 */
function clipTensors(named: tf.NamedTensorMap, clip: Clip): void {
  const names = Object.keys(named);
  if (names.length === 0) return;
  if (clip.value !== undefined) {
    for (const k of names) named[k] = tf.clipByValue(named[k], -clip.value, clip.value);
  }
  if (clip.norm !== undefined) {
    const norm = tf.sqrt(tf.addN(names.map((k) => tf.sum(tf.square(named[k])))));
    const scale = tf.div(clip.norm, tf.maximum(norm, clip.norm));
    for (const k of names) named[k] = tf.mul(named[k], scale);
  }
}

/**
 * Makes the updater for a named optimizer (with its settings, a learning rate or schedule,
 * and optional decoupled weight decay) or for a tfjs optimizer instance (which holds its own
 * learning rate; `learningRate` and `decay` are then ignored). `clip` clips the gradients
 * before either uses them.
 */
export function makeUpdater(
  params: Param[],
  optimizer: OptimizerSpec | ResolvedOptimizer | tf.Optimizer,
  learningRate: number | RateSchedule,
  addPenalty: boolean,
  decay?: Decay,
  clip?: Clip,
): Updater {
  const clipping = clip !== undefined && (clip.value !== undefined || clip.norm !== undefined)
    ? clip
    : undefined;
  return optimizer instanceof tf.Optimizer
    ? new TfUpdater(params, optimizer, addPenalty, clipping)
    : new FlatUpdater(
      params,
      optimizerSettings(optimizer),
      learningRate,
      addPenalty,
      decay,
      clipping,
    );
}
