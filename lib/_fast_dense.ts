/**
 * The fast training path for Sequential stacks of Dense, Activation, LeakyReLU, Dropout and
 * BatchNormalization layers: forward and backward passes written out by hand (explicit
 * backpropagation formulas) instead of generic autodiff over `model.apply`.
 *
 * Why it is faster on the wasm backend: every tfjs op has a fixed cost, and `tf.matMul` with
 * `transposeA`/`transposeB` set (which the autodiff gradients of matMul use) takes a slow
 * non-XNNPACK loop, about ten times slower than an explicit `tf.transpose` followed by a
 * plain `tf.matMul`. Here each Dense forward is one fused matMul + bias + activation, the
 * backward pass uses explicit transposes, and the activation derivatives are taken from the
 * activation outputs, so nothing else needs to be kept.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { EPSILON, type LossName } from "./_losses.ts";

/** Activations the fast path knows (tfjs names; leakyRelu from the LeakyReLU layer). */
export type ActName = "relu" | "sigmoid" | "tanh" | "linear" | "softmax" | "elu" | "leakyRelu";

/** An activation with its slope for negative inputs (leakyRelu only). */
export interface Act {
  name: ActName;
  alpha: number;
}

/** An L1/L2 penalty l1·Σ|w| + l2·Σw² on one weight tensor. */
export interface Reg {
  l1: number;
  l2: number;
}

/** A trainable weight with its penalty. */
export interface Param {
  variable: tf.Variable;
  reg?: Reg;
}

/** One step of the fast forward pass. `*Idx` index the plan's params (-1: not trainable). */
export type Step =
  | {
    kind: "dense";
    kernel: tf.Variable;
    bias?: tf.Variable;
    kIdx: number;
    bIdx: number;
    act: Act;
  }
  | { kind: "act"; act: Act }
  | { kind: "dropout"; rate: number }
  | {
    kind: "bn";
    gamma?: tf.Variable;
    beta?: tf.Variable;
    gIdx: number;
    bIdx: number;
    movingMean: tf.Variable;
    movingVariance: tf.Variable;
    momentum: number;
    epsilon: number;
  };

/** A compiled Sequential model. */
export interface Plan {
  steps: Step[];
  params: Param[];
  inputDim: number;
  outputDim: number;
  /** The activation applied last, if the last step is a Dense or activation layer. */
  outputAct?: Act;
  /** needGrad[i]: some step before i has trainable weights, so step i must pass a gradient back. */
  needGrad: boolean[];
}

const FAST_ACTS: readonly string[] = ["relu", "sigmoid", "tanh", "linear", "softmax", "elu"];

type Cfg = Record<string, unknown>;

function regOf(cfg: unknown): Reg | undefined | string {
  if (cfg == null) return undefined;
  const c = cfg as { className?: string; config?: { l1?: number; l2?: number } };
  if (c.className !== "L1L2") return `regularizer ${c.className} is not an L1/L2 penalty`;
  const l1 = c.config?.l1 ?? 0, l2 = c.config?.l2 ?? 0;
  return l1 === 0 && l2 === 0 ? undefined : { l1, l2 };
}

function weight(layer: tf.layers.Layer, suffix: string) {
  return layer.weights.find((w) => w.originalName === `${layer.name}/${suffix}`);
}

/**
 * Compiles a model into a fast-path plan, or returns the reason it cannot (a sentence naming
 * the layer or setting that needs generic autodiff).
 */
export function compilePlan(model: tf.LayersModel): Plan | string {
  if (!(model instanceof tf.Sequential)) return "the model is not a tf.Sequential";
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    return "the model has several inputs or outputs";
  }
  const inShape = model.inputs[0].shape;
  if (inShape.length !== 2 || inShape[1] == null) return "the model's input is not a vector";
  const params: Param[] = [];
  const steps: Step[] = [];
  const addParam = (layer: tf.layers.Layer, suffix: string, reg: Reg | undefined) => {
    const w = weight(layer, suffix);
    if (w === undefined || !w.trainable || !layer.trainable) return -1;
    params.push({ variable: w.read() as tf.Variable, reg });
    return params.length - 1;
  };
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Cfg;
    const where = `layer ${layer.name} (${cls})`;
    if (cls === "InputLayer") continue;
    if (cls === "Dense" || cls === "Activation") {
      const act = String(cfg.activation);
      if (!FAST_ACTS.includes(act)) return `${where} uses activation ${act}`;
      if (cls === "Activation") {
        steps.push({ kind: "act", act: { name: act as ActName, alpha: 0 } });
        continue;
      }
      if (cfg.activityRegularizer != null) return `${where} has an activity regularizer`;
      const kReg = regOf(cfg.kernelRegularizer), bReg = regOf(cfg.biasRegularizer);
      if (typeof kReg === "string") return `${where}: ${kReg}`;
      if (typeof bReg === "string") return `${where}: ${bReg}`;
      const kernel = weight(layer, "kernel"), bias = weight(layer, "bias");
      if (kernel === undefined || kernel.shape.length !== 2) return `${where} has no 2-D kernel`;
      steps.push({
        kind: "dense",
        kernel: kernel.read() as tf.Variable,
        bias: bias?.read() as tf.Variable | undefined,
        kIdx: addParam(layer, "kernel", kReg),
        bIdx: bias ? addParam(layer, "bias", bReg) : -1,
        act: { name: act as ActName, alpha: 0 },
      });
    } else if (cls === "LeakyReLU") {
      const alpha = Number(cfg.alpha);
      if (!(alpha >= 0)) return `${where} has a negative slope`;
      steps.push({ kind: "act", act: { name: "leakyRelu", alpha } });
    } else if (cls === "Dropout") {
      if (cfg.noiseShape != null) return `${where} has a noise shape`;
      const rate = Number(cfg.rate);
      // tfjs applies dropout only for 0 < rate < 1
      if (rate > 0 && rate < 1) steps.push({ kind: "dropout", rate });
    } else if (cls === "BatchNormalization") {
      if (cfg.axis !== -1 && cfg.axis !== 1) return `${where} normalizes axis ${cfg.axis}`;
      const gReg = regOf(cfg.gammaRegularizer), bReg = regOf(cfg.betaRegularizer);
      if (typeof gReg === "string") return `${where}: ${gReg}`;
      if (typeof bReg === "string") return `${where}: ${bReg}`;
      const gamma = weight(layer, "gamma"), beta = weight(layer, "beta");
      const mean = weight(layer, "moving_mean"), variance = weight(layer, "moving_variance");
      if (!mean || !variance) return `${where} has no moving statistics`;
      steps.push({
        kind: "bn",
        gamma: gamma?.read() as tf.Variable | undefined,
        beta: beta?.read() as tf.Variable | undefined,
        gIdx: gamma ? addParam(layer, "gamma", gReg) : -1,
        bIdx: beta ? addParam(layer, "beta", bReg) : -1,
        movingMean: mean.read() as tf.Variable,
        movingVariance: variance.read() as tf.Variable,
        momentum: Number(cfg.momentum),
        epsilon: Number(cfg.epsilon),
      });
    } else {
      return `${where} is not a Dense, Activation, LeakyReLU, Dropout or BatchNormalization layer`;
    }
  }
  const last = steps.at(-1);
  const outputAct = last && (last.kind === "dense" || last.kind === "act") ? last.act : undefined;
  const needGrad: boolean[] = [];
  let seen = false;
  for (const s of steps) {
    needGrad.push(seen);
    if (
      (s.kind === "dense" && (s.kIdx >= 0 || s.bIdx >= 0)) ||
      (s.kind === "bn" && (s.gIdx >= 0 || s.bIdx >= 0))
    ) {
      seen = true;
    }
  }
  const outShape = model.outputs[0].shape;
  return {
    steps,
    params,
    inputDim: inShape[1],
    outputDim: Number(outShape[outShape.length - 1]),
    outputAct,
    needGrad,
  };
}

/** Why the plan cannot train with this loss on the fast path, or undefined if it can. */
export function lossReason(plan: Plan, loss: LossName): string | undefined {
  if (loss === "categoricalCrossentropy" && plan.outputAct?.name !== "softmax") {
    return "categoricalCrossentropy needs a softmax output on the fast path";
  }
  return undefined;
}

const FUSABLE: Partial<Record<ActName, "linear" | "relu" | "sigmoid" | "elu" | "leakyrelu">> = {
  linear: "linear",
  relu: "relu",
  sigmoid: "sigmoid",
  elu: "elu",
};

function applyAct(act: Act, z: tf.Tensor2D): tf.Tensor2D {
  switch (act.name) {
    case "linear":
      return z;
    case "relu":
      return tf.relu(z);
    case "sigmoid":
      return tf.sigmoid(z);
    case "tanh":
      return tf.tanh(z);
    case "elu":
      return tf.elu(z);
    case "leakyRelu":
      return tf.leakyRelu(z, act.alpha);
    case "softmax":
      return tf.softmax(z);
  }
}

/** Gradient through an activation, from its output a: g ⊙ g'(z) (softmax: a ⊙ (g − Σ g⊙a)). */
function actBackward(act: Act, a: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D {
  switch (act.name) {
    case "linear":
      return g;
    case "relu":
      return tf.mul(g, tf.step(a));
    case "leakyRelu":
      return tf.mul(g, tf.step(a, act.alpha));
    case "sigmoid":
      return tf.mul(g, tf.mul(a, tf.sub(1, a)));
    case "tanh":
      return tf.mul(g, tf.sub(1, tf.square(a)));
    case "elu":
      return tf.where(tf.greater(a, 0), g, tf.mul(g, tf.add(a, 1)));
    case "softmax":
      return tf.mul(a, tf.sub(g, tf.sum(tf.mul(g, a), -1, true)));
  }
}

/** Values a training forward pass keeps for the backward pass, one entry per step. */
export interface Cache {
  inputs: tf.Tensor2D[];
  outputs: tf.Tensor2D[];
  masks: (tf.Tensor2D | undefined)[];
  xhat: (tf.Tensor2D | undefined)[];
  invStd: (tf.Tensor1D | undefined)[];
}

/**
 * Forward pass. In training, dropout draws its masks with `nextSeed()` and batch norm uses
 * the batch statistics and updates its moving averages (m ← m − (1 − momentum)(m − μ_B)),
 * as tfjs layers do; otherwise dropout is the identity and batch norm uses the moving
 * statistics. Call inside `tf.tidy`.
 */
export function forward(
  plan: Plan,
  x: tf.Tensor2D,
  training: boolean,
  nextSeed: () => number = () => 0,
): { output: tf.Tensor2D; cache: Cache } {
  const cache: Cache = { inputs: [], outputs: [], masks: [], xhat: [], invStd: [] };
  let a = x;
  for (const s of plan.steps) {
    cache.inputs.push(a);
    let mask: tf.Tensor2D | undefined, xhat: tf.Tensor2D | undefined;
    let invStd: tf.Tensor1D | undefined;
    if (s.kind === "dense") {
      const fused = s.act.name === "leakyRelu" ? "leakyrelu" : FUSABLE[s.act.name];
      a = tf.fused.matMul({
        a,
        b: s.kernel as tf.Tensor2D,
        bias: s.bias,
        activation: fused ?? "linear",
        leakyreluAlpha: s.act.alpha,
      }) as tf.Tensor2D;
      if (fused === undefined) a = applyAct(s.act, a);
    } else if (s.kind === "act") {
      a = applyAct(s.act, a);
    } else if (s.kind === "dropout") {
      if (training) {
        const keep = 1 - s.rate;
        const u = tf.randomUniform(a.shape, 0, 1, "float32", nextSeed());
        mask = tf.div(tf.floor(tf.add(u, keep)), keep) as tf.Tensor2D;
        a = tf.mul(a, mask);
      }
    } else if (training) {
      const { mean, variance } = tf.moments(a, 0);
      invStd = tf.rsqrt(tf.add(variance, s.epsilon)) as tf.Tensor1D;
      xhat = tf.mul(tf.sub(a, mean), invStd);
      a = xhat;
      if (s.gamma) a = tf.mul(a, s.gamma);
      if (s.beta) a = tf.add(a, s.beta);
      const decay = 1 - s.momentum;
      s.movingMean.assign(tf.sub(s.movingMean, tf.mul(tf.sub(s.movingMean, mean), decay)));
      s.movingVariance.assign(
        tf.sub(s.movingVariance, tf.mul(tf.sub(s.movingVariance, variance), decay)),
      );
    } else {
      a = tf.batchNorm(
        a,
        s.movingMean,
        s.movingVariance,
        s.beta,
        s.gamma,
        s.epsilon,
      ) as tf.Tensor2D;
    }
    cache.outputs.push(a);
    cache.masks.push(mask);
    cache.xhat.push(xhat);
    cache.invStd.push(invStd);
  }
  return { output: a, cache };
}

// Rough costs on the wasm backend, in ns: XNNPACK repacks the right-hand operand of every
// product whose operand is new (per element), a transpose moves each element once, a product
// with transposeA/transposeB set runs a plain loop (per multiply-add), and every op has a fixed
// cost. They pick the cheapest arrangement of each product below.
const PACK = 5.5, MOVE = 1.7, LOOP = 1.2, OP = 4000;

type Arrangement = "plain" | "flipped" | "flagged";

function cheapest(costs: Record<Arrangement, number>): Arrangement {
  let best: Arrangement = "plain";
  for (const k of ["flipped", "flagged"] as const) if (costs[k] < costs[best]) best = k;
  return best;
}

/**
 * The gradients of a Dense layer z = a·W + b from g = ∂L/∂z [B, out], with a [B, in]:
 * ∂W = aᵀ·g, ∂b = Σ_rows g and, if `withInput`, ∂a = g·Wᵀ. Each product is arranged so
 * that it costs least: as written with explicit transposes ("plain"), transposed so that
 * XNNPACK packs the smaller operand ("flipped": ∂W = (gᵀ·a)ᵀ, ∂a = (W·gᵀ)ᵀ), or with
 * tfjs's transpose flags ("flagged", a plain loop that wins for matrix-vector products).
 */
function denseGrads(
  a: tf.Tensor2D,
  g: tf.Tensor2D,
  w: tf.Tensor2D,
  needW: boolean,
  needB: boolean,
  withInput: boolean,
): { dW?: tf.Tensor2D; db?: tf.Tensor1D; dA?: tf.Tensor2D } {
  const [batch, inDim] = a.shape;
  const outDim = g.shape[1];
  const macs = LOOP * batch * inDim * outDim + OP;
  const wWay = cheapest({
    plain: MOVE * batch * inDim + PACK * batch * outDim + 2 * OP,
    flipped: MOVE * batch * outDim + PACK * batch * inDim + MOVE * inDim * outDim + 3 * OP,
    flagged: macs,
  });
  const aWay = cheapest({
    plain: (MOVE + PACK) * inDim * outDim + 2 * OP,
    flipped: MOVE * batch * outDim + PACK * batch * outDim + MOVE * batch * inDim + 3 * OP,
    flagged: macs,
  });
  const gT = (needW && wWay === "flipped") || (withInput && aWay === "flipped")
    ? tf.transpose(g)
    : undefined;
  const out: { dW?: tf.Tensor2D; db?: tf.Tensor1D; dA?: tf.Tensor2D } = {};
  if (needW) {
    out.dW = wWay === "flipped"
      ? tf.transpose(tf.matMul(gT!, a))
      : wWay === "flagged"
      ? tf.matMul(a, g, true, false)
      : tf.matMul(tf.transpose(a), g);
  }
  if (needB) out.db = gT ? tf.sum(gT, 1) : tf.sum(g, 0);
  if (withInput) {
    out.dA = aWay === "flipped"
      ? tf.transpose(tf.matMul(w, gT!))
      : aWay === "flagged"
      ? tf.matMul(g, w, false, true)
      : tf.matMul(g, tf.transpose(w));
  }
  return out;
}

/**
 * Gradient of the mean loss with respect to the output (or, when `fused`, with respect to the
 * output layer's pre-activation z, which is simpler and exact for sigmoid + binary and
 * softmax + categorical crossentropy: ∂L/∂z = (p − y)/(n·k) where p is not clipped).
 */
export function outputGrad(
  plan: Plan,
  loss: LossName,
  p: tf.Tensor2D,
  y: tf.Tensor2D,
): { grad: tf.Tensor2D; fused: boolean } {
  const [n, k] = p.shape;
  const act = plan.outputAct?.name;
  if (loss === "meanSquaredError") {
    return { grad: tf.mul(tf.sub(p, y), 2 / (n * k)), fused: false };
  }
  // tfjs clips probabilities to [ε, 1 − ε]; the gradient is zero where clipping is active.
  const pc = tf.clipByValue(p, EPSILON, 1 - EPSILON);
  const inside = tf.cast(tf.equal(pc, p), "float32");
  if (loss === "binaryCrossentropy") {
    if (act === "sigmoid") {
      return { grad: tf.mul(tf.sub(p, y), tf.mul(inside, 1 / (n * k))), fused: true };
    }
    const dp = tf.div(tf.mul(tf.sub(pc, y), inside), tf.mul(pc, tf.sub(1, pc)));
    return { grad: tf.mul(dp, 1 / (n * k)), fused: false };
  }
  // categorical crossentropy with softmax: ∂L/∂z = (p·Σ_k y m − y m)/n, m = not clipped
  const ym = tf.mul(y, inside);
  const grad = tf.mul(tf.sub(tf.mul(p, tf.sum(ym, -1, true)), ym), 1 / n) as tf.Tensor2D;
  return { grad, fused: true };
}

/**
 * Backward pass: gradients of the mean loss for every trainable parameter of the plan
 * (undefined where a parameter gets none). `grad` comes from {@link outputGrad}.
 * Call inside `tf.tidy`, after {@link forward} in training mode.
 *
 * - Dense: ∂W = a_inᵀ·g, ∂b = Σ_rows g, ∂a_in = g·Wᵀ
 * - Dropout: ∂a_in = g ⊙ mask
 * - Batch norm: ∂γ = Σ g⊙x̂, ∂β = Σ g,
 *   ∂x = (1/σ) (g⊙γ − mean(g⊙γ) − x̂ ⊙ mean(g⊙γ⊙x̂))
 */
export function backward(
  plan: Plan,
  cache: Cache,
  grad: tf.Tensor2D,
  fused: boolean,
): (tf.Tensor | undefined)[] {
  const grads: (tf.Tensor | undefined)[] = plan.params.map(() => undefined);
  let g = grad;
  for (let i = plan.steps.length - 1; i >= 0; i--) {
    const s = plan.steps[i];
    const isLast = i === plan.steps.length - 1;
    if (s.kind === "dense") {
      if (!(isLast && fused)) g = actBackward(s.act, cache.outputs[i], g);
      const { dW, db, dA } = denseGrads(
        cache.inputs[i],
        g,
        s.kernel as tf.Tensor2D,
        s.kIdx >= 0,
        s.bIdx >= 0,
        plan.needGrad[i],
      );
      if (s.kIdx >= 0) grads[s.kIdx] = dW;
      if (s.bIdx >= 0) grads[s.bIdx] = db;
      if (!dA) break;
      g = dA;
    } else if (s.kind === "act") {
      if (!(isLast && fused)) g = actBackward(s.act, cache.outputs[i], g);
    } else if (s.kind === "dropout") {
      const mask = cache.masks[i];
      if (mask) g = tf.mul(g, mask);
    } else {
      const xhat = cache.xhat[i] as tf.Tensor2D, invStd = cache.invStd[i] as tf.Tensor1D;
      if (s.gIdx >= 0) grads[s.gIdx] = tf.sum(tf.mul(g, xhat), 0);
      if (s.bIdx >= 0) grads[s.bIdx] = tf.sum(g, 0);
      if (!plan.needGrad[i]) break;
      const gx = s.gamma ? tf.mul(g, s.gamma) : g;
      const centered = tf.sub(gx, tf.mean(gx, 0));
      g = tf.mul(tf.sub(centered, tf.mul(xhat, tf.mean(tf.mul(gx, xhat), 0))), invStd);
    }
  }
  return grads;
}
