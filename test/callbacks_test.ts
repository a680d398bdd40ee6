import assert from "node:assert/strict";
import { fakeContext, stampedModel } from "./_fake_context.ts";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { makeMoons } from "../lib/synthetic.ts";
import { mlp } from "../lib/model.ts";
import { fit } from "../lib/train.ts";
import { evaluate } from "../lib/predict.ts";
import type { Callback, EpochLog } from "../lib/callbacks.ts";
import {
  type EarlyStopping,
  earlyStopping,
  type EarlyStoppingOptions,
  replayEarlyStopping,
  stoppingMarks,
} from "../lib/early_stopping.ts";
import { learningCurves } from "../lib/charts.ts";
import { makeRng } from "../lib/random.ts";

await initBackend("wasm");

/**
 * Feeds a scripted sequence of monitored values, one per epoch (undefined: the epoch's log
 * lacks the value), until the callback stops training or the sequence (the epoch limit) ends.
 * The context's model is a stand-in stamped with the epoch number before each epoch's hooks.
 * Returns the number of epochs run and the epoch whose weights the model holds at the end.
 */
function feed(
  cb: Callback,
  values: (number | undefined)[],
  key: "valLoss" | "valAcc" = "valLoss",
) {
  const weights = stampedModel();
  const ctx = fakeContext({ epochs: values.length }, weights.model);
  cb.onTrainBegin!(ctx);
  let epoch = 0;
  for (const v of values) {
    epoch++;
    weights.stamp(epoch);
    const log: EpochLog = { epoch, loss: 1, seconds: epoch };
    if (v !== undefined) log[key] = v;
    ctx.history.epochs.push(log);
    cb.onEpochEnd!(log, ctx);
    if (ctx.stopTraining) break;
  }
  cb.onTrainEnd!(ctx);
  return { epochs: epoch, ctx, weightsFrom: weights.value };
}

/**
 * tf-keras's `EarlyStopping` (tf_keras/callbacks.py, 2.16 and later), transcribed line by
 * line as a second implementation: epochs count from 0 as in Keras, the comparisons are numpy's
 * `less`/`greater` on `value - min_delta` with `min_delta` negated in "min" mode, and
 * `bestWeights` is the number the stand-in model's weights were stamped with (the epoch, from 1).
 */
class TfKerasEarlyStopping {
  wait = 0;
  stoppedEpoch = 0;
  best = 0;
  bestWeights: number | undefined;
  bestEpoch = 0;
  stopTraining = false;
  readonly minDelta: number;
  readonly monitorOp: (a: number, b: number) => boolean;

  constructor(
    readonly patience: number,
    minDelta: number,
    readonly mode: "min" | "max",
    readonly baseline: number | undefined,
    readonly restoreBestWeights: boolean,
    readonly startFromEpoch: number,
  ) {
    this.minDelta = Math.abs(minDelta);
    this.monitorOp = mode === "min" ? (a, b) => a < b : (a, b) => a > b;
    if (mode === "max") this.minDelta *= 1;
    else this.minDelta *= -1;
  }

  onTrainBegin() {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.mode === "min" ? Infinity : -Infinity;
    this.bestWeights = undefined;
    this.bestEpoch = 0;
  }

  onEpochEnd(epoch: number, current: number | undefined, weights: number) {
    if (current === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === undefined) {
      this.bestWeights = weights;
      this.bestEpoch = epoch;
    }
    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = weights;
      if (this.baseline === undefined || this.isImprovement(current, this.baseline)) {
        this.wait = 0;
      }
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.stopTraining = true;
    }
  }

  /** The weights `set_weights` puts back, or undefined when it is not called. */
  onTrainEnd(): number | undefined {
    if (this.restoreBestWeights && this.bestWeights !== undefined) return this.bestWeights;
    return undefined;
  }

  isImprovement(monitorValue: number, referenceValue: number) {
    return this.monitorOp(monitorValue - this.minDelta, referenceValue);
  }
}

/** Runs the tf-keras transcription over `values` the way `fit` runs epochs (from 1). */
function runTfKeras(values: (number | undefined)[], keras: TfKerasEarlyStopping) {
  keras.onTrainBegin();
  const waits: number[] = [];
  let epochs = 0;
  for (const [i, value] of values.entries()) {
    epochs = i + 1;
    keras.onEpochEnd(i, value, i + 1);
    waits.push(keras.wait);
    if (keras.stopTraining) break;
  }
  const initial = keras.mode === "min" ? Infinity : -Infinity;
  const improved = keras.best !== initial; // some epoch replaced the ±inf start
  return {
    epochs,
    waits,
    stoppedEpoch: keras.stopTraining ? keras.stoppedEpoch + 1 : undefined,
    bestEpoch: improved ? keras.bestEpoch + 1 : undefined,
    bestValue: improved ? keras.best : undefined,
    weightsFrom: keras.onTrainEnd() ?? epochs,
  };
}

/** A random epoch sequence: coarse values (ties), a drift, now and then NaN, ±inf or no value. */
function randomSequence(rng: ReturnType<typeof makeRng>, n: number, max: boolean) {
  const values: (number | undefined)[] = Array.from({ length: n }, (_, i) => {
    const drift = max ? 0.02 * i : -0.02 * i;
    return Math.round((0.6 + drift + 0.15 * rng.normal()) * 20) / 20;
  });
  if (rng.next() < 0.1) values[rng.int(n)] = NaN;
  // a run that opens with NaN: no best yet, so the first watched epoch's weights are kept
  if (rng.next() < 0.08) values.fill(NaN, 0, 1 + rng.int(6));
  if (rng.next() < 0.05) values[rng.int(n)] = rng.next() < 0.5 ? Infinity : -Infinity;
  if (rng.next() < 0.05) values[rng.int(n)] = undefined;
  return values;
}

Deno.test("earlyStopping() decides every epoch as tf-keras's EarlyStopping does, on random sequences", () => {
  const before = tf.memory().numTensors;
  const rng = makeRng(2024);
  const seen = {
    stops: 0,
    baselineStops: 0,
    limits: 0,
    neverBeatNeverStopped: 0,
    restoredFirstWatched: 0,
    restored: 0,
  };
  for (let trial = 0; trial < 4000; trial++) {
    const max = rng.next() < 0.3;
    const n = 2 + rng.int(28);
    const values = randomSequence(rng, n, max);
    const patience = rng.int(6);
    const minDelta = [0, 0, 0.05, 0.1][rng.int(4)];
    const start = rng.next() < 0.3 ? rng.int(Math.min(4, n)) : 0;
    // a baseline near one of the run's own values: some runs beat it, some never do
    const finite = values.filter((v): v is number => Number.isFinite(v));
    let baseline = rng.next() < 0.5 && finite.length > 0
      ? finite[rng.int(finite.length)] + 0.05 * (rng.int(5) - 2)
      : undefined;
    if (baseline !== undefined && !max && !(baseline - minDelta > 0)) baseline = undefined;
    const restore = rng.next() < 0.5;
    const options: EarlyStoppingOptions = {
      patience,
      minDelta,
      baseline,
      startFromEpoch: start,
      restoreBestWeights: restore,
      mode: max ? "max" : "min",
    };
    const cb = earlyStopping(options);
    const run = feed(cb, values);
    const keras = runTfKeras(
      values,
      new TfKerasEarlyStopping(patience, minDelta, max ? "max" : "min", baseline, restore, start),
    );
    const where = `trial ${trial}: ${JSON.stringify({ values, ...options })}`;
    assert.equal(run.epochs, keras.epochs, where);
    assert.equal(cb.lastEpoch, keras.epochs, where);
    assert.equal(cb.stoppedEpoch, keras.stoppedEpoch, where);
    assert.deepEqual(cb.trace.map((s) => s.wait), keras.waits, where);
    assert.deepEqual(
      cb.trace.map((s) => s.stop),
      keras.waits.map((_, i) => i + 1 === keras.stoppedEpoch),
      where,
    );
    assert.equal(cb.bestEpoch, keras.bestEpoch, where);
    assert.equal(cb.bestValue, keras.bestValue, where);
    // the weights the model holds: lib's record and the stand-in model agree with tf-keras
    assert.equal(run.weightsFrom, keras.weightsFrom, where);
    assert.equal(cb.weightsFrom, keras.weightsFrom, where);
    assert.equal(cb.restored, keras.weightsFrom !== keras.epochs, where);
    // the cause follows from the counter: a stop without a reset in any watched epoch is the
    // baseline's
    const watched = values.slice(0, keras.epochs).map((v, i) => v !== undefined && i >= start);
    const reset = keras.waits.some((w, i) => watched[i] && w === 0);
    const cause = keras.stoppedEpoch === undefined
      ? "epochLimit"
      : baseline !== undefined && !reset
      ? "baseline"
      : "patience";
    assert.equal(cb.stopCause, cause, where);
    assert.deepEqual(cb.trace.map((s) => s.watched), watched, where);
    // two consequences of the rule, checked on their own: a stop never follows an improving
    // epoch, and without a baseline it comes at the max(patience, 1)-th watched epoch after
    // the best
    if (cb.stoppedEpoch !== undefined) {
      assert.equal(cb.trace[cb.stoppedEpoch - 1].improved, false, where);
      if (baseline === undefined && cb.bestEpoch !== undefined) {
        const after = watched.slice(cb.bestEpoch, cb.stoppedEpoch).filter(Boolean).length;
        assert.equal(after, Math.max(patience, 1), where);
      }
    }
    if (cause !== "epochLimit") seen.stops++;
    if (cause === "baseline") seen.baselineStops++;
    if (cause === "epochLimit") seen.limits++;
    if (cause === "epochLimit" && baseline !== undefined && !reset && watched.some(Boolean)) {
      seen.neverBeatNeverStopped++;
    }
    if (cb.restored) seen.restored++;
    if (cb.restored && cb.bestEpoch === undefined) seen.restoredFirstWatched++;
  }
  // the random sequences must exercise every ending, or the comparison proves little
  assert.ok(
    seen.stops > 2000 && seen.baselineStops > 500 && seen.limits > 300 &&
      seen.neverBeatNeverStopped > 20 && seen.restored > 1000 && seen.restoredFirstWatched > 30,
    JSON.stringify(seen),
  );
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("earlyStopping() counts `patience` epochs without an improvement larger than minDelta", () => {
  // best 0.70 at epoch 3; 0.69 at epoch 5 is not better by more than 0.02; patience 3 → epoch 6
  const cb = earlyStopping({ patience: 3, minDelta: 0.02 });
  assert.equal(feed(cb, [1.0, 0.9, 0.7, 0.71, 0.69, 0.695, 0.5]).epochs, 6);
  assert.deepEqual(cb.trace.map((s) => s.wait), [0, 0, 0, 1, 2, 3]);
  assert.deepEqual(cb.trace.map((s) => s.improved), [true, true, true, false, false, false]);
  assert.equal(cb.bestEpoch, 3);
  assert.equal(cb.stopCause, "patience");
  // without minDelta, 0.69 is an improvement and resets the counter: epoch 5 + 3 = 8
  const plain = earlyStopping({ patience: 3 });
  assert.equal(feed(plain, [1.0, 0.9, 0.7, 0.71, 0.69, 0.695, 0.7, 0.75, 0.1]).epochs, 8);
  assert.equal(plain.bestEpoch, 5);
  assert.equal(plain.stoppedEpoch, plain.bestEpoch! + 3);
  // the counter is not reset by a bounce that stays above the best: no "consecutive rises" rule
  const bounce = earlyStopping({ patience: 3 });
  assert.equal(feed(bounce, [0.5, 0.6, 0.55, 0.52, 0.3]).epochs, 4);
});

Deno.test("earlyStopping() with a baseline resets only on a new best that beats it, and stops only at an epoch that does not improve", () => {
  // tf-keras: every epoch here improves on the best but none gets below 0.5, so the counter
  // climbs to 5 — yet the stop is checked only at epochs that do not improve: no stop
  const creeping = earlyStopping({ patience: 2, baseline: 0.5 });
  assert.equal(feed(creeping, [1, 0.9, 0.8, 0.7, 0.6]).epochs, 5);
  assert.deepEqual(creeping.trace.map((s) => s.wait), [1, 2, 3, 4, 5]);
  assert.equal(creeping.stoppedEpoch, undefined);
  assert.equal(creeping.stopCause, "epochLimit");
  // the first epoch that does not improve finds the counter far past the patience: stop there
  const stalls = earlyStopping({ patience: 2, baseline: 0.5 });
  assert.equal(feed(stalls, [1, 0.9, 0.8, 0.7, 0.6, 0.65, 0.4]).epochs, 6);
  assert.equal(stalls.stopCause, "baseline");
  assert.deepEqual([stalls.bestEpoch, stalls.bestValue], [5, 0.6]);
  assert.equal(
    stalls.stopReason,
    "valLoss did not beat the baseline 0.5 by more than 0 with a new best in 6 epochs (best 0.6000 at epoch 5)",
  );
  // a plateau above the baseline: three watched epochs, none of them a reset → stop at epoch 3
  const flat = earlyStopping({ patience: 3, baseline: 0.5 });
  assert.equal(feed(flat, [0.9, 0.9, 0.9, 0.4]).epochs, 3);
  assert.equal(flat.stopCause, "baseline");
  // beaten at epoch 3 (0.75 < 0.78): from then on the usual rule; runs to the limit here
  const beaten = earlyStopping({ patience: 3, baseline: 0.78 });
  assert.equal(feed(beaten, [0.9, 0.8, 0.75, 0.72, 0.7]).epochs, 5);
  assert.equal(beaten.stopCause, "epochLimit");
  assert.deepEqual(beaten.trace.map((s) => s.wait), [1, 2, 0, 0, 0]);
  // beaten, then a plateau: the cause is patience, counted from the last improvement
  const plateau = earlyStopping({ patience: 2, baseline: 0.78 });
  assert.equal(feed(plateau, [0.9, 0.7, 0.72, 0.71, 0.6]).epochs, 4);
  assert.equal(plateau.stopCause, "patience");
  // minDelta applies to the baseline too: 0.77 is not below 0.78 by more than 0.02
  const margin = earlyStopping({ patience: 2, baseline: 0.78, minDelta: 0.02 });
  assert.equal(feed(margin, [0.77, 0.77, 0.5]).epochs, 2);
  assert.equal(margin.stopCause, "baseline");
  // beating the baseline without a new best (0.39 < 0.5 − 0.1, but not < 0.45 − 0.1) is no reset
  const noBest = earlyStopping({ patience: 2, baseline: 0.5, minDelta: 0.1 });
  assert.equal(feed(noBest, [0.45, 0.39, 0.1]).epochs, 2);
  assert.deepEqual(noBest.trace.map((s) => [s.improved, s.beatBaseline]), [
    [true, false],
    [false, true],
  ]);
  assert.equal(noBest.stopCause, "baseline");
  // accuracies: the baseline must be exceeded
  const acc = earlyStopping({ monitor: "valAcc", patience: 3, baseline: 0.8 });
  assert.equal(feed(acc, [0.7, 0.79, 0.85, 0.84, 0.83, 0.84, 0.9], "valAcc").epochs, 6);
  assert.deepEqual(acc.trace.map((s) => s.wait), [1, 2, 0, 1, 2, 3]);
  assert.equal(acc.bestEpoch, 3);
  assert.equal(acc.stopCause, "patience");
});

Deno.test("earlyStopping() never stops after the first epoch, and NaN or +inf is no first best", () => {
  // tf-keras starts from best = +inf (min mode): NaN and +inf never improve on it; the
  // counter reaches the patience at epoch 1, but the stop is checked only after epoch 1
  const nan = earlyStopping({ patience: 0 });
  assert.equal(feed(nan, [NaN, NaN, 0.5]).epochs, 2);
  assert.deepEqual(nan.trace.map((s) => [s.improved, s.wait, s.stop]), [
    [false, 1, false],
    [false, 2, true],
  ]);
  assert.equal(nan.bestEpoch, undefined);
  const inf = earlyStopping({ patience: 2 });
  assert.equal(feed(inf, [Infinity, Infinity, 0.5]).epochs, 2);
  assert.equal(inf.bestEpoch, undefined);
  // "after epoch 1" counts fit's epochs, not watched ones: a warm-up does not delay it
  const warm = earlyStopping({ patience: 1, startFromEpoch: 1 });
  assert.equal(feed(warm, [0.5, NaN, 0.4]).epochs, 2);
  assert.equal(warm.stoppedEpoch, 2);
  // in max mode the start is −inf: −inf is no first best there
  const acc = earlyStopping({ monitor: "valAcc", patience: 1 });
  assert.equal(feed(acc, [-Infinity, 0.5, 0.6], "valAcc").epochs, 3);
  assert.deepEqual([acc.bestEpoch, acc.stopCause], [3, "epochLimit"]);
});

Deno.test("restoreBestWeights keeps the first watched epoch when no epoch improved, and restores when training ends", () => {
  // tf-keras copies the weights of the first watched epoch, improvement or not: with nothing
  // better, those are put back (here epoch 2, the first after the warm-up)
  const none = earlyStopping({ patience: 2, startFromEpoch: 1, restoreBestWeights: true });
  const run = feed(none, [0.5, NaN, NaN, NaN, 0.1]);
  assert.deepEqual([run.epochs, run.weightsFrom], [3, 2]);
  assert.deepEqual([none.weightsFrom, none.restored, none.bestEpoch], [2, true, undefined]);
  // the weights go back in onTrainEnd (tf-keras 2.16 and later), not at the stopping epoch:
  // a callback after it in the same epoch still sees the stopping epoch's weights
  const stopper = earlyStopping({ patience: 1, restoreBestWeights: true });
  const weights = stampedModel();
  const ctx = fakeContext({ epochs: 5 }, weights.model);
  stopper.onTrainBegin!(ctx);
  for (const [i, valLoss] of [0.5, 0.4, 0.45].entries()) {
    weights.stamp(i + 1);
    const log: EpochLog = { epoch: i + 1, loss: 1, valLoss, seconds: 0 };
    ctx.history.epochs.push(log);
    stopper.onEpochEnd!(log, ctx);
  }
  assert.ok(ctx.stopTraining);
  assert.equal(weights.value, 3);
  stopper.onTrainEnd!(ctx);
  assert.equal(weights.value, 2);
  assert.deepEqual([stopper.weightsFrom, stopper.restored], [2, true]);
  // the best epoch is the last one: nothing to put back
  const last = earlyStopping({ patience: 5, restoreBestWeights: true });
  const lastRun = feed(last, [0.5, 0.4, 0.3]);
  assert.deepEqual([lastRun.weightsFrom, last.weightsFrom, last.restored], [3, 3, false]);
  // no epoch watched at all (the monitor missing throughout): the last epoch's weights stay
  const blind = earlyStopping({ patience: 1, restoreBestWeights: true });
  const blindRun = feed(blind, [undefined, undefined]);
  assert.deepEqual([blindRun.weightsFrom, blind.weightsFrom, blind.restored], [2, 2, false]);
});

Deno.test("earlyStopping() ignores the first startFromEpoch epochs", () => {
  // epochs 1-2 are warm-up: their low values neither count nor become the best
  const cb = earlyStopping({ patience: 2, startFromEpoch: 2 });
  assert.equal(feed(cb, [0.5, 0.4, 0.9, 0.8, 0.85, 0.95, 0.1]).epochs, 6);
  assert.equal(cb.bestEpoch, 4);
  assert.equal(cb.bestValue, 0.8);
  assert.deepEqual(cb.trace.map((s) => s.watched), [false, false, true, true, true, true]);
  // without the warm-up, 0.4 at epoch 2 is the best and epochs 3-4 exhaust the patience
  const eager = earlyStopping({ patience: 2 });
  assert.equal(feed(eager, [0.5, 0.4, 0.9, 0.8, 0.85, 0.95, 0.1]).epochs, 4);
  assert.equal(eager.bestEpoch, 2);
  // a warm-up longer than the patience: an early rise cannot stop the run
  const warm = earlyStopping({ patience: 1, startFromEpoch: 3 });
  assert.equal(feed(warm, [1, 2, 3, 2.5, 2.4, 2.6]).epochs, 6);
  assert.equal(warm.bestEpoch, 5);
  // with a baseline the counter starts after the warm-up too: epochs 4 and 5 → stop at 5
  const both = earlyStopping({ patience: 2, startFromEpoch: 3, baseline: 0.5 });
  assert.equal(feed(both, [0.9, 0.9, 0.9, 0.8, 0.85, 0.6]).epochs, 5);
  assert.deepEqual(both.trace.map((s) => s.wait), [0, 0, 0, 1, 2]);
  assert.equal(both.stopCause, "baseline");
});

Deno.test("earlyStopping() rejects bad patience, minDelta, baseline and startFromEpoch", () => {
  const cases: [EarlyStoppingOptions, RegExp][] = [
    [{ patience: -1 }, /^patience must be an integer >= 0, got -1$/],
    [{ patience: 2.5 }, /^patience must be an integer >= 0, got 2.5$/],
    [{ patience: "3" as unknown as number }, /^patience must be an integer >= 0, got "3"$/],
    [{ patience: Infinity }, /^patience must be an integer >= 0, got Infinity$/],
    [{ minDelta: -0.01 }, /^minDelta must be a finite number >= 0, got -0.01$/],
    [{ minDelta: NaN }, /^minDelta must be a finite number >= 0, got NaN$/],
    [{ baseline: NaN }, /^baseline must be a finite number, got NaN$/],
    [{ baseline: Infinity }, /^baseline must be a finite number, got Infinity$/],
    [{ baseline: "0.5" as unknown as number }, /^baseline must be a finite number/],
    [
      { baseline: 0 },
      /^baseline must be greater than minDelta \(0\) in "min" mode: valLoss is never below 0, got 0$/,
    ],
    [{ baseline: 0.05, minDelta: 0.1 }, /^baseline must be greater than minDelta \(0.1\)/],
    [
      { monitor: "valAcc", baseline: 1 },
      /^baseline must be less than 1 - minDelta \(1\) in "max" mode: valAcc is never above 1, got 1$/,
    ],
    [{ startFromEpoch: -1 }, /^startFromEpoch must be an integer >= 0, got -1$/],
    [{ startFromEpoch: 1.5 }, /^startFromEpoch must be an integer >= 0, got 1.5$/],
    [
      { restoreBestWeights: "yes" as unknown as boolean },
      /^restoreBestWeights must be true or false, got "yes"$/,
    ],
    [{ baseLine: 0.5 } as EarlyStoppingOptions, /has no setting "baseLine"/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => earlyStopping(options),
      (e: Error) => (e instanceof RangeError || e instanceof TypeError) && message.test(e.message),
      JSON.stringify(options),
    );
  }
  // a warm-up as long as the run would leave nothing to watch
  const cb = earlyStopping({ startFromEpoch: 10 });
  assert.throws(
    () => cb.onTrainBegin!(fakeContext({ epochs: 10 })),
    /^RangeError: startFromEpoch must be less than the number of epochs \(10\) or no epoch is watched, got 10$/,
  );
});

const moons = toTensors(makeMoons(24, { noise: 0.25, seed: 11 }));
const moonsVal = toTensors(makeMoons(64, { noise: 0.25, seed: 12 }));

/** A wide net on 24 points: its validation loss turns upward within a few dozen epochs. */
async function overfit(stopper: EarlyStopping, epochs: number, extra: Callback[] = []) {
  const model = mlp(2, { hidden: [32, 32], seed: 6 });
  const history = await fit(model, moons, {
    epochs,
    batchSize: 8,
    learningRate: 0.05,
    validationData: moonsVal,
    callbacks: [stopper, ...extra],
    seed: 1,
    progress: false,
  });
  return { model, history };
}

Deno.test("restoring leaves the model at the recorded best validation loss", async (t) => {
  await t.step("at the epoch limit, after a warm-up", async () => {
    const stopper = earlyStopping({ patience: 1000, startFromEpoch: 5, restoreBestWeights: true });
    const { model, history } = await overfit(stopper, 40);
    const watched = history.epochs.filter((e) => e.epoch > 5);
    const best = watched.reduce((a, b) => (b.valLoss! < a.valLoss! ? b : a));
    assert.equal(history.epochs.length, 40);
    assert.equal(stopper.stopCause, "epochLimit");
    assert.equal(stopper.bestEpoch, best.epoch);
    assert.ok(best.epoch < 40 && history.last!.valLoss! > best.valLoss!, "the run must overfit");
    assert.ok(stopper.restored);
    assert.equal(stopper.weightsFrom, best.epoch);
    assert.equal(evaluate(model, moonsVal).loss, best.valLoss);
    model.dispose();
  });
  await t.step("when it stops early", async () => {
    const stopper = earlyStopping({ patience: 3, restoreBestWeights: true });
    const { model, history } = await overfit(stopper, 200);
    assert.equal(stopper.stopCause, "patience");
    assert.equal(history.epochs.length, stopper.bestEpoch! + 3);
    assert.equal(history.stopReason, `early stopping: ${stopper.stopReason}`);
    assert.equal(evaluate(model, moonsVal).loss, history.epochs[stopper.bestEpoch! - 1].valLoss);
    model.dispose();
  });
  await t.step("when another callback stops training", async () => {
    const stopper = earlyStopping({ patience: 100, restoreBestWeights: true });
    const halt: Callback = {
      onEpochEnd: (log, ctx) => void (log.epoch === 30 && ctx.stop("halt")),
    };
    const { model, history } = await overfit(stopper, 200, [halt]);
    assert.equal(history.epochs.length, 30);
    assert.equal(stopper.stopCause, "otherCallback");
    assert.match(stopper.stopReason!, /^another callback stopped training after epoch 30/);
    assert.equal(evaluate(model, moonsVal).loss, stopper.bestValue);
    model.dispose();
  });
  await t.step("not when restoreBestWeights is off", async () => {
    const stopper = earlyStopping({ patience: 3 });
    const { model, history } = await overfit(stopper, 200);
    assert.equal(stopper.restored, false);
    assert.equal(stopper.weightsFrom, history.epochs.length);
    assert.equal(evaluate(model, moonsVal).loss, history.last!.valLoss);
    model.dispose();
  });
});

Deno.test("early stopping leaves no tensors behind, also when reused", async () => {
  const before = tf.memory().numTensors;
  const stopper = earlyStopping({ patience: 2, restoreBestWeights: true, baseline: 0.6 });
  for (const epochs of [60, 5]) {
    const { model } = await overfit(stopper, epochs);
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
  }
  // the second run's record replaced the first's
  assert.equal(stopper.lastEpoch, stopper.trace.length);
  assert.ok(stopper.lastEpoch! <= 5);
});

Deno.test("summary() is the run's record as plain data", () => {
  const cb = earlyStopping({ patience: 2, minDelta: 0.01, baseline: 0.9, startFromEpoch: 1 });
  feed(cb, [0.5, 0.8, 0.7, 0.75, 0.72, 0.1]);
  const s = cb.summary();
  assert.deepEqual(structuredClone(s), s);
  assert.deepEqual(s, {
    monitor: "valLoss",
    mode: "min",
    patience: 2,
    minDelta: 0.01,
    baseline: 0.9,
    startFromEpoch: 1,
    restoreBestWeights: false,
    bestEpoch: 3,
    bestValue: 0.7,
    stoppedEpoch: 5,
    lastEpoch: 5,
    stopCause: "patience",
    stopReason: cb.stopReason,
    restored: false,
    weightsFrom: 5,
  });
  assert.match(
    s.stopReason!,
    /^valLoss did not improve by more than 0.01 for 2 epochs \(best 0.7000 at epoch 3\)$/,
  );
});

Deno.test("stoppingMarks() marks the warm-up, the best epoch and where training ended", () => {
  const stopped = earlyStopping({ patience: 2, startFromEpoch: 1 });
  feed(stopped, [0.1, 0.8, 0.7, 0.75, 0.72, 0.1]);
  assert.deepEqual(stoppingMarks(stopped), [
    { epoch: 1, label: "warm-up ends" },
    { epoch: 3, label: "best (3)" },
    { epoch: 5, label: "stopped (5)" },
  ]);
  const limit = earlyStopping({ patience: 5 });
  feed(limit, [0.8, 0.7, 0.75]);
  assert.deepEqual(stoppingMarks(limit), [
    { epoch: 2, label: "best (2)" },
    { epoch: 3, label: "epoch limit (3)" },
  ]);
  const lastBest = earlyStopping({ patience: 5 });
  feed(lastBest, [0.8, 0.7, 0.6]);
  assert.deepEqual(stoppingMarks(lastBest), [{ epoch: 3, label: "best = epoch limit (3)" }]);
  // the marks are what learningCurves draws as rules
  const epochs = [0.8, 0.7, 0.75].map((valLoss, i) => ({ epoch: i + 1, loss: 1, valLoss }));
  const spec = learningCurves(epochs, { marks: stoppingMarks(limit) });
  const panel = (spec.hconcat as { layer: { name: string; data?: { values: unknown[] } }[] }[])[0];
  const rules = panel.layer.find((l) => l.name === "rule_loss")!;
  assert.deepEqual(
    rules.data!.values.map((v) => (v as { epoch: number }).epoch),
    [2, 3],
  );
  // at the right edge of the panel the label goes left of its rule, inside the panel
  const long = Array.from({ length: 30 }, (_, i) => ({ epoch: i + 1, loss: 1, valLoss: 1 }));
  const edge = learningCurves(long, {
    marks: [{ epoch: 22, label: "best (22)" }, { epoch: 30, label: "epoch limit (30)" }],
  });
  const layers = (edge.hconcat as { layer: { name: string; data?: { values: unknown[] } }[] }[])[0]
    .layer;
  const sides = layers.find((l) => l.name === "rule_loss")!.data!.values.map((v) =>
    (v as { side: string }).side
  );
  assert.deepEqual(sides, ["right", "left"]);
  assert.ok(layers.some((l) => l.name === "label_left_loss"));
  assert.throws(
    () => stoppingMarks(earlyStopping()),
    /^RangeError: stopper must have finished a run/,
  );
  assert.throws(
    () => stoppingMarks({} as EarlyStopping),
    /^TypeError: stopper must be an earlyStopping\(\) callback, got \{\}$/,
  );
});

Deno.test("replayEarlyStopping() of a long run's losses matches live early stopping", async () => {
  // one run without stopping, then the same run (same seeds) with a live callback
  const long = earlyStopping({ patience: 1000 });
  const { model: m1, history: full } = await overfit(long, 80);
  m1.dispose();
  const valLosses = full.epochs.map((e) => e.valLoss!);
  for (
    const options of [{ patience: 2 }, { patience: 5, minDelta: 0.01 }, {
      patience: 3,
      startFromEpoch: 10,
    }]
  ) {
    const live = earlyStopping(options);
    const { model, history } = await overfit(live, 80);
    model.dispose();
    assert.ok(live.stoppedEpoch! < 80, "each setting must stop before the limit");
    const replay = replayEarlyStopping(valLosses, options);
    assert.deepEqual(replay.summary(), live.summary(), JSON.stringify(options));
    assert.deepEqual(replay.trace, live.trace);
    // the stopped run is the long run cut short
    assert.deepEqual(
      history.epochs.map((e) => e.valLoss),
      valLosses.slice(0, history.epochs.length),
    );
  }
});

Deno.test("replayEarlyStopping() rejects what it cannot replay", () => {
  assert.throws(
    () => replayEarlyStopping([], { patience: 1 }),
    /^TypeError: values must be a non-empty array of numbers \(one per epoch\), got \[\]$/,
  );
  assert.throws(
    () => replayEarlyStopping([0.5, "0.4" as unknown as number]),
    /^TypeError: values must be a non-empty array of numbers \(one per epoch\), got \[0.5, "0.4"\]$/,
  );
  assert.throws(
    () => replayEarlyStopping([0.5, 0.4], { restoreBestWeights: true }),
    /^RangeError: restoreBestWeights must be false in replayEarlyStopping: a replay has no model, got true$/,
  );
  assert.throws(
    () => replayEarlyStopping([0.5, 0.4], { startFromEpoch: 2 }),
    /^RangeError: startFromEpoch must be less than the number of epochs \(2\)/,
  );
  assert.throws(
    () => replayEarlyStopping([0.5], { patience: -2 }),
    /^RangeError: patience must be/,
  );
});

Deno.test("result() gives the run's ending with every field set, as computed by hand", () => {
  // patience 2: best 0.7 at epoch 2, epochs 3 and 4 do not improve → stops after epoch 4
  const stopped = replayEarlyStopping([0.9, 0.7, 0.72, 0.71, 0.6], { patience: 2 }).result();
  assert.deepEqual(stopped, {
    monitor: "valLoss",
    mode: "min",
    lastEpoch: 4,
    stoppedEarly: true,
    cause: "patience",
    reason: "valLoss did not improve by more than 0 for 2 epochs (best 0.7000 at epoch 2)",
    bestEpoch: 2,
    bestValue: 0.7,
    restored: false,
    weightsFrom: 4,
  });
  // accuracies are maximized; this run reaches the limit of 4 epochs with its best at epoch 3
  const limit = replayEarlyStopping([0.6, 0.7, 0.8, 0.75], { monitor: "valAcc", patience: 3 });
  const r = limit.result();
  assert.equal(r.mode, "max");
  assert.equal(r.cause, "epochLimit");
  assert.equal(r.stoppedEarly, false);
  assert.equal(r.lastEpoch, 4);
  assert.equal(limit.stoppedEpoch, undefined); // the callback itself did not stop training
  assert.deepEqual([r.bestEpoch, r.bestValue], [3, 0.8]);
  // never below the baseline 0.5: the counter reaches 4 at epoch 4, the first that does not
  // improve, so training stops there (epochs 1-3 improved, so they could not stop it)
  const baseline = replayEarlyStopping([0.9, 0.8, 0.7, 0.75, 0.4], { patience: 3, baseline: 0.5 });
  assert.deepEqual(
    [baseline.result().cause, baseline.result().lastEpoch, baseline.result().bestEpoch],
    ["baseline", 4, 3],
  );
});

Deno.test("result() agrees with summary() wherever summary() has a value", () => {
  const rng = makeRng(31);
  for (let trial = 0; trial < 300; trial++) {
    const values = Array.from({ length: 3 + rng.int(20) }, () => rng.next());
    const stopper = replayEarlyStopping(values, { patience: rng.int(4), minDelta: 0.01 });
    const s = stopper.summary(), r = stopper.result();
    assert.deepEqual(
      [r.bestEpoch, r.bestValue, r.cause, r.reason, r.restored, r.weightsFrom, r.lastEpoch],
      [s.bestEpoch, s.bestValue, s.stopCause, s.stopReason, s.restored, s.weightsFrom, s.lastEpoch],
    );
    assert.equal(r.stoppedEarly, s.stoppedEpoch !== undefined);
  }
});

Deno.test("result() throws before a run has ended and when no epoch had a value", () => {
  const fresh = earlyStopping({ patience: 2 });
  assert.throws(
    () => fresh.result(),
    /^Error: early stopping has not finished a run: call result\(\) after fit \(or replayEarlyStopping\) has trained with it$/,
  );
  // mid-run: after onTrainBegin and one epoch, before onTrainEnd
  const ctx = fakeContext({ epochs: 5 });
  fresh.onTrainBegin!(ctx);
  const log: EpochLog = { epoch: 1, loss: 1, valLoss: 0.5, seconds: 0 };
  ctx.history.epochs.push(log);
  fresh.onEpochEnd!(log, ctx);
  assert.throws(() => fresh.result(), /has not finished a run/);
  assert.throws(
    () => replayEarlyStopping([NaN, NaN, NaN], { patience: 5 }).result(),
    /^Error: early stopping watched no epoch with a valLoss value \(all were NaN, infinite or in the warm-up\), so the run has no best epoch$/,
  );
});

Deno.test("result() after fit says which epoch's weights the model holds", async () => {
  const stopper = earlyStopping({ patience: 3, restoreBestWeights: true });
  const { model, history } = await overfit(stopper, 200);
  const r = stopper.result();
  assert.ok(r.stoppedEarly);
  assert.equal(r.lastEpoch, history.epochs.length);
  assert.equal(r.lastEpoch, r.bestEpoch + 3);
  assert.ok(r.restored);
  assert.equal(r.weightsFrom, r.bestEpoch);
  assert.equal(evaluate(model, moonsVal).loss, r.bestValue);
  assert.equal(history.epochs[r.bestEpoch - 1].valLoss, r.bestValue);
  model.dispose();
});

Deno.test("a training context keeps the first stop reason, as fit's does", async () => {
  const ctx = fakeContext();
  assert.equal(ctx.stopTraining, false);
  ctx.stop("first");
  ctx.stop("second");
  assert.equal(ctx.stopTraining, true);
  assert.equal(ctx.stopReason, "first");
  assert.throws(() => ctx.model, /^Error: this training context has no model/);
  // the same inside fit: two callbacks stop at epoch 2, the first one's reason is kept
  const stopAt2 = (why: string): Callback => ({
    onEpochEnd: (log, c) => void (log.epoch === 2 && c.stop(why)),
  });
  const model = mlp(2, { hidden: [4], seed: 1 });
  const history = await fit(model, moons, {
    epochs: 5,
    callbacks: [stopAt2("one"), stopAt2("two")],
    seed: 1,
    progress: false,
  });
  assert.equal(history.stopReason, "one");
  assert.equal(history.epochs.length, 2);
  assert.ok(history.stoppedEarly);
  model.dispose();
});
