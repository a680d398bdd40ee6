/**
 * How sure a number is: standard errors and intervals for accuracies, differences between two
 * models (independent test sets or the same examples), percentile bootstrap intervals, and the
 * mean ± spread of results over seeds. The lessons use these so that a claim ("dropout helps",
 * "Adam beats SGD here") is checked against its uncertainty, not against a single number.
 *
 * Notation: an accuracy p on n examples; z the two-sided normal quantile of the level
 * (z = 1.96 for 95 %); sd the sample standard deviation (divides by n − 1); se = sd / √n.
 *
 * @module
 */
import pl from "nodejs-polars";
import {
  checkFunction,
  checkInRange,
  checkIntBetween,
  checkObject,
  checkOneOf,
  checkOptions,
  checkPositive,
  checkPositiveInt,
  checkString,
  describe,
  quoteList,
} from "./_validate.ts";
import { createRng, seedOr } from "./_random.ts";

// ---------------------------------------------------------------------------------------------
// Private helpers

/** c[0] + c[1]·r + c[2]·r² + … by Horner's rule. */
function poly(c: readonly number[], r: number): number {
  let v = 0;
  for (let i = c.length - 1; i >= 0; i--) v = v * r + c[i];
  return v;
}

// Wichura's AS 241 (PPND16) coefficients, lowest power first: Φ⁻¹ near the centre (A/B), in
// the tails down to e⁻²⁵ (C/D), and beyond (E/F).
const A = [
  3.387132872796366608,
  133.14166789178437745,
  1971.5909503065514427,
  13731.693765509461125,
  45921.953931549871457,
  67265.770927008700853,
  33430.575583588128105,
  2509.0809287301226727,
];
const B = [
  1,
  42.313330701600911252,
  687.1870074920579083,
  5394.1960214247511077,
  21213.794301586595867,
  39307.89580009271061,
  28729.085735721942674,
  5226.495278852545925,
];
const C = [
  1.42343711074968357734,
  4.6303378461565452959,
  5.7694972214606914055,
  3.64784832476320460504,
  1.27045825245236838258,
  0.24178072517745061177,
  0.0227238449892691845833,
  7.7454501427834140764e-4,
];
const D = [
  1,
  2.05319162663775882187,
  1.6763848301838038494,
  0.68976733498510000455,
  0.14810397642748007459,
  0.0151986665636164571966,
  5.475938084995344946e-4,
  1.05075007164441684324e-9,
];
const E = [
  6.6579046435011037772,
  5.4637849111641143699,
  1.7848265399172913358,
  0.29656057182850489123,
  0.026532189526576123093,
  0.0012426609473880784386,
  2.71155556874348757815e-5,
  2.01033439929228813265e-7,
];
const F = [
  1,
  0.59983220655588793769,
  0.13692988092273580531,
  0.0148753612908506148525,
  7.868691311456132591e-4,
  1.8463183175100546818e-5,
  1.4215117583164458887e-7,
  2.04426310338993978564e-15,
];

/**
 * The standard normal quantile Φ⁻¹(p) for p in (0, 1): Wichura's algorithm AS 241 (PPND16),
 * accurate to about 1e-16 relative.
 */
function normalQuantile(p: number): number {
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return q * poly(A, r) / poly(B, r);
  }
  const r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  const value = r <= 5 ? poly(C, r - 1.6) / poly(D, r - 1.6) : poly(E, r - 5) / poly(F, r - 5);
  return q < 0 ? -value : value;
}

/**
 * Checks a confidence level in (0, 1) and returns its two-sided z = Φ⁻¹(1 − (1 − level)/2),
 * computed as −Φ⁻¹((1 − level)/2) so that a level near 1 loses no digits to rounding.
 */
function levelZ(level: unknown, name: string): number {
  checkInRange(level, name, 0, 1, { lo: true, hi: true }, "a confidence level");
  return -normalQuantile((1 - (level as number)) / 2);
}

/**
 * The Wilson interval for p ≤ ½ without cancellation: the upper end as the sum of two positive
 * terms, the lower end from the product of the two roots, lower · upper = p² / (1 + z²/n).
 */
function wilsonLowHalf(p: number, n: number, z: number): [number, number] {
  const z2n = z * z / n;
  const upper = (p + z2n / 2 + z * Math.sqrt(p * (1 - p) / n + z2n / (4 * n))) / (1 + z2n);
  return [p * p / ((1 + z2n) * upper), upper];
}

/** True for an Array or a typed array (not a string). */
function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) ||
    (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/**
 * Reads finite numbers (and, with `booleans`, true/false as 1/0) from an array or typed array
 * of at least `min` items, naming the first bad one.
 */
function readNumbers(value: unknown, name: string, min: number, booleans = false): number[] {
  const what = booleans ? "numbers or booleans" : "numbers";
  if (!isArrayLike(value)) {
    throw new TypeError(`${name} must be an array of ${what}, got ${describe(value)}`);
  }
  if (value.length < min) {
    throw new RangeError(
      `${name} must hold at least ${min} ${min === 1 ? "value" : "values"}${
        min >= 2 ? " (a sample standard deviation divides by n − 1)" : ""
      }, got ${value.length === 0 ? "an empty array" : value.length}`,
    );
  }
  const out = new Array<number>(value.length);
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (booleans && typeof v === "boolean") {
      out[i] = v ? 1 : 0;
    } else if (typeof v !== "number" || v - v !== 0) {
      throw new (typeof v === "number" ? RangeError : TypeError)(
        `${name}[${i}] must be a finite number${booleans ? " or a boolean" : ""}, got ${
          describe(v)
        }`,
      );
    } else {
      out[i] = v;
    }
  }
  return out;
}

/** Reads per-example correctness (true/false or 1/0) as 0/1 numbers. */
function readCorrect(value: unknown, name: string): number[] {
  if (!isArrayLike(value)) {
    throw new TypeError(
      `${name} must be an array of per-example results (true/false or 1/0), got ${describe(value)}`,
    );
  }
  if (value.length < 2) {
    throw new RangeError(
      `${name} must hold at least 2 examples (the standard error divides by n − 1), got ${
        value.length === 0 ? "an empty array" : value.length
      }`,
    );
  }
  const out = new Array<number>(value.length);
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (v === true || v === 1) out[i] = 1;
    else if (v === false || v === 0) out[i] = 0;
    else {
      throw new (typeof v === "number" ? RangeError : TypeError)(
        `${name}[${i}] must be true, false, 1 or 0 (was the example classified correctly), got ${
          describe(v)
        }`,
      );
    }
  }
  return out;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function mean(values: readonly number[]): number {
  return sum(values) / values.length;
}

/** Sample standard deviation (n − 1), two-pass. */
function sampleSd(values: readonly number[], m = mean(values)): number {
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return Math.sqrt(ss / (values.length - 1));
}

/** The q-quantile of sorted values, interpolating linearly between order statistics. */
function quantileSorted(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** P(X ≤ k) for X ~ Binomial(m, 1/2), summed in log space so that large m does not underflow. */
function binomialHalfCdf(k: number, m: number): number {
  let logTerm = -m * Math.LN2; // log C(m, 0) / 2^m
  let maxLog = logTerm;
  const logs = [logTerm];
  for (let i = 0; i < k; i++) {
    logTerm += Math.log(m - i) - Math.log(i + 1);
    logs.push(logTerm);
    if (logTerm > maxLog) maxLog = logTerm;
  }
  let s = 0;
  for (const l of logs) s += Math.exp(l - maxLog);
  return Math.min(1, Math.exp(maxLog) * s);
}

// ---------------------------------------------------------------------------------------------
// Accuracies

/**
 * The standard error of an accuracy measured on n examples, from the binomial variance:
 *
 * se(p) = √(p(1 − p) / n)
 *
 * An accuracy of 0.8 on 200 examples is 0.8 ± 0.028. Two models scored on two such sets have
 * a difference with standard error √2 · 0.028 = 0.04 (see {@link differenceSE}), so a gap of
 * 3 points between them is well within what chance alone produces.
 *
 * @param accuracy The accuracy p, in [0, 1].
 * @param n The number of examples it was measured on, a positive integer.
 * @returns The standard error, in the units of the accuracy (0.028 is 2.8 points).
 *
 * @example Standard error of 80 % on 200 examples
 * ```ts
 * import { accuracySE } from "./uncertainty.ts";
 * const se = accuracySE(0.8, 200);
 * if (Math.abs(se - Math.sqrt(0.8 * 0.2 / 200)) > 1e-15) throw new Error(`se ${se}`);
 * ```
 */
export function accuracySE(accuracy: number, n: number): number {
  checkInRange(accuracy, "accuracy", 0, 1);
  checkPositiveInt(n, "n");
  return Math.sqrt(accuracy * (1 - accuracy) / n);
}

/** Settings of {@link accuracyInterval}. */
export interface AccuracyIntervalOptions {
  /**
   * The confidence level, in (0, 1).
   * @default 0.95
   */
  level?: number;
  /**
   * `"wilson"` for the Wilson score interval, `"normal"` for p ± z·se (the Wald interval).
   * @default "wilson"
   */
  method?: "wilson" | "normal";
}

/** An interval for an accuracy, from {@link accuracyInterval}. */
export interface AccuracyInterval {
  /** The measured accuracy p. */
  accuracy: number;
  /** The number of examples. */
  n: number;
  /** The lower end, in [0, 1]. */
  lower: number;
  /** The upper end, in [0, 1]. */
  upper: number;
  /** The confidence level. */
  level: number;
  /** The two-sided normal quantile of the level (1.96 for 95 %). */
  z: number;
  /** How the interval was computed. */
  method: "wilson" | "normal";
}

/**
 * A confidence interval for an accuracy on n examples.
 *
 * - `"wilson"` (the default), the Wilson score interval: the accuracies π for which
 *   |p − π| ≤ z·√(π(1 − π)/n), that is
 *   (p + z²/2n ± z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n).
 * - `"normal"`, the Wald interval p ± z·√(p(1 − p)/n), clipped to [0, 1].
 *
 * Wilson is the default because the normal interval breaks down where lessons often are: near
 * 0 or 1 and on small sets. At p = 1 (every example right) its width is 0, claiming certainty;
 * for a model that is right 95 % of the time, scored on 20 examples, its 95 % interval holds
 * the true 0.95 only 64 % of the time (Wilson's: 92 %). Wilson's interval never leaves [0, 1],
 * has a width at p = 0 and p = 1, and keeps close to its nominal coverage for small n; for
 * large n and p away from the ends the two agree.
 *
 * @param correctOrAccuracy The accuracy p in [0, 1], or the number of correct examples, a whole
 *   number in (1, n]. A value in [0, 1] is always read as an accuracy, so 1 means 100 %: for
 *   one correct example pass `1 / n`.
 * @param n The number of examples, a positive integer.
 * @param options `level` (default 0.95) and `method` (default `"wilson"`).
 * @returns The interval `{ lower, upper }` with the accuracy, n, level, z and method.
 *
 * @example 18 right out of 20
 * ```ts
 * import { accuracyInterval } from "./uncertainty.ts";
 * const wilson = accuracyInterval(18, 20);
 * const normal = accuracyInterval(0.9, 20, { method: "normal" });
 * // 0.9 + 1.96·√(0.9·0.1/20) = 1.03: the normal interval runs past 100 % and is clipped
 * if (normal.upper !== 1) throw new Error(`normal ${normal.upper}`);
 * // Wilson stays inside [0, 1], longer on the side away from 1
 * if (!(wilson.upper < 1 && 0.9 - wilson.lower > wilson.upper - 0.9)) throw new Error("shape");
 * ```
 */
export function accuracyInterval(
  correctOrAccuracy: number,
  n: number,
  options: AccuracyIntervalOptions = {},
): AccuracyInterval {
  checkOptions(options, ["level", "method"]);
  checkPositiveInt(n, "n");
  const p = readAccuracy(correctOrAccuracy, n);
  const level = options.level ?? 0.95;
  const z = levelZ(level, "options.level");
  const method = checkOneOf(options.method ?? "wilson", "options.method", ["wilson", "normal"]);
  let lower: number, upper: number;
  if (method === "wilson") {
    if (p <= 0.5) {
      [lower, upper] = wilsonLowHalf(p, n, z);
    } else { // the interval of 1 − p, mirrored: exact at p = 1
      const [lo, hi] = wilsonLowHalf(1 - p, n, z);
      [lower, upper] = [1 - hi, 1 - lo];
    }
  } else {
    const half = z * Math.sqrt(p * (1 - p) / n);
    lower = Math.max(0, p - half);
    upper = Math.min(1, p + half);
  }
  return { accuracy: p, n, lower, upper, level, z, method };
}

/** An accuracy in [0, 1] as is, a count of correct examples in (1, n] divided by n. */
function readAccuracy(value: unknown, n: number): number {
  const what =
    `correctOrAccuracy must be an accuracy in [0, 1] or a whole number of correct examples in [0, n = ${n}]`;
  if (typeof value !== "number") throw new TypeError(`${what}, got ${describe(value)}`);
  if (value >= 0 && value <= 1) return value;
  if (Number.isInteger(value) && value > 1 && value <= n) return value / n;
  throw new RangeError(`${what}, got ${value}`);
}

/** One accuracy and the number of examples it was measured on. */
export interface AccuracyOnN {
  /** The accuracy, in [0, 1]. */
  acc: number;
  /** The number of examples, a positive integer. */
  n: number;
}

function readAccuracyOnN(value: unknown, name: string): AccuracyOnN {
  checkObject(value, name);
  const v = checkOptions(value as AccuracyOnN, ["acc", "n"], name);
  checkInRange(v.acc, `${name}.acc`, 0, 1);
  checkPositiveInt(v.n, `${name}.n`);
  return v;
}

/**
 * The standard error of the difference between two accuracies measured on independent sets
 * of examples (two different test sets, or two dev sets):
 *
 * se(p_a − p_b) = √(p_a(1 − p_a)/n_a + p_b(1 − p_b)/n_b)
 *
 * When both models were scored on the same examples, use {@link pairedDifference}: its
 * standard error is usually much smaller, because the examples both get right or both get
 * wrong cancel.
 *
 * @param a The first accuracy and its number of examples, `{ acc, n }`.
 * @param b The second, `{ acc, n }`.
 * @returns The standard error of `a.acc − b.acc`.
 *
 * @example A dev accuracy against a test accuracy
 * ```ts
 * import { accuracySE, differenceSE } from "./uncertainty.ts";
 * const se = differenceSE({ acc: 0.86, n: 400 }, { acc: 0.82, n: 500 });
 * const expected = Math.hypot(accuracySE(0.86, 400), accuracySE(0.82, 500));
 * if (Math.abs(se - expected) > 1e-15) throw new Error(`se ${se}`);
 * ```
 */
export function differenceSE(a: AccuracyOnN, b: AccuracyOnN): number {
  const x = readAccuracyOnN(a, "a"), y = readAccuracyOnN(b, "b");
  return Math.sqrt(x.acc * (1 - x.acc) / x.n + y.acc * (1 - y.acc) / y.n);
}

/** Settings of {@link pairedDifference}. */
export interface PairedDifferenceOptions {
  /**
   * The confidence level of the interval `[lower, upper]`, in (0, 1).
   * @default 0.95
   */
  level?: number;
}

/** Two models compared on the same examples, from {@link pairedDifference}. */
export interface PairedDifference {
  /** The number of examples. */
  n: number;
  /** Accuracy of model A. */
  accA: number;
  /** Accuracy of model B. */
  accB: number;
  /** accA − accB, the mean of the per-example differences. */
  diff: number;
  /** The standard error of `diff`: sd of the per-example differences / √n. */
  se: number;
  /** diff − z·se. */
  lower: number;
  /** diff + z·se. */
  upper: number;
  /** The confidence level of `[lower, upper]`. */
  level: number;
  /** McNemar's b: examples A gets right and B gets wrong. */
  b: number;
  /** McNemar's c: examples A gets wrong and B gets right. */
  c: number;
  /** McNemar's exact two-sided p-value: min(1, 2·P(X ≤ min(b, c))), X ~ Binomial(b + c, ½). */
  pValue: number;
}

/**
 * Compares two models scored on the SAME examples. With per-example differences
 * d_i = a_i − b_i (1 for right, 0 for wrong, so d_i ∈ {−1, 0, 1}):
 *
 * diff = mean(d) = acc_A − acc_B, se = sd(d) / √n, interval diff ± z·se
 *
 * and McNemar's test, which looks only at the examples the models disagree on: b of them A gets
 * right and B wrong, c the other way. If the models were equally good each disagreement would
 * go either way with probability ½, so b ~ Binomial(b + c, ½); the exact two-sided p-value is
 * min(1, 2·P(X ≤ min(b, c))) (1 when b = c = 0). Here se² = (b + c − (b − c)²/n) / (n(n − 1)).
 *
 * @param correctA Per example, whether model A got it right (true/false or 1/0).
 * @param correctB The same for model B, on the same examples in the same order.
 * @param options `level` of the interval (default 0.95).
 * @returns The accuracies, their difference with its standard error and interval, McNemar's
 *   counts b and c and the exact p-value.
 *
 * @example Two classifiers on ten examples
 * ```ts
 * import { pairedDifference } from "./uncertainty.ts";
 * const a = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
 * const b = [1, 1, 1, 1, 0, 0, 0, 1, 0, 1];
 * const r = pairedDifference(a, b);
 * if (r.diff !== 0.2 || r.b !== 3 || r.c !== 1) throw new Error(JSON.stringify(r));
 * // P(X ≤ 1) for X ~ Binomial(4, ½) is 5/16; two-sided: 10/16
 * if (Math.abs(r.pValue - 10 / 16) > 1e-12) throw new Error(`p ${r.pValue}`);
 * ```
 */
export function pairedDifference(
  correctA: ArrayLike<boolean | number>,
  correctB: ArrayLike<boolean | number>,
  options: PairedDifferenceOptions = {},
): PairedDifference {
  checkOptions(options, ["level"]);
  const a = readCorrect(correctA, "correctA");
  const bs = readCorrect(correctB, "correctB");
  if (bs.length !== a.length) {
    throw new RangeError(
      `correctB must have the same length as correctA (${a.length} examples), got ${bs.length}`,
    );
  }
  const level = options.level ?? 0.95;
  const z = levelZ(level, "options.level");
  const n = a.length;
  const d = a.map((v, i) => v - bs[i]);
  let b = 0, c = 0;
  for (const v of d) {
    if (v > 0) b++;
    else if (v < 0) c++;
  }
  const diff = mean(d);
  const se = sampleSd(d, diff) / Math.sqrt(n);
  const m = b + c;
  const pValue = m === 0 ? 1 : Math.min(1, 2 * binomialHalfCdf(Math.min(b, c), m));
  return {
    n,
    accA: mean(a),
    accB: mean(bs),
    diff,
    se,
    lower: diff - z * se,
    upper: diff + z * se,
    level,
    b,
    c,
    pValue,
  };
}

// ---------------------------------------------------------------------------------------------
// Bootstrap

/** Settings of {@link bootstrapInterval}. */
export interface BootstrapOptions {
  /**
   * How many resamples to draw, an integer in [100, 100000].
   * @default 2000
   */
  resamples?: number;
  /**
   * The confidence level, in (0, 1).
   * @default 0.95
   */
  level?: number;
  /**
   * Seed of the resampling; without one, the next seed of lib's stream (see `setSeed`).
   * @default the next seed of lib's global stream
   */
  seed?: number;
}

/** A percentile bootstrap interval, from {@link bootstrapInterval}. */
export interface BootstrapInterval {
  /** The statistic on the data as given. */
  estimate: number;
  /** The (1 − level)/2 quantile of the resampled statistics. */
  lower: number;
  /** The 1 − (1 − level)/2 quantile of the resampled statistics. */
  upper: number;
  /** The bootstrap standard error: the sample sd of the resampled statistics. */
  se: number;
  /** The confidence level. */
  level: number;
  /** How many resamples were drawn. */
  resamples: number;
  /** The seed used, to repeat the run. */
  seed: number;
}

/** A statistic of one sample, or of several paired samples of the same length. */
export type Statistic = (...samples: number[][]) => number;

/**
 * A percentile bootstrap interval for a statistic. Each of `resamples` times, draw n indices
 * uniformly with replacement from the n examples and compute the statistic θ*_r on that
 * resample; the interval is [q_{α/2}, q_{1−α/2}] of the θ*_r with α = 1 − level (quantiles
 * interpolate linearly between order statistics), and se = sd(θ*).
 *
 * Pass several arrays of the same length, `[scoresA, scoresB]`, for a statistic over paired
 * data: the same indices are drawn from each, so pairs stay together (the accuracy difference
 * of two models on the same examples, for instance). Booleans count as 1 and 0.
 *
 * @param data One array of per-example values, or an array of paired arrays.
 * @param statistic The statistic, given the resample (one array per paired array).
 *   Default: the mean, for one array; required for paired arrays. It may be left out and the
 *   options passed second.
 * @param options `resamples` (default 2000), `level` (default 0.95), `seed`.
 * @returns The statistic on the data, the interval, the bootstrap se, and the seed used.
 *
 * @example Interval for a mean, and for an accuracy difference on the same examples
 * ```ts
 * import { bootstrapInterval } from "./uncertainty.ts";
 * const losses = [0.31, 0.42, 0.29, 0.35, 0.5, 0.38, 0.33, 0.41, 0.36, 0.3];
 * const m = bootstrapInterval(losses, { seed: 1 });
 * if (!(m.lower < m.estimate && m.estimate < m.upper)) throw new Error(JSON.stringify(m));
 *
 * const a = [true, true, false, true, true, true, false, true, true, true];
 * const b = [true, false, false, true, false, true, false, true, true, false];
 * const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
 * const d = bootstrapInterval([a, b], (x, y) => mean(x) - mean(y), { seed: 1 });
 * if (Math.abs(d.estimate - 0.3) > 1e-12) throw new Error(`${d.estimate}`);
 * ```
 */
export function bootstrapInterval(
  data: ArrayLike<number | boolean>,
  options?: BootstrapOptions,
): BootstrapInterval;
export function bootstrapInterval(
  data: ArrayLike<number | boolean> | readonly ArrayLike<number | boolean>[],
  statistic: Statistic | undefined,
  options?: BootstrapOptions,
): BootstrapInterval;
export function bootstrapInterval(
  data: ArrayLike<number | boolean> | readonly ArrayLike<number | boolean>[],
  statisticOrOptions?: Statistic | BootstrapOptions,
  maybeOptions?: BootstrapOptions,
): BootstrapInterval {
  let statistic: Statistic | undefined;
  let options: BootstrapOptions | undefined;
  if (typeof statisticOrOptions === "function" || statisticOrOptions === undefined) {
    statistic = statisticOrOptions;
    options = maybeOptions;
  } else if (maybeOptions !== undefined) {
    statistic = checkFunction<Statistic>(statisticOrOptions, "statistic");
  } else {
    options = statisticOrOptions;
  }
  checkOptions(options, ["resamples", "level", "seed"]);
  const resamples = checkIntBetween(
    options?.resamples ?? 2000,
    "options.resamples",
    100,
    100_000,
    "resamples",
  );
  const level = options?.level ?? 0.95;
  levelZ(level, "options.level");
  const seed = seedOr(options?.seed, "options.seed");

  if (!isArrayLike(data)) {
    throw new TypeError(
      `data must be an array of numbers or an array of paired arrays, got ${describe(data)}`,
    );
  }
  const paired = data.length > 0 && isArrayLike(data[0]);
  let columns: number[][];
  if (paired) {
    columns = Array.from(
      data as ArrayLike<unknown>,
      (col, j) => readNumbers(col, `data[${j}]`, 2, true),
    );
    columns.forEach((col, j) => {
      if (col.length !== columns[0].length) {
        throw new RangeError(
          `data[${j}] must have the same length as data[0] (${
            columns[0].length
          } paired values), got ${col.length}`,
        );
      }
    });
    if (statistic === undefined) {
      throw new TypeError(
        "statistic must be a function when data holds paired arrays, for example (a, b) => mean(a) - mean(b), got undefined",
      );
    }
  } else {
    columns = [readNumbers(data, "data", 2, true)];
  }
  const stat: Statistic = statistic ?? ((x: number[]) => mean(x));
  const evaluate = (samples: number[][], what: string): number => {
    const v = stat(...samples);
    if (typeof v !== "number" || v - v !== 0) {
      throw new RangeError(
        `statistic must return a finite number, got ${describe(v)} ${what}`,
      );
    }
    return v;
  };

  // copies, so that a statistic that sorts its input in place cannot reorder (unpair) the data
  const estimate = evaluate(columns.map((col) => col.slice()), "on the data");
  const n = columns[0].length;
  const rng = createRng(seed);
  const stats = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    const samples = columns.map(() => new Array<number>(n));
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rng.next() * n);
      for (let j = 0; j < columns.length; j++) samples[j][i] = columns[j][k];
    }
    stats[r] = evaluate(samples, `on resample ${r}`);
  }
  const se = sampleSd(stats);
  stats.sort((x, y) => x - y);
  const alpha = 1 - level;
  return {
    estimate,
    lower: quantileSorted(stats, alpha / 2),
    upper: quantileSorted(stats, 1 - alpha / 2),
    se,
    level,
    resamples,
    seed,
  };
}

// ---------------------------------------------------------------------------------------------
// Results over seeds

/** Mean and spread of repeated results, from {@link meanSpread}. */
export interface MeanSpread {
  /** The mean, Σx / n. */
  mean: number;
  /** The sample standard deviation, √(Σ(x − mean)² / (n − 1)): how much one run varies. */
  sd: number;
  /** The standard error of the mean, sd / √n: how much the mean itself varies. */
  se: number;
  /** The smallest value. */
  min: number;
  /** The largest value. */
  max: number;
  /** The number of values. */
  n: number;
}

/**
 * The mean and spread of a result repeated over seeds (or folds):
 *
 * mean = Σx / n, sd = √(Σ(x − mean)² / (n − 1)), se = sd / √n
 *
 * sd says how much a single run varies; se how far the mean of these n runs may be from the
 * mean of infinitely many.
 *
 * @param values At least two finite numbers (an array or typed array).
 * @returns `{ mean, sd, se, min, max, n }`.
 *
 * @example Dev accuracy over five seeds
 * ```ts
 * import { meanSpread } from "./uncertainty.ts";
 * const s = meanSpread([0.82, 0.85, 0.8, 0.84, 0.84]);
 * if (Math.abs(s.mean - 0.83) > 1e-12 || s.n !== 5 || s.min !== 0.8) throw new Error("mean");
 * // deviations −1, 2, −3, 1, 1 points: Σd² = 16e-4, sd = √(16e-4 / 4) = 0.02
 * if (Math.abs(s.sd - 0.02) > 1e-12) throw new Error(`sd ${s.sd}`);
 * ```
 */
export function meanSpread(values: ArrayLike<number>): MeanSpread {
  const x = readNumbers(values, "values", 2);
  return spread(x);
}

function spread(x: readonly number[]): MeanSpread {
  const m = mean(x);
  const sd = sampleSd(x, m);
  let min = Infinity, max = -Infinity; // a loop: Math.min(...x) overflows the stack on long x
  for (const v of x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { mean: m, sd, se: sd / Math.sqrt(x.length), min, max, n: x.length };
}

/** Settings of {@link summarizeBySeeds}. */
export interface SummarizeBySeedsOptions {
  /** The columns that identify a setting (every column except the seed and the metrics). */
  by: string[];
  /** The numeric columns to summarize. */
  metrics: string[];
}

/** A row of records, as {@link summarizeBySeeds} takes and returns them. */
export type ResultRow = Record<string, unknown>;

/**
 * One row per setting from a table of runs (one row per setting and seed): the `by` columns,
 * then for each metric m its `m_mean`, `m_sd` (sample, n − 1) and `m_se` = sd / √n, and
 * `n`, the number of runs of that setting (every metric has a value in every run, so n is the
 * same for all of them). Groups keep the order in which they first appear.
 *
 * @param rows An array of records, or a nodejs-polars DataFrame (then a DataFrame is returned,
 *   the `by` columns keeping their types).
 * @param options `by`: the setting columns (may be empty: one row for all runs); `metrics`:
 *   the columns to summarize, at least one. Every group needs at least two runs.
 * @returns The summary rows, as records or as a DataFrame like the input.
 *
 * @example Two learning rates, three seeds each
 * ```ts
 * import { summarizeBySeeds } from "./uncertainty.ts";
 * const runs = [0, 1, 2].flatMap((seed) => [
 *   { lr: 0.1, seed, acc: 0.8 + 0.01 * seed },
 *   { lr: 0.01, seed, acc: 0.7 + 0.02 * seed },
 * ]);
 * const table = summarizeBySeeds(runs, { by: ["lr"], metrics: ["acc"] });
 * if (table.length !== 2 || table[0].lr !== 0.1 || table[0].n !== 3) throw new Error("rows");
 * if (Math.abs((table[1].acc_sd as number) - 0.02) > 1e-12) throw new Error("sd");
 * ```
 */
export function summarizeBySeeds(
  rows: readonly ResultRow[],
  options: SummarizeBySeedsOptions,
): ResultRow[];
export function summarizeBySeeds(
  rows: pl.DataFrame,
  options: SummarizeBySeedsOptions,
): pl.DataFrame;
export function summarizeBySeeds(
  rows: readonly ResultRow[] | pl.DataFrame,
  options: SummarizeBySeedsOptions,
): ResultRow[] | pl.DataFrame {
  if (options === undefined) {
    throw new TypeError(
      "options must be an object { by, metrics } naming the setting and metric columns, got undefined",
    );
  }
  checkObject(options, "options");
  checkOptions(options, ["by", "metrics"]);
  const frame = isDataFrame(rows) ? rows : undefined;
  const records: readonly unknown[] = frame ? frame.toRecords() : rows as readonly unknown[];
  if (!Array.isArray(records)) {
    throw new TypeError(
      `rows must be an array of records or a nodejs-polars DataFrame, got ${describe(rows)}`,
    );
  }
  if (records.length === 0) {
    throw new RangeError("rows must hold at least one run, got none");
  }
  const columns: string[] = [];
  const seen = new Set<string>();
  records.forEach((r, i) => {
    for (const key of Object.keys(checkObject(r, `rows[${i}]`))) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  });
  const readNames = (value: unknown, name: string, min: number): string[] => {
    if (!Array.isArray(value)) {
      throw new TypeError(`${name} must be an array of column names, got ${describe(value)}`);
    }
    if (value.length < min) {
      throw new RangeError(`${name} must name at least ${min} column, got an empty array`);
    }
    value.forEach((c, j) => {
      checkString(c, `${name}[${j}]`);
      if (!seen.has(c)) {
        throw new RangeError(
          `${name}[${j}] must name a column of rows (${quoteList(columns)}), got ${describe(c)}`,
        );
      }
      if (value.indexOf(c) !== j) {
        throw new RangeError(`${name} must not name a column twice, got ${describe(c)} twice`);
      }
    });
    return value as string[];
  };
  const by = readNames(options.by, "options.by", 0);
  const metrics = readNames(options.metrics, "options.metrics", 1);
  for (const m of metrics) {
    if (by.includes(m)) {
      throw new RangeError(
        `options.metrics must not name a column of options.by, got ${describe(m)} in both`,
      );
    }
  }
  const outNames = [...by, ...metrics.flatMap((m) => [`${m}_mean`, `${m}_sd`, `${m}_se`]), "n"];
  const clash = outNames.find((c, j) => outNames.indexOf(c) !== j);
  if (clash !== undefined) {
    throw new RangeError(
      `options.by and options.metrics must give the summary distinct column names, got two named ${
        describe(clash)
      } (rename that column of rows)`,
    );
  }

  const groups = new Map<string, { first: number; values: number[][] }>();
  records.forEach((r, i) => {
    const row = r as ResultRow;
    const key = by.map((c) => {
      const v = row[c];
      if (
        !(typeof v === "string" || typeof v === "boolean" ||
          (typeof v === "number" && v - v === 0))
      ) {
        throw new (typeof v === "number" ? RangeError : TypeError)(
          `rows[${i}].${c} must be a string, a boolean or a finite number, got ${describe(v)}`,
        );
      }
      return `${typeof v}:${String(v)}`;
    }).join("\u0000");
    let group = groups.get(key);
    if (group === undefined) {
      group = { first: i, values: metrics.map(() => []) };
      groups.set(key, group);
    }
    metrics.forEach((m, j) => {
      const v = row[m];
      if (typeof v !== "number" || v - v !== 0) {
        throw new (typeof v === "number" ? RangeError : TypeError)(
          `rows[${i}].${m} must be a finite number, got ${describe(v)}`,
        );
      }
      group.values[j].push(v);
    });
  });

  const out: ResultRow[] = [];
  for (const group of groups.values()) {
    const first = records[group.first] as ResultRow;
    const n = group.values[0].length;
    if (n < 2) {
      const setting = by.length === 0
        ? "all rows"
        : `the setting ${by.map((c) => `${c} = ${describe(first[c])}`).join(", ")}`;
      throw new RangeError(
        `rows must hold at least 2 runs of every setting (a sample sd divides by n − 1), got 1 for ${setting} (rows[${group.first}])`,
      );
    }
    const row: ResultRow = {};
    for (const c of by) row[c] = first[c];
    metrics.forEach((m, j) => {
      const s = spread(group.values[j]);
      row[`${m}_mean`] = s.mean;
      row[`${m}_sd`] = s.sd;
      row[`${m}_se`] = s.se;
    });
    row.n = n;
    out.push(row);
  }
  if (frame === undefined) return out;

  // A DataFrame in, a DataFrame out: the by columns are gathered from the input's own series,
  // so they keep their types (Int32 stays Int32, categories stay categories).
  const firsts = [...groups.values()].map((g) => g.first);
  const series: pl.Series[] = by.map((c) => frame.getColumn(c).gather(firsts));
  for (const name of outNames.slice(by.length)) {
    const values = out.map((r) => r[name] as number);
    series.push(pl.Series(name, values, name === "n" ? pl.Int32 : pl.Float64));
  }
  return pl.DataFrame(series);
}

/** The structural test for a nodejs-polars DataFrame (no class to check with instanceof). */
function isDataFrame(value: unknown): value is pl.DataFrame {
  const v = value as Partial<pl.DataFrame> | null;
  return typeof v === "object" && v !== null && !Array.isArray(v) &&
    Array.isArray(v.columns) && typeof v.getColumn === "function" &&
    typeof v.toRecords === "function";
}

// ---------------------------------------------------------------------------------------------
// Comparing two settings

/** Settings of {@link separated}. */
export interface SeparatedOptions {
  /**
   * How many standard errors the means must differ by, a positive number.
   * @default 2
   */
  k?: number;
}

/** The comparison made by {@link separated}. */
export interface Separation {
  /** True when |diff| > k·se. */
  separated: boolean;
  /** mean(a) − mean(b). */
  diff: number;
  /** The standard error of the difference, √(se_a² + se_b²). */
  se: number;
  /** diff / se: how many standard errors apart the means are (±Infinity when se = 0). */
  z: number;
  /** The threshold used. */
  k: number;
}

/**
 * Whether two settings differ by more than their uncertainty: with each setting's results over
 * seeds (or folds) a and b,
 *
 * diff = mean(a) − mean(b), se = √(se_a² + se_b²) with se_x = sd(x)/√n_x, z = diff / se,
 * separated when |diff| > k·se.
 *
 * k = 2 is roughly a two-sided 95 % test for many runs; with few seeds, a larger k is the
 * safer reading.
 *
 * @param a The results of the first setting, at least two finite numbers.
 * @param b The results of the second setting, at least two finite numbers.
 * @param options `k` (default 2).
 * @returns `{ separated, diff, se, z, k }`.
 *
 * @example Adam against SGD over four seeds
 * ```ts
 * import { separated } from "./uncertainty.ts";
 * const adam = [0.91, 0.9, 0.92, 0.91], sgd = [0.85, 0.87, 0.86, 0.86];
 * const s = separated(adam, sgd);
 * if (!s.separated || Math.abs(s.diff - 0.05) > 1e-12) throw new Error(JSON.stringify(s));
 * if (separated([0.9, 0.8], [0.86, 0.84]).separated) throw new Error("within the noise");
 * ```
 */
export function separated(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: SeparatedOptions = {},
): Separation {
  checkOptions(options, ["k"]);
  const k = checkPositive(options.k ?? 2, "options.k");
  const x = spread(readNumbers(a, "a", 2)), y = spread(readNumbers(b, "b", 2));
  const diff = x.mean - y.mean;
  const se = Math.sqrt(x.se * x.se + y.se * y.se);
  const z = se > 0 ? diff / se : diff === 0 ? 0 : diff * Infinity;
  return { separated: Math.abs(diff) > k * se, diff, se, z, k };
}
