/**
 * Learning-rate schedules: functions of the update number t that return the learning rate α
 * of that update. `fit` takes one as its `learningRate` and asks it for the rate of every
 * update, counting t from 0 as Keras's schedules do: the first update uses α(0), the initial
 * rate. `fit` starts counting afresh in each call; each epoch record (and each batch record
 * with `recordBatches`) keeps the rate used, as `lr`.
 *
 * The schedules decay per update, not per epoch. To decay once per epoch, set `every` to the
 * number of updates in an epoch, ⌈examples / batch size⌉. Any function `(step) => α` works as
 * a schedule too, provided it returns a finite α ≥ 0.
 *
 * @module
 */
import {
  checkInRange,
  checkNonNegative,
  checkObject,
  checkOptions,
  checkPositive,
  checkPositiveInt,
} from "./_validate.ts";

/** A learning rate per update: α as a function of the update number t, from 0. */
export type LearningRateSchedule = (step: number) => number;

/** Options of {@link stepDecay}. */
export interface StepDecayOptions {
  /** α₀, the rate of the first `every` updates (> 0). */
  initial: number;
  /** The factor applied every `every` updates, in (0, 1]. */
  factor: number;
  /** Updates between two drops (a positive integer). */
  every: number;
}

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  /** α₀, the rate of the first update (> 0). */
  initial: number;
  /** The factor by which α shrinks over `every` updates, in (0, 1]. */
  rate: number;
  /** Updates over which α shrinks by `rate` (a positive integer). @default 1 */
  every?: number;
}

/** Options of {@link inverseTimeDecay}. */
export interface InverseTimeDecayOptions {
  /** α₀, the rate of the first update (> 0). */
  initial: number;
  /** k ≥ 0: after `every` updates α is α₀/(1 + k). */
  rate: number;
  /** The unit of t in updates (a positive integer). @default 1 */
  every?: number;
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** α₀, the rate of the first update (> 0). */
  initial: number;
  /** T, the update at which α reaches `final` (a positive integer). */
  steps: number;
  /** The rate from update T on, in [0, initial]. @default 0 */
  final?: number;
}

/** Throws unless the step a schedule is asked about is a finite number >= 0. */
function checkStep(step: unknown): number {
  return checkNonNegative(step, "step");
}

/**
 * Step decay: the rate drops by `factor` every `every` updates,
 * α(t) = α₀ · factor^⌊t / every⌋.
 *
 * @param options α₀ (`initial`), the factor and the number of updates between drops.
 * @returns The schedule, a function of the update number t ≥ 0.
 * @throws {RangeError} For α₀ ≤ 0, a factor outside (0, 1] or `every` not a positive integer.
 *
 * @example Halve the rate every 100 updates
 * ```ts
 * import { stepDecay } from "./schedules.ts";
 * const schedule = stepDecay({ initial: 0.1, factor: 0.5, every: 100 });
 * if (schedule(99) !== 0.1 || schedule(100) !== 0.05) throw new Error();
 * ```
 */
export function stepDecay(options: StepDecayOptions): LearningRateSchedule {
  checkObject(options, "options");
  checkOptions(options, ["initial", "factor", "every"]);
  const initial = checkPositive(options.initial, "initial");
  const factor = checkInRange(options.factor, "factor", 0, 1, { lo: true });
  const every = checkPositiveInt(options.every, "every");
  return (step) => initial * factor ** Math.floor(checkStep(step) / every);
}

/**
 * Exponential decay: the rate shrinks smoothly by the factor `rate` over every `every`
 * updates, α(t) = α₀ · rate^(t / every) (Keras's `ExponentialDecay` without `staircase`;
 * {@link stepDecay} is the staircase form).
 *
 * @param options α₀ (`initial`), the factor `rate` and the updates `every` it takes.
 * @returns The schedule, a function of the update number t ≥ 0.
 * @throws {RangeError} For α₀ ≤ 0, a rate outside (0, 1] or `every` not a positive integer.
 *
 * @example Lose 10% per update
 * ```ts
 * import { exponentialDecay } from "./schedules.ts";
 * const schedule = exponentialDecay({ initial: 0.1, rate: 0.9 });
 * if (Math.abs(schedule(2) - 0.081) > 1e-12) throw new Error();
 * ```
 */
export function exponentialDecay(options: ExponentialDecayOptions): LearningRateSchedule {
  checkObject(options, "options");
  checkOptions(options, ["initial", "rate", "every"]);
  const initial = checkPositive(options.initial, "initial");
  const rate = checkInRange(options.rate, "rate", 0, 1, { lo: true });
  const every = checkPositiveInt(options.every ?? 1, "every");
  return (step) => initial * rate ** (checkStep(step) / every);
}

/**
 * Inverse-time (1/t) decay: α(t) = α₀ / (1 + k · t / every), so 1/α grows linearly with t
 * (Keras's `InverseTimeDecay`). Σ α(t) diverges and Σ α(t)² converges: the Robbins–Monro
 * conditions under which SGD converges.
 *
 * @param options α₀ (`initial`), k (`rate`) and the unit of t in updates (`every`).
 * @returns The schedule, a function of the update number t ≥ 0.
 * @throws {RangeError} For α₀ ≤ 0, k < 0 or `every` not a positive integer.
 *
 * @example Half the initial rate after 100 updates
 * ```ts
 * import { inverseTimeDecay } from "./schedules.ts";
 * const schedule = inverseTimeDecay({ initial: 0.1, rate: 1, every: 100 });
 * if (schedule(100) !== 0.05) throw new Error();
 * ```
 */
export function inverseTimeDecay(options: InverseTimeDecayOptions): LearningRateSchedule {
  checkObject(options, "options");
  checkOptions(options, ["initial", "rate", "every"]);
  const initial = checkPositive(options.initial, "initial");
  const rate = checkNonNegative(options.rate, "rate");
  const every = checkPositiveInt(options.every ?? 1, "every");
  return (step) => initial / (1 + (rate * checkStep(step)) / every);
}

/**
 * Cosine decay: half a cosine wave from α₀ down to `final` over T updates, then `final`:
 * α(t) = final + ½ (α₀ − final) (1 + cos(π · min(t, T) / T)). Keras's `CosineDecay` with
 * alpha = final/α₀; PyTorch's `CosineAnnealingLR` with eta_min = final (which, unlike this,
 * rises again after T).
 *
 * @param options α₀ (`initial`), T (`steps`) and the final rate.
 * @returns The schedule, a function of the update number t ≥ 0.
 * @throws {RangeError} For α₀ ≤ 0, T not a positive integer or `final` outside [0, α₀].
 *
 * @example From 0.1 to 0 over 1000 updates
 * ```ts
 * import { cosineDecay } from "./schedules.ts";
 * const schedule = cosineDecay({ initial: 0.1, steps: 1000 });
 * if (schedule(0) !== 0.1 || Math.abs(schedule(500) - 0.05) > 1e-12) throw new Error();
 * ```
 */
export function cosineDecay(options: CosineDecayOptions): LearningRateSchedule {
  checkObject(options, "options");
  checkOptions(options, ["initial", "steps", "final"]);
  const initial = checkPositive(options.initial, "initial");
  const steps = checkPositiveInt(options.steps, "steps");
  const final = checkInRange(options.final ?? 0, "final", 0, initial, {}, "at most initial");
  return (step) =>
    final +
    0.5 * (initial - final) * (1 + Math.cos((Math.PI * Math.min(checkStep(step), steps)) / steps));
}
