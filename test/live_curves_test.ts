import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { learningCurves, type VegaLiteSpec } from "../lib/charts.ts";
import type { Callback, CallbackContext, EpochLog } from "../lib/callbacks.ts";
import type { DisplayCallOptions, MediaBundle } from "../lib/display.ts";
import { liveCurves, liveRuns } from "../lib/live.ts";
import { mlp } from "../lib/model.ts";
import { setClock, setDisplayHook } from "../lib/testing.ts";
import { fit } from "../lib/train.ts";
import { fakeContext } from "./_fake_context.ts";

const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";
const WAITING = "Waiting for the first update...";

type Call = { bundle: MediaBundle; options: DisplayCallOptions };

/** Records what lib would send to the kernel while `fn` runs, with the clock standing still. */
async function withFakeKernel(fn: (calls: Call[]) => Promise<void>): Promise<void> {
  const calls: Call[] = [];
  setClock(() => 0);
  setDisplayHook((bundle, options) => {
    calls.push({ bundle, options });
  });
  try {
    await fn(calls);
  } finally {
    setDisplayHook(undefined);
    setClock(undefined);
  }
}

/** Waits until `done()` holds, then one more macrotask so pending promise callbacks have run. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 1));
  await new Promise((resolve) => setTimeout(resolve, 1));
}

/** The chart a display call sent. */
function specOf(call: Call): VegaLiteSpec {
  const spec = call.bundle[VEGA_LITE_MIME] as VegaLiteSpec | undefined;
  assert.ok(spec, `not a chart: ${JSON.stringify(call.bundle["text/plain"])}`);
  return spec;
}

/** A sent chart's title and subtitle (`-` for none); the text of a call that is no chart. */
function heading(call: Call): string {
  const spec = call.bundle[VEGA_LITE_MIME] as VegaLiteSpec | undefined;
  if (spec === undefined) return String(call.bundle["text/plain"]);
  const title = spec.title as { text: string; subtitle?: string };
  return `${title.text} | ${title.subtitle ?? "-"}`;
}

/** An epoch record with a falling loss, its accuracy and, unless `noVal`, validation values. */
function record(epoch: number, loss = 1 / epoch): EpochLog {
  return { epoch, loss, acc: 1 - loss / 2, valLoss: 1.2 * loss, valAcc: 0.9, seconds: epoch };
}

/**
 * Drives `cb` the way `fit` does for a run with an epoch limit of `limit`: begin, then one
 * record per epoch (from `makeRecord`), `stopAt` ends the run early with `reason`.
 */
async function drive(
  cb: Callback,
  limit: number,
  options: { stopAt?: number; reason?: string; makeRecord?: (epoch: number) => EpochLog } = {},
): Promise<CallbackContext & { history: { epochs: EpochLog[] } }> {
  const { stopAt, reason = "early stopping: dev loss stopped improving", makeRecord = record } =
    options;
  const ctx = fakeContext({ epochs: limit });
  await cb.onTrainBegin?.(ctx);
  for (let epoch = 1; epoch <= limit; epoch++) {
    ctx.history.epochs.push(makeRecord(epoch));
    if (epoch === stopAt) ctx.stop(reason);
    await cb.onEpochEnd?.(ctx.history.epochs.at(-1)!, ctx);
    if (ctx.stopTraining) break;
  }
  await cb.onTrainEnd?.(ctx);
  return ctx;
}

/** Drives a callback whose output is created at `onTrainBegin`: waits for that first send. */
async function driveAfterPlaceholder(
  calls: Call[],
  cb: Callback,
  limit: number,
  options: Parameters<typeof drive>[2] = {},
) {
  const begin = cb.onTrainBegin;
  return await drive(
    {
      ...cb,
      onTrainBegin: async (ctx) => {
        await begin?.(ctx);
        await until(() => calls.length >= 1);
      },
    },
    limit,
    options,
  );
}

Deno.test("liveCurves() draws one run under its title, the epoch as subtitle", async (t) => {
  await t.step("every epoch while training, then every epoch and the stop reason", async () => {
    await withFakeKernel(async (calls) => {
      const cb = liveCurves("Wine, split seed 3: learning curves", { minInterval: 0 });
      const ctx = await driveAfterPlaceholder(calls, cb, 10, { stopAt: 4 });
      assert.deepEqual(calls.map(heading), [
        WAITING,
        "Wine, split seed 3: learning curves | training: epoch 1 of 10",
        "Wine, split seed 3: learning curves | training: epoch 2 of 10",
        "Wine, split seed 3: learning curves | training: epoch 3 of 10",
        "Wine, split seed 3: learning curves | training: epoch 4 of 10",
        "Wine, split seed 3: learning curves | early stopping: dev loss stopped improving",
      ]);
      assert.equal(new Set(calls.map((c) => c.options.display_id)).size, 1);
      assert.deepEqual(calls.map((c) => c.options.update), [false, true, true, true, true, true]);
      // The curves are the run's records so far: two epochs at epoch 2, all four at the end.
      assert.deepEqual(
        specOf(calls[2]),
        learningCurves(ctx.history.epochs.slice(0, 2), {
          title: "Wine, split seed 3: learning curves",
          subtitle: "training: epoch 2 of 10",
        }),
      );
      assert.deepEqual(
        specOf(calls[5]),
        learningCurves(ctx.history.epochs, {
          title: "Wine, split seed 3: learning curves",
          subtitle: "early stopping: dev loss stopped improving",
        }),
      );
    });
  });

  await t.step("a run that reaches its epoch limit ends without a subtitle", async () => {
    await withFakeKernel(async (calls) => {
      await driveAfterPlaceholder(calls, liveCurves("Run A", { minInterval: 0 }), 2);
      assert.deepEqual(calls.map(heading), [
        WAITING,
        "Run A | training: epoch 1 of 2",
        "Run A | training: epoch 2 of 2",
        "Run A | -",
      ]);
    });
  });

  await t.step("every: k draws every k-th epoch and always the last", async () => {
    await withFakeKernel(async (calls) => {
      await driveAfterPlaceholder(calls, liveCurves("Run B", { every: 3, minInterval: 0 }), 10);
      assert.deepEqual(calls.slice(1).map(heading), [
        "Run B | training: epoch 3 of 10",
        "Run B | training: epoch 6 of 10",
        "Run B | training: epoch 9 of 10",
        "Run B | training: epoch 10 of 10",
        "Run B | -",
      ]);
    });
  });

  await t.step("a subtitle option goes before the run's state; metrics and log loss", async () => {
    await withFakeKernel(async (calls) => {
      const cb = liveCurves("Run C", {
        subtitle: "masks on",
        metrics: ["loss"],
        logLoss: true,
        minInterval: 0,
      });
      const ctx = await driveAfterPlaceholder(calls, cb, 2, { stopAt: 2, reason: "stopped" });
      assert.deepEqual(calls.slice(1).map(heading), [
        "Run C | masks on · training: epoch 1 of 2",
        "Run C | masks on · training: epoch 2 of 2",
        "Run C | masks on · stopped",
      ]);
      assert.deepEqual(
        specOf(calls.at(-1)!),
        learningCurves(ctx.history.epochs, {
          title: "Run C",
          subtitle: "masks on · stopped",
          metrics: ["loss"],
          logLoss: true,
        }),
      );
    });
  });

  await t.step("the throttle: epochs faster than minInterval show only the end", async () => {
    await withFakeKernel(async (calls) => {
      await driveAfterPlaceholder(calls, liveCurves("Run D", { minInterval: 1e9 }), 5);
      assert.deepEqual(calls.map(heading), [WAITING, "Run D | -"]);
    });
  });

  await t.step("each run of fit gets an output of its own", async () => {
    await withFakeKernel(async (calls) => {
      await driveAfterPlaceholder(calls, liveCurves("One", { minInterval: 0 }), 1);
      const first = calls.length;
      await driveAfterPlaceholder(calls, liveCurves("Two", { minInterval: 0 }), 1);
      assert.equal(new Set(calls.map((c) => c.options.display_id)).size, 2);
      assert.equal(calls[first].options.update, false);
      assert.equal(heading(calls.at(-1)!), "Two | -");
    });
  });
});

Deno.test("liveCurves() shows the diverged stand-in for a run with no finite value", async () => {
  await withFakeKernel(async (calls) => {
    const nan = (epoch: number): EpochLog => ({ epoch, loss: NaN, valLoss: Infinity, seconds: 1 });
    await driveAfterPlaceholder(calls, liveCurves("Too fast", { minInterval: 0 }), 3, {
      makeRecord: nan,
    });
    assert.equal(calls.length, 5);
    for (const [i, call] of calls.slice(1).entries()) {
      const spec = specOf(call);
      assert.equal(spec.title, "Too fast");
      const epochs = Math.min(i + 1, 3);
      assert.match(
        JSON.stringify(spec.data),
        new RegExp(`no finite loss to draw after ${epochs} epochs?: the run diverged`),
      );
    }
  });
});

Deno.test("liveCurves() leaves out a named metric that has no finite value", async () => {
  await withFakeKernel(async (calls) => {
    const lossless = (epoch: number): EpochLog => ({ epoch, loss: NaN, acc: 0.5, seconds: 1 });
    const ctx = await driveAfterPlaceholder(
      calls,
      liveCurves("Accuracy only", { metrics: ["loss", "acc"], minInterval: 0 }),
      2,
      { makeRecord: lossless },
    );
    assert.deepEqual(
      specOf(calls.at(-1)!),
      learningCurves(ctx.history.epochs, { title: "Accuracy only", metrics: ["acc"] }),
    );
  });
});

Deno.test("liveCurves() lets a metric the records do not hold reach learningCurves' error", async () => {
  await withFakeKernel(async () => {
    const cb = liveCurves("Typo", { metrics: ["accuracy"], minInterval: 0 });
    const ctx = fakeContext({ epochs: 2 });
    await cb.onTrainBegin?.(ctx);
    ctx.history.epochs.push(record(1));
    await assert.rejects(async () => await cb.onEpochEnd?.(ctx.history.epochs[0], ctx), {
      name: "RangeError",
      message: /^options\.metrics must name metrics the records have .*got "accuracy"$/,
    });
    await cb.onTrainEnd?.(fakeContext({ epochs: 2 })); // no epoch: closes without a chart
  });
});

Deno.test("liveRuns() draws a series of runs in one output, titled with the run", async (t) => {
  await t.step(
    "'<name>: epoch N of M', every k, each run's end, done() keeps the last",
    async () => {
      await withFakeKernel(async (calls) => {
        const live = liveRuns({ every: 2, minInterval: 0 });
        await driveAfterPlaceholder(calls, live.run("Training width 2, seed 1"), 5);
        const second = await drive(live.run("Training width 8, seed 1"), 5, {
          stopAt: 3,
          reason: "early stopping: patience 1",
        });
        const late = live.run("Training width 32, seed 1"); // made before done(), run after it
        const sent = calls.length;
        await live.done();
        assert.deepEqual(calls.map(heading), [
          WAITING,
          "Training width 2, seed 1: epoch 2 of 5 | -",
          "Training width 2, seed 1: epoch 4 of 5 | -",
          "Training width 2, seed 1: epoch 5 of 5 | -", // drawn once: the end adds nothing
          "Training width 8, seed 1: epoch 2 of 5 | -",
          "Training width 8, seed 1: epoch 3 of 5 | early stopping: patience 1",
        ]);
        // One output for the whole series; done() sends nothing new: the last chart stays.
        assert.equal(new Set(calls.map((c) => c.options.display_id)).size, 1);
        assert.equal(calls.length, sent);
        assert.deepEqual(
          specOf(calls.at(-1)!),
          learningCurves(second.history.epochs, {
            title: "Training width 8, seed 1: epoch 3 of 5",
            subtitle: "early stopping: patience 1",
          }),
        );
        // A run of the series after done() draws nothing.
        await drive(late, 2);
        assert.equal(calls.length, sent);
      });
    },
  );

  await t.step("done() draws the latest state a throttled refresh held back", async () => {
    await withFakeKernel(async (calls) => {
      const live = liveRuns({ minInterval: 1e9, subtitle: "as fit logs them" });
      await driveAfterPlaceholder(calls, live.run("Rate 0.5, seed 2"), 4);
      await drive(live.run("Rate 0.2, seed 2"), 3);
      assert.deepEqual(calls.map(heading), [WAITING]);
      await live.done();
      assert.deepEqual(calls.map(heading), [
        WAITING,
        "Rate 0.2, seed 2: epoch 3 of 3 | as fit logs them",
      ]);
    });
  });

  await t.step("a diverged run shows the stand-in under the run's title", async () => {
    await withFakeKernel(async (calls) => {
      const live = liveRuns({ minInterval: 0 });
      await driveAfterPlaceholder(calls, live.run("lr 10"), 2, {
        makeRecord: (epoch) => ({ epoch, loss: Infinity, seconds: 1 }),
      });
      await live.done();
      const spec = specOf(calls.at(-1)!);
      assert.equal(spec.title, "lr 10: epoch 2 of 2");
      assert.match(JSON.stringify(spec.data), /no finite loss to draw after 2 epochs/);
    });
  });

  await t.step("run() after done() is an error; done() twice is harmless", async () => {
    await withFakeKernel(async (calls) => {
      const live = liveRuns();
      await live.done();
      await live.done();
      assert.throws(() => live.run("late"), {
        name: "Error",
        message: 'liveRuns: cannot start run "late", done() was already called',
      });
      assert.equal(calls.length, 0); // no run started: no output at all
    });
  });
});

Deno.test("liveCurves() and liveRuns() show nothing outside the kernel", async () => {
  const printed: unknown[] = [];
  const log = console.log, error = console.error;
  console.log = (...args: unknown[]) => void printed.push(args);
  console.error = (...args: unknown[]) => void printed.push(args);
  try {
    await drive(liveCurves("Quiet", { minInterval: 0 }), 3, { stopAt: 2 });
    const live = liveRuns({ minInterval: 0 });
    await drive(live.run("Quiet too"), 3);
    await live.done();
  } finally {
    console.log = log;
    console.error = error;
  }
  assert.deepEqual(printed, []);
});

Deno.test("liveCurves() and liveRuns() draw the runs of fit and free every tensor", async () => {
  await withFakeKernel(async (calls) => {
    const X = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]), y = tf.tensor2d([[0], [1], [1], [0]]);
    const before = tf.memory().numTensors;
    const live = liveRuns({ every: 3, minInterval: 0 });
    for (const width of [2, 4]) {
      const model = mlp(2, { hidden: [width], seed: 1 });
      await fit(model, { X, y }, {
        epochs: 6,
        seed: 1,
        progress: false,
        callbacks: [live.run(`width ${width}`)],
      });
      model.dispose();
    }
    await live.done();
    const model = mlp(2, { hidden: [3], seed: 2 });
    await fit(model, { X, y }, {
      epochs: 4,
      seed: 2,
      validationData: { X, y },
      progress: false,
      callbacks: [liveCurves("XOR", { every: 2 })],
    });
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([X, y]);
    const byOutput = Map.groupBy(calls, (c) => c.options.display_id);
    assert.equal(byOutput.size, 2);
    const [series, single] = [...byOutput.values()];
    assert.equal(heading(series.at(-1)!), "width 4: epoch 6 of 6 | -");
    assert.ok(series.some((c) => heading(c) === "width 2: epoch 3 of 6 | -"));
    assert.equal(heading(single.at(-1)!), "XOR | -");
    const final = specOf(single.at(-1)!);
    assert.equal((final.hconcat as unknown[]).length, 2, "loss and accuracy panels");
    assert.match(JSON.stringify(final), /"split":"validation"/);
  });
});

Deno.test("liveCurves() and liveRuns() reject bad arguments", async (t) => {
  await t.step("the title and run names are non-empty strings", () => {
    assert.throws(() => liveCurves(""), {
      name: "TypeError",
      message: 'title must be a non-empty string, got ""',
    });
    assert.throws(() => liveCurves(3 as never), {
      name: "TypeError",
      message: "title must be a non-empty string, got 3",
    });
    assert.throws(() => liveRuns().run(undefined as never), {
      name: "TypeError",
      message: "name must be a non-empty string, got undefined",
    });
  });

  await t.step("every is a positive integer", () => {
    for (const [every, name] of [[0, "RangeError"], [2.5, "RangeError"], ["2", "TypeError"]]) {
      const message = `options.every must be a positive integer, got ${
        typeof every === "string" ? `"${every}"` : every
      }`;
      assert.throws(() => liveCurves("t", { every: every as number }), { name, message });
      assert.throws(() => liveRuns({ every: every as number }), { name, message });
    }
  });

  await t.step("the other options", () => {
    assert.throws(() => liveRuns({ minInterval: -1 }), {
      name: "RangeError",
      message: "options.minInterval must be a finite number >= 0, got -1",
    });
    assert.throws(() => liveCurves("t", { metrics: [] }), {
      name: "RangeError",
      message: /^options\.metrics must be a non-empty array/,
    });
    assert.throws(() => liveCurves("t", { logLoss: "yes" as never }), {
      name: "TypeError",
      message: 'options.logLoss must be true or false, got "yes"',
    });
    assert.throws(() => liveRuns({ subtitle: "" }), {
      name: "TypeError",
      message: 'options.subtitle must be a non-empty string, got ""',
    });
    assert.throws(() => liveCurves("t", { evry: 2 } as never), {
      name: "TypeError",
      message: 'options has no setting "evry"; the settings are ' +
        "minInterval, every, metrics, logLoss, subtitle",
    });
  });
});
