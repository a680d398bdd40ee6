/**
 * The dropout probability, given as `rate` (of dropping a unit, tfjs/Keras) or `keepProb` (of
 * keeping it, keepProb = 1 − rate): the checks that say which one a value was taken for,
 * shared by `dropout.ts` and `mlp`'s `dropout` option.
 *
 * @module
 */
import { checkInRange, describe } from "./_validate.ts";

/** Throws unless `rate`, the probability of dropping a unit, is in [0, 1). */
export function checkRate(rate: unknown, name = "rate"): number {
  return checkInRange(rate, name, 0, 1, { hi: true }, "the probability of dropping a unit");
}

/** Throws unless `keepProb`, the probability of keeping a unit, is in (0, 1]. */
export function checkKeepProb(keepProb: unknown, name = "keepProb"): number {
  return checkInRange(keepProb, name, 0, 1, { lo: true }, "the probability of keeping a unit");
}

/** The keep probability from `{ rate }` or `{ keepProb }`, checking that exactly one is given. */
export function resolveKeepProb(options: { rate?: unknown; keepProb?: unknown }): number {
  const hasRate = options.rate !== undefined, hasKeep = options.keepProb !== undefined;
  if (hasRate && hasKeep) {
    throw new TypeError(
      `give either rate (drop probability) or keepProb (keep probability), not both; got rate ${
        describe(options.rate)
      } and keepProb ${describe(options.keepProb)}`,
    );
  }
  if (!hasRate && !hasKeep) {
    throw new TypeError(
      "options must give rate (the probability of dropping a unit) or keepProb (of keeping it)",
    );
  }
  return hasRate ? 1 - checkRate(options.rate) : checkKeepProb(options.keepProb);
}
