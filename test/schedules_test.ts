import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { mlp } from "../lib/model.ts";
import { makeMoons } from "../lib/synthetic.ts";
import { fit, type FitOptions } from "../lib/train.ts";
import type { Callback } from "../lib/callbacks.ts";
import {
  cosineDecay,
  exponentialDecay,
  inverseTimeDecay,
  type LearningRateSchedule,
  stepDecay,
} from "../lib/schedules.ts";
import { tfjsOptimizer } from "../lib/optimizers.ts";
import { scheduleChart } from "../lib/charts.ts";
import { assertFreshAndPure, markGroups, renderClean, SCHEMA_V5 } from "./_chart_helpers.ts";

await initBackend("wasm");

const moons = toTensors(makeMoons(90, { noise: 0.25, seed: 41 }));

function close(a: number, b: number, tol = 1e-12): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
}

Deno.test("stepDecay() multiplies the rate by the factor once every `every` updates", () => {
  const schedule = stepDecay({ initial: 0.1, factor: 0.5, every: 3 });
  // a second implementation: halve the rate on reaching each multiple of 3
  let rate = 0.1;
  for (let t = 0; t < 20; t++) {
    if (t > 0 && t % 3 === 0) rate *= 0.5;
    assert.ok(close(schedule(t), rate), `step ${t}: ${schedule(t)} vs ${rate}`);
  }
  assert.deepEqual([0, 1, 2, 3].map(schedule), [0.1, 0.1, 0.1, 0.05]);
});

Deno.test("exponentialDecay() is α₀·rate^(t/every), smooth between the multiples of every", () => {
  const schedule = exponentialDecay({ initial: 0.2, rate: 0.9, every: 10 });
  for (const t of [0, 1, 5, 10, 25, 100]) {
    assert.ok(close(schedule(t), 0.2 * Math.exp((t / 10) * Math.log(0.9))), `step ${t}`);
  }
  assert.ok(close(schedule(10), 0.2 * 0.9) && close(schedule(20), 0.2 * 0.81));
  const perUpdate = exponentialDecay({ initial: 1, rate: 0.5 });
  assert.deepEqual([0, 1, 2, 3].map(perUpdate), [1, 0.5, 0.25, 0.125]);
});

Deno.test("inverseTimeDecay() is α₀/(1 + k·t/every): 1/α grows by k/(every·α₀) per update", () => {
  const schedule = inverseTimeDecay({ initial: 0.5, rate: 2, every: 4 });
  assert.equal(schedule(0), 0.5);
  assert.ok(close(schedule(4), 0.5 / 3) && close(schedule(2), 0.5 / 2));
  for (let t = 1; t < 50; t++) {
    assert.ok(close(1 / schedule(t) - 1 / schedule(t - 1), 2 / (4 * 0.5), 1e-9));
  }
  assert.equal(inverseTimeDecay({ initial: 0.5, rate: 0 })(1000), 0.5);
});

Deno.test("cosineDecay() runs half a cosine from initial to final, then stays at final", () => {
  const schedule = cosineDecay({ initial: 0.1, steps: 100, final: 0.01 });
  assert.equal(schedule(0), 0.1);
  assert.ok(close(schedule(100), 0.01) && close(schedule(50), 0.055));
  for (let t = 0; t <= 100; t++) {
    // symmetric about the midpoint, and Keras's form initial·((1 − a)·½(1 + cos(πt/T)) + a)
    assert.ok(close(schedule(t) + schedule(100 - t), 0.11), `step ${t}`);
    const a = 0.01 / 0.1;
    assert.ok(close(schedule(t), 0.1 * ((1 - a) * 0.5 * (1 + Math.cos((Math.PI * t) / 100)) + a)));
    if (t > 0) assert.ok(schedule(t) < schedule(t - 1));
  }
  assert.equal(schedule(250), schedule(100));
  assert.ok(close(cosineDecay({ initial: 1, steps: 4 })(4), 0, 1e-15));
});

Deno.test("schedules reject bad settings and steps, naming the setting and what is allowed", () => {
  const cases: [() => unknown, RegExp, typeof TypeError | typeof RangeError][] = [
    [
      () => stepDecay({ initial: -0.1, factor: 0.5, every: 2 }),
      /^initial must be a positive number, got -0.1$/,
      RangeError,
    ],
    [
      () => stepDecay({ initial: 0.1, factor: 0, every: 2 }),
      /^factor must be a number in \(0, 1\], got 0$/,
      RangeError,
    ],
    [
      () => stepDecay({ initial: 0.1, factor: 1.5, every: 2 }),
      /^factor must be a number in \(0, 1\], got 1.5$/,
      RangeError,
    ],
    [
      () => stepDecay({ initial: 0.1, factor: 0.5, every: 2.5 }),
      /^every must be a positive integer, got 2.5$/,
      RangeError,
    ],
    [
      () => stepDecay({ initial: 0.1, factor: 0.5 } as never),
      /^every must be a positive integer, got undefined$/,
      TypeError,
    ],
    [
      () => stepDecay({ initial: 0.1, factor: 0.5, every: 2, evry: 3 } as never),
      /has no setting "evry"; the settings are initial, factor, every$/,
      TypeError,
    ],
    [
      () => exponentialDecay({ initial: Infinity, rate: 0.9 }),
      /^initial must be a positive number, got Infinity$/,
      RangeError,
    ],
    [
      () => exponentialDecay({ initial: 0.1, rate: 1.1 }),
      /^rate must be a number in \(0, 1\], got 1.1$/,
      RangeError,
    ],
    [
      () => exponentialDecay({ initial: 0.1, rate: 0.9, every: 0 }),
      /^every must be a positive integer, got 0$/,
      RangeError,
    ],
    [
      () => inverseTimeDecay({ initial: 0.1, rate: -1 }),
      /^rate must be a finite number >= 0, got -1$/,
      RangeError,
    ],
    [
      () => cosineDecay({ initial: 0.1, steps: 0 }),
      /^steps must be a positive integer, got 0$/,
      RangeError,
    ],
    [
      () => cosineDecay({ initial: 0.1, steps: 10, final: 0.2 }),
      /^final \(at most initial\) must be a number in \[0, 0.1\], got 0.2$/,
      RangeError,
    ],
    [
      () => stepDecay({ initial: 0.1, factor: 0.5, every: 2 })(-1),
      /^step must be a finite number >= 0, got -1$/,
      RangeError,
    ],
    [
      () => cosineDecay({ initial: 0.1, steps: 10 })(NaN),
      /^step must be a finite number >= 0, got NaN$/,
      RangeError,
    ],
    [
      () => exponentialDecay(undefined as never),
      /^options must be an object, got undefined$/,
      TypeError,
    ],
  ];
  for (const [call, message, kind] of cases) {
    assert.throws(
      call,
      (e: Error) => e instanceof kind && message.test(e.message),
      String(message),
    );
  }
});

/** Trains twice from the same weights and returns both models' weights. */
async function twoRuns(
  options: FitOptions,
  other: (model: tf.LayersModel) => Promise<unknown>,
): Promise<[number[][], number[][]]> {
  const a = mlp(2, { hidden: [6], seed: 7 }), b = mlp(2, { hidden: [6], seed: 7 });
  await fit(a, moons, options);
  await other(b);
  const read = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
  const out: [number[][], number[][]] = [read(a), read(b)];
  a.dispose();
  b.dispose();
  return out;
}

function assertSameWeights([a, b]: [number[][], number[][]], tol = 1e-5): void {
  a.forEach((row, i) =>
    row.forEach((v, j) => {
      const diff = Math.abs(v - b[i][j]) / Math.max(0.1, Math.abs(b[i][j]));
      assert.ok(diff < tol, `weight ${i}[${j}]: ${v} vs ${b[i][j]}`);
    })
  );
}

Deno.test("fit() with a schedule trains like a tfjs optimizer whose rate is set before each update", async (t) => {
  const base = { epochs: 3, batchSize: 20, seed: 5, progress: false } as const;
  const cases: [string, LearningRateSchedule, "sgd" | "adam"][] = [
    ["sgd, step decay", stepDecay({ initial: 0.5, factor: 0.5, every: 4 }), "sgd"],
    ["adam, cosine decay", cosineDecay({ initial: 0.05, steps: 12, final: 0.005 }), "adam"],
    ["adam, a hand-written schedule", (step) => 0.02 / (1 + (step % 5)), "adam"],
  ];
  for (const [name, schedule, optimizer] of cases) {
    await t.step(name, async () => {
      const before = tf.memory().numTensors;
      const opt = tfjsOptimizer(optimizer, 1);
      // tfjs reads its rate at each update: SGD's through setLearningRate, Adam's field
      const setRate: Callback = {
        onBatchBegin: ({ step }) => {
          const rate = schedule(step - 1);
          if (opt.getClassName() === "SGD") (opt as tf.SGDOptimizer).setLearningRate(rate);
          else (opt as unknown as { learningRate: number }).learningRate = rate;
        },
      };
      // (tfjs's Adam computes its bias corrections in float32: weights agree to 1e-4 of a step)
      assertSameWeights(
        await twoRuns(
          { ...base, optimizer, learningRate: schedule },
          (m) => fit(m, moons, { ...base, optimizer: opt, callbacks: [setRate] }),
        ),
        optimizer === "adam" ? 1e-4 : 1e-5,
      );
      opt.dispose();
      assert.equal(tf.memory().numTensors, before);
    });
  }
});

Deno.test("fit() with a step schedule equals separate runs at the constant rates it steps through", async () => {
  // full batch, 2 epochs per rate: the schedule's run is two plain-SGD runs in a row
  const schedule = stepDecay({ initial: 0.4, factor: 0.25, every: 2 });
  const base = { optimizer: "sgd", seed: 1, progress: false } as const;
  assertSameWeights(
    await twoRuns({ ...base, epochs: 4, learningRate: schedule }, async (m) => {
      await fit(m, moons, { ...base, epochs: 2, learningRate: 0.4 });
      await fit(m, moons, { ...base, epochs: 2, learningRate: 0.1 });
    }),
    1e-6,
  );
});

Deno.test("the history records the learning rate of every update and of each epoch's last", async () => {
  const schedule = exponentialDecay({ initial: 0.1, rate: 0.8 });
  const model = mlp(2, { hidden: [4], seed: 2 });
  const history = await fit(model, moons, {
    epochs: 3,
    batchSize: 40,
    optimizer: "momentum",
    learningRate: schedule,
    recordBatches: true,
    seed: 1,
    progress: false,
  });
  // 90 examples in batches of 40: 3 updates per epoch, steps 1..9 use schedule(0..8)
  assert.deepEqual(history.batches.map((b) => b.lr), [...Array(9).keys()].map(schedule));
  assert.deepEqual(history.epochs.map((e) => e.lr), [2, 5, 8].map(schedule));
  const constant = await fit(model, moons, { epochs: 2, learningRate: 0.003, progress: false });
  assert.deepEqual(constant.epochs.map((e) => e.lr), [0.003, 0.003]);
  const opt = tf.train.adam(0.004);
  const tfjs = await fit(model, moons, { epochs: 1, optimizer: opt, progress: false });
  assert.equal(tfjs.last!.lr, 0.004);
  opt.dispose();
  model.dispose();
});

Deno.test("fit() rejects a schedule with a tfjs optimizer and a schedule that returns a bad rate", async () => {
  const model = mlp(2, { hidden: [3], seed: 1 });
  const before = tf.memory().numTensors;
  const opt = tf.train.sgd(0.1);
  const cases: [FitOptions, RegExp][] = [
    [
      { optimizer: opt, learningRate: stepDecay({ initial: 0.1, factor: 0.5, every: 1 }) },
      /^TypeError: learningRate applies to a named optimizer; set the learning rate on the tf.Optimizer instead$/,
    ],
    [
      { epochs: 3, batchSize: 30, learningRate: (step) => (step < 4 ? 0.01 : NaN) },
      /^RangeError: learningRate schedule must return a finite number >= 0, got NaN at step 4$/,
    ],
    [
      { learningRate: () => -1 },
      /^RangeError: learningRate schedule must return a finite number >= 0, got -1 at step 0$/,
    ],
    [
      { learningRate: "0.1" as unknown as number },
      /^TypeError: learningRate must be a positive number or a schedule \(a function of the step\), got "0.1"$/,
    ],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(() => fit(model, moons, { ...options, progress: false }), message);
  }
  opt.dispose();
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("scheduleChart() draws α against the update number, one line per schedule", async () => {
  const schedules = [
    { name: "step", schedule: stepDecay({ initial: 0.1, factor: 0.5, every: 25 }) },
    { name: "cosine", schedule: cosineDecay({ initial: 0.1, steps: 100, final: 0.01 }) },
  ];
  const spec = scheduleChart(schedules, { steps: 100, title: "Schedules" });
  assert.equal(spec.$schema, SCHEMA_V5);
  const rows = (spec.data as { values: { name: string; step: number; lr: number }[] }).values;
  assert.equal(rows.length, 2 * 101);
  for (const r of rows) {
    const s = schedules.find((x) => x.name === r.name)!.schedule;
    // the chart keeps 6 significant digits
    assert.ok(Math.abs(r.lr - s(r.step)) <= 5e-6 * s(r.step), `${r.name} at ${r.step}`);
  }
  assert.deepEqual(rows.filter((r) => r.name === "step").map((r) => r.step), [
    ...Array(101).keys(),
  ]);
  const svg = await renderClean(spec);
  assert.equal(markGroups(svg, "line", "schedules").length, 2);
  assert.ok(svg.includes(">Schedules</text>") && svg.includes(">cosine</text>"));
  assertFreshAndPure(() => scheduleChart(schedules, { steps: 100 }), schedules.map((s) => s.name));
});

Deno.test("scheduleChart() samples long schedules at about 1000 updates, ends included", async () => {
  const schedule = exponentialDecay({ initial: 1, rate: 0.5, every: 10000 });
  const spec = scheduleChart([{ name: "exp", schedule }], { steps: 50000, logY: true });
  const steps = (spec.data as { values: { step: number }[] }).values.map((r) => r.step);
  assert.ok(steps.length <= 1001 && steps.length >= 900, `${steps.length} points`);
  assert.equal(steps[0], 0);
  assert.equal(steps.at(-1), 50000);
  assert.ok(steps.every((s, i) => Number.isInteger(s) && (i === 0 || s > steps[i - 1])));
  const y = (spec.encoding as Record<string, { scale?: { type: string } }>).y;
  assert.equal(y.scale?.type, "log");
  await renderClean(spec);
});

Deno.test("scheduleChart() rejects bad schedules and options with the name and the value", () => {
  const ok = { name: "s", schedule: (_step: number) => 0.1 };
  const cases: [() => unknown, RegExp, typeof TypeError | typeof RangeError][] = [
    [
      () => scheduleChart([ok], { steps: 0 }),
      /^options.steps must be a positive integer, got 0$/,
      RangeError,
    ],
    [
      () => scheduleChart([ok], {} as never),
      /^options.steps must be a positive integer, got undefined$/,
      TypeError,
    ],
    [
      () => scheduleChart([], { steps: 5 }),
      /^schedules must be a non-empty array of \{ name, schedule \}, got an empty array$/,
      RangeError,
    ],
    [
      () => scheduleChart([{ name: "s", schedule: 0.1 }] as never, { steps: 5 }),
      /^schedules\[0\].schedule must be a function, got 0.1$/,
      TypeError,
    ],
    [
      () => scheduleChart([{ name: "s", schedule: (t) => (t < 3 ? 0.1 : NaN) }], { steps: 5 }),
      /^schedules\[0\].schedule must return a finite number >= 0, got NaN at step 3$/,
      RangeError,
    ],
    [
      () =>
        scheduleChart([{ name: "c", schedule: cosineDecay({ initial: 1, steps: 4 }) }], {
          steps: 5,
          logY: true,
        }),
      /^options.logY needs rates > 0, but schedules\[0\] \("c"\) gives 0 at step 4$/,
      RangeError,
    ],
    [
      () => scheduleChart([ok, ok], { steps: 5 }),
      /^schedules must have distinct names, got "s" twice$/,
      RangeError,
    ],
    [
      () => scheduleChart([ok], { steps: 5, step: 1 } as never),
      /^options has no setting "step"; the settings are steps,/,
      TypeError,
    ],
  ];
  for (const [call, message, kind] of cases) {
    assert.throws(
      call,
      (e: Error) => e instanceof kind && message.test(e.message),
      String(message),
    );
  }
});
