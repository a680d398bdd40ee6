/**
 * Regularization paths: one model trained per penalty strength λ on a log-spaced grid, with
 * every penalized weight collected, to watch weights shrink (L2) or vanish (L1) as λ grows.
 * The one part of the regularization modules that trains.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  checkFinite,
  checkInRange,
  checkIntAtLeast,
  checkNonEmptyArray,
  checkNonNegative,
  checkOneOf,
  checkOptions,
  checkPositive,
  describe,
} from "./_validate.ts";
import { mlp, type MlpOptions } from "./model.ts";
import { type ElasticNetStrength, type PenaltyConvention, penaltyFactor } from "./penalties.ts";
import { evaluate } from "./predict.ts";
import { fit, type FitOptions, type TensorData } from "./train.ts";
import { type LayerWeights, layerWeights, weightSummary } from "./weights.ts";

/** Options of {@link logGrid}. */
export interface LogGridOptions {
  /** How many values, ends included (at least 2). @default one per decade, plus one */
  count?: number;
}

/**
 * Values spaced evenly on a log scale from `from` to `to` (both included), e.g. for λ:
 * the i-th of k values is 10^(log₁₀ from + i·(log₁₀ to − log₁₀ from)/(k − 1)).
 *
 * @param from The first value (> 0).
 * @param to The last value (> from).
 * @param options How many values.
 * @returns The grid, ascending.
 *
 * @example One value per decade
 * ```ts
 * import { logGrid } from "./regularization_path.ts";
 * const grid = logGrid(1e-4, 1);
 * if (grid.length !== 5 || Math.abs(grid[2] - 1e-2) > 1e-15) throw new Error(grid.join());
 * ```
 */
export function logGrid(from: number, to: number, options: LogGridOptions = {}): number[] {
  checkPositive(from, "from");
  if (checkFinite(to, "to") <= from) {
    throw new RangeError(`to must be a finite number > from (${from}), got ${describe(to)}`);
  }
  checkOptions(options, ["count"]);
  const a = Math.log10(from), b = Math.log10(to);
  const count = checkIntAtLeast(options.count ?? Math.round(b - a) + 1, "options.count", 2);
  return Array.from({ length: count }, (_, i) => {
    if (i === 0) return from;
    if (i === count - 1) return to;
    return Number((10 ** (a + (b - a) * i / (count - 1))).toPrecision(12));
  });
}

/** Options of {@link regularizationPath}. */
export interface RegularizationPathOptions {
  /** The strengths to train at, each ≥ 0, in `convention` (0 trains an unpenalized model). */
  lambdas: readonly number[];
  /** The penalty: `"l1"`, `"l2"`, or `"elasticNet"` with λ₁ = ρλ and λ₂ = (1 − ρ)λ. */
  penalty: "l1" | "l2" | "elasticNet";
  /** The convention of `lambdas`. */
  convention: PenaltyConvention;
  /** Training examples for the `"course"` convention. @default the rows of `data` */
  n?: number;
  /** ρ of an elastic net (the L1 share of λ), in [0, 1]. @default 0.5 */
  l1Ratio?: number;
  /** The network: `mlp` options (not `kernelRegularizer`; set `seed` for the same start). @default {} */
  model?: Omit<MlpOptions, "kernelRegularizer">;
  /** Training options for `fit` (progress defaults to false). @default {} */
  fit?: FitOptions;
  /** Data to score each model on as well. @default undefined */
  validationData?: TensorData;
  /** Names of the inputs, for the rows of the first kernel. @default x1, x2, … */
  inputNames?: readonly string[];
  /** Threshold of each run's sparsity. @default 1e-3 */
  threshold?: number;
}

/** One trained model of a path. */
export interface PathRun {
  /** λ in the path's convention. */
  lambda: number;
  /** What tfjs was given: λ₁ and λ₂ in the keras form. */
  keras: ElasticNetStrength;
  /** Every Dense layer's kernel and biases after training. */
  layers: LayerWeights[];
  /** Data loss on the training data (without the penalty). */
  trainLoss: number;
  /** Accuracy on the training data (classification). */
  trainAcc?: number;
  /** Data loss on the validation data. */
  valLoss?: number;
  /** Accuracy on the validation data. */
  valAcc?: number;
  /** Sparsity of the penalized kernels (all hidden kernels, and the output's when asked). */
  sparsity: number;
}

/** One weight at one λ, for path charts. */
export interface PathRow {
  /** λ of the run. */
  lambda: number;
  /** The layer. */
  layer: string;
  /** A name for the weight: `input → unit` (`input` alone when the layer has one unit). */
  weight: string;
  /** The input side: an input name for the first layer, else `layer unit k`. */
  input: string;
  /** The unit it feeds (1-based). */
  unit: number;
  /** Its value. */
  value: number;
}

/** What {@link regularizationPath} returns. */
export interface RegularizationPath {
  /** The penalty trained with. */
  penalty: "l1" | "l2" | "elasticNet";
  /** The convention of the λs. */
  convention: PenaltyConvention;
  /** One run per λ, in the order given. */
  runs: PathRun[];
  /** Every penalized kernel weight of every run (long form, for charts). */
  rows: PathRow[];
}

const PATH_PENALTIES = ["l1", "l2", "elasticNet"] as const;

/** Appends the long-form rows of one run to `rows`: every weight of the penalized kernels. */
function addPathRows(
  rows: PathRow[],
  lambda: number,
  layers: LayerWeights[],
  penalized: LayerWeights[],
  names: readonly string[],
): void {
  for (const l of penalized) {
    const first = layers.indexOf(l) === 0;
    const prev = first ? "" : layers[layers.indexOf(l) - 1].layer;
    l.kernel.forEach((row, i) => {
      const input = first ? String(names[i]) : `${prev} unit ${i + 1}`;
      row.forEach((value, j) => {
        rows.push({
          lambda,
          layer: l.layer,
          weight: first && row.length === 1 ? input : `${input} → ${l.layer} unit ${j + 1}`,
          input,
          unit: j + 1,
          value,
        });
      });
    });
  }
}

/**
 * Trains one model per λ (same architecture, same initial weights when `model.seed` is set,
 * same training settings) and collects every weight: the regularization path. Each model is
 * built with `mlp` (the penalty on its hidden kernels, and on the output kernel with
 * `regularizeOutput`), trained with `fit`, scored with `evaluate`, then disposed. An elastic
 * net trains at λ₁ = ρλ and λ₂ = (1 − ρ)λ.
 *
 * @param data Training tensors {X, y}.
 * @param options The λs, penalty, convention, network and training settings.
 * @returns The runs and the weights in long form.
 *
 * @example Two λ on a tiny problem
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { regularizationPath } from "./regularization_path.ts";
 * const X = tf.tensor2d([[0, 1], [1, 0], [1, 1], [0, 0]]), y = tf.tensor2d([[1], [0], [1], [0]]);
 * const path = await regularizationPath({ X, y }, {
 *   lambdas: [0.001, 0.1],
 *   penalty: "l1",
 *   convention: "keras",
 *   model: { hidden: [3], seed: 1 },
 *   fit: { epochs: 5, seed: 1 },
 * });
 * if (path.runs.length !== 2 || path.rows.length !== 2 * 6) throw new Error();
 * tf.dispose([X, y]);
 * ```
 */
export async function regularizationPath(
  data: TensorData,
  options: RegularizationPathOptions,
): Promise<RegularizationPath> {
  const o = checkOptions(options, [
    "lambdas",
    "penalty",
    "convention",
    "n",
    "l1Ratio",
    "model",
    "fit",
    "validationData",
    "inputNames",
    "threshold",
  ]);
  if (typeof data !== "object" || data === null || !(data.X instanceof tf.Tensor)) {
    throw new TypeError(`data must be an object {X, y} of tensors, got ${describe(data)}`);
  }
  const lambdas = checkNonEmptyArray<number>(o.lambdas, "options.lambdas", "numbers >= 0");
  lambdas.forEach((l, i) => checkNonNegative(l, `options.lambdas[${i}]`));
  const penalty = checkOneOf(o.penalty, "options.penalty", PATH_PENALTIES);
  const conv = { convention: o.convention, n: o.n ?? data.X.shape[0] };
  const factors = { l1: penaltyFactor("l1", conv), l2: penaltyFactor("l2", conv) };
  const rho = checkInRange(o.l1Ratio ?? 0.5, "options.l1Ratio", 0, 1);
  if (o.l1Ratio !== undefined && penalty !== "elasticNet") {
    throw new TypeError(`options.l1Ratio applies to penalty "elasticNet" only, got "${penalty}"`);
  }
  const modelOptions = { ...(o.model ?? {}) } as MlpOptions;
  if ("kernelRegularizer" in modelOptions) {
    throw new TypeError(
      "options.model must not set kernelRegularizer: the path sets it from each λ",
    );
  }
  const inputDim = data.X.shape[1] ?? 0;
  const names = o.inputNames ?? Array.from({ length: inputDim }, (_, i) => `x${i + 1}`);
  if (!Array.isArray(names) || names.length !== inputDim) {
    throw new RangeError(
      `options.inputNames must name all ${inputDim} inputs, got ${describe(names)}`,
    );
  }
  const threshold = checkPositive(o.threshold ?? 1e-3, "options.threshold");
  const fitOptions: FitOptions = { progress: false, ...(o.fit ?? {}) };

  const runs: PathRun[] = [];
  const rows: PathRow[] = [];
  for (const lambda of lambdas) {
    const strength: ElasticNetStrength = penalty === "l1"
      ? { l1: lambda, l2: 0 }
      : penalty === "l2"
      ? { l1: 0, l2: lambda }
      : { l1: rho * lambda, l2: (1 - rho) * lambda };
    const keras = { l1: factors.l1 * strength.l1, l2: factors.l2 * strength.l2 };
    const model = mlp(inputDim, {
      ...modelOptions,
      kernelRegularizer: lambda > 0 ? tf.regularizers.l1l2(keras) : undefined,
    });
    try {
      await fit(model, data, fitOptions);
      const train = evaluate(model, data);
      const val = o.validationData ? evaluate(model, o.validationData) : undefined;
      const layers = layerWeights(model);
      const penalized = layers.filter((_, i) =>
        i < layers.length - 1 || modelOptions.regularizeOutput
      );
      const run: PathRun = {
        lambda,
        keras,
        layers,
        trainLoss: train.dataLoss,
        sparsity: weightSummary(penalized.map((l) => l.kernel), { threshold }).sparsity,
      };
      if (train.acc !== undefined) run.trainAcc = train.acc;
      if (val) {
        run.valLoss = val.dataLoss;
        if (val.acc !== undefined) run.valAcc = val.acc;
      }
      runs.push(run);
      addPathRows(rows, lambda, layers, penalized, names);
    } finally {
      model.dispose();
    }
  }
  return { penalty, convention: conv.convention, runs, rows };
}
