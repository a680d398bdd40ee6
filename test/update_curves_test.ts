import assert from "node:assert/strict";
import { assertFreshAndPure, markGroups, renderClean, SCHEMA_V5 } from "./_chart_helpers.ts";
import { updateCurves, type UpdateRun } from "../lib/charts.ts";
import { History } from "../lib/history.ts";
import { makeRng } from "../lib/random.ts";

interface Log {
  step: number;
  epoch: number;
  batch: number;
  size: number;
  loss: number;
  seconds: number;
}

/**
 * The update log of a run over `n` examples in batches of `batchSize` for `epochs` epochs: a
 * falling loss with seeded noise, `secondsPerUpdate` of training per update.
 */
function updateLog(
  n: number,
  batchSize: number,
  epochs: number,
  { noise = 0.1, secondsPerUpdate = 0.001, seed = 1 } = {},
): Log[] {
  const rng = makeRng(seed);
  const out: Log[] = [];
  const perEpoch = Math.ceil(n / batchSize);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let b = 0; b < perEpoch; b++) {
      const step = out.length + 1;
      out.push({
        step,
        epoch,
        batch: b + 1,
        size: Math.min(batchSize, n - b * batchSize),
        loss: 1 / Math.sqrt(step) + noise * rng.next(),
        seconds: step * secondsPerUpdate,
      });
    }
  }
  return out;
}

type Spec = Record<string, unknown>;
type Layer = {
  name: string;
  mark: { type: string; strokeWidth: number; opacity?: number; clip: boolean };
  encoding: Record<string, { field: string; scale?: Record<string, unknown> }>;
};

function rowsOf(spec: Spec): Record<string, unknown>[] {
  return (spec.data as { values: Record<string, unknown>[] }).values;
}

function round6(v: number): number {
  return Number(v.toPrecision(6));
}

/** v̂_t as a weighted sum: Σ_k (1 − β)β^(t−k) ℓ_k / (1 − β^t), computed without recursion. */
function ewmaBySum(losses: number[], beta: number): number[] {
  return losses.map((_, i) => {
    const t = i + 1;
    let sum = 0;
    for (let k = 1; k <= t; k++) sum += (1 - beta) * beta ** (t - k) * losses[k - 1];
    return sum / (1 - beta ** t);
  });
}

Deno.test("updateCurves()", async (t) => {
  const runs: { name: string; batches: Log[] }[] = [
    { name: "batch 1", batches: updateLog(20, 1, 2, { noise: 0.5 }) },
    { name: "batch 4", batches: updateLog(20, 4, 8, { secondsPerUpdate: 0.002, seed: 2 }) },
    { name: "full batch", batches: updateLog(20, 20, 40, { noise: 0, secondsPerUpdate: 0.004 }) },
  ];

  await t.step("draws one line per run against the update number", async () => {
    const spec = updateCurves(runs);
    assert.equal(spec.$schema, SCHEMA_V5);
    assert.deepEqual(spec.title, { text: "Loss per update" });
    const layers = spec.layer as Layer[];
    assert.deepEqual(layers.map((l) => l.name), ["raw_update"]);
    assert.equal(layers[0].encoding.x.field, "update");
    assert.equal(layers[0].encoding.y.field, "loss");
    assert.deepEqual(layers[0].encoding.y.scale, { zero: false });
    assert.equal(layers[0].mark.strokeWidth, 2.5);
    assert.equal(layers[0].mark.opacity, undefined);
    const color = layers[0].encoding.color as unknown as { sort: string[]; legend: object };
    assert.deepEqual(color.sort, ["batch 1", "batch 4", "full batch"]);
    assert.deepEqual(color.legend, {
      symbolType: "stroke",
      symbolStrokeWidth: 3,
      symbolOpacity: 1,
      labelLimit: 240,
    });
    const rows = rowsOf(spec);
    assert.equal(rows.length, 120);
    assert.deepEqual(
      rows.filter((r) => r.run === "batch 4").map((r) => r.update),
      runs[1].batches.map((b) => b.step),
    );
    assert.deepEqual(
      rows.filter((r) => r.run === "batch 1").map((r) => r.loss),
      runs[0].batches.map((b) => round6(b.loss)),
    );
    const svg = await renderClean(spec);
    assert.equal(markGroups(svg, "line", "raw_update").length, 3, "one line per run");
    assert.ok(svg.includes(">full batch</text>"), "the legend names the runs");
  });

  await t.step("smooths with the bias-corrected exponentially weighted average", async () => {
    const beta = 0.9;
    const spec = updateCurves(runs, { smooth: beta });
    const layers = spec.layer as Layer[];
    assert.deepEqual(layers.map((l) => l.name), ["raw_update", "smoothed_update"]);
    assert.equal(layers[0].mark.opacity, 0.3);
    assert.equal(layers[0].mark.strokeWidth, 1);
    assert.equal(layers[1].encoding.y.field, "smoothed");
    for (const run of runs) {
      const losses = run.batches.map((b) => b.loss);
      const smoothed = rowsOf(spec).filter((r) => r.run === run.name).map((r) => r.smoothed);
      const expected = ewmaBySum(losses, beta);
      smoothed.forEach((v, i) => assert.ok(Math.abs((v as number) - expected[i]) < 1e-5));
    }
    // The first average is the first loss itself: no start-up bias towards 0.
    assert.equal(rowsOf(spec)[0].smoothed, rowsOf(spec)[0].loss);
    assert.match((spec.title as { subtitle: string }).subtitle, /β = 0\.9/);
    const svg = await renderClean(spec);
    assert.equal(markGroups(svg, "line", "smoothed_update").length, 3);
    const onlyAverage = updateCurves(runs, { smooth: beta, raw: false });
    assert.deepEqual((onlyAverage.layer as Layer[]).map((l) => l.name), ["smoothed_update"]);
    await renderClean(onlyAverage);
  });

  await t.step("places updates at fractions of an epoch", () => {
    // 10 examples in batches of 4: sizes 4, 4, 2, so 0.4, 0.8, 1 in the first epoch.
    const spec = updateCurves([{ name: "b4", batches: updateLog(10, 4, 2) }], { x: "epoch" });
    assert.deepEqual(rowsOf(spec).map((r) => r.epoch), [0.4, 0.8, 1, 1.4, 1.8, 2]);
    assert.equal((spec.layer as Layer[])[0].encoding.x.field, "epoch");
    assert.deepEqual(spec.title, { text: "Loss per epoch" });
  });

  await t.step("draws several axes as panels side by side with a shared y axis", async () => {
    const spec = updateCurves(runs, { x: ["update", "seconds"], smooth: 0.5 });
    const panels = spec.hconcat as { title: { text: string }; layer: Layer[] }[];
    assert.deepEqual(panels.map((p) => p.title.text), [
      "Loss per update",
      "Loss against training time",
    ]);
    assert.deepEqual(panels[1].layer.map((l) => l.name), ["raw_seconds", "smoothed_seconds"]);
    assert.deepEqual(spec.resolve, { scale: { y: "shared" } });
    const full = rowsOf(spec).filter((r) => r.run === "full batch");
    assert.deepEqual(full.map((r) => r.seconds), runs[2].batches.map((b) => round6(b.seconds)));
    const svg = await renderClean(spec);
    assert.equal(markGroups(svg, "line", "raw_seconds").length, 3);
    assert.equal(markGroups(svg, "line", "smoothed_update").length, 3);
  });

  await t.step("uses log scales and a fixed y range when asked", async () => {
    const spec = updateCurves(runs, {
      x: "epoch",
      logX: true,
      logY: true,
      yDomain: [0.1, 2],
      title: "Per epoch",
      subtitle: "log scales",
      yTitle: "crossentropy",
      width: 300,
      height: 200,
    });
    const [layer] = spec.layer as Layer[];
    assert.deepEqual(layer.encoding.x.scale, { type: "log" });
    assert.deepEqual(layer.encoding.y.scale, { type: "log", domain: [0.1, 2] });
    assert.equal(layer.mark.clip, true);
    assert.deepEqual(spec.title, { text: "Per epoch", subtitle: "log scales" });
    assert.equal(spec.width, 300);
    assert.equal(spec.height, 200);
    const svg = await renderClean(spec);
    assert.ok(svg.includes(">crossentropy</text>"));
  });

  await t.step("thins long runs to maxPoints, averaging over every update", () => {
    const long = updateLog(100, 1, 10); // 1000 updates
    const beta = 0.98;
    const spec = updateCurves([{ name: "long", batches: long }], { smooth: beta, maxPoints: 300 });
    const rows = rowsOf(spec);
    // 300 of the 1000 updates, evenly spread: from the first to the last, 3 or 4 apart.
    const steps = rows.map((r) => r.update as number);
    assert.equal(steps.length, 300);
    assert.equal(steps[0], 1);
    assert.equal(steps[steps.length - 1], 1000);
    const gaps = steps.slice(1).map((s, i) => s - steps[i]);
    assert.ok(gaps.every((g) => g === 3 || g === 4), `gaps ${[...new Set(gaps)]}`);
    const expected = ewmaBySum(long.map((b) => b.loss), beta);
    rows.forEach((r) =>
      assert.ok(Math.abs((r.smoothed as number) - expected[(r.update as number) - 1]) < 1e-5)
    );
    assert.equal(rowsOf(updateCurves([{ name: "long", batches: long }])).length, 500);
  });

  await t.step("reads a History's batches", async () => {
    const history = new History();
    history.batches.push(...updateLog(8, 4, 3));
    const spec = updateCurves([{ name: "fit", history }], { x: "seconds" });
    assert.equal(rowsOf(spec).length, 6);
    await renderClean(spec);
  });

  await t.step("leaves non-finite losses out and skips them in the average", () => {
    const batches = [1, NaN, 0.5, Infinity, 0.25].map((loss, i) => ({ step: i + 1, loss }));
    const spec = updateCurves([{ name: "diverging", batches }], { smooth: 0.5 });
    const rows = rowsOf(spec);
    assert.deepEqual(rows.map((r) => r.update), [1, 3, 5]);
    assert.deepEqual(rows.map((r) => r.smoothed), ewmaBySum([1, 0.5, 0.25], 0.5).map(round6));
  });

  await t.step("returns a fresh spec and does not touch its input", () => {
    assertFreshAndPure(() => updateCurves(runs, { x: ["update", "epoch"], smooth: 0.9 }), runs);
  });

  await t.step("rejects bad input with a message naming parameter, value and rule", () => {
    const ok = runs[1].batches;
    const cases: [() => unknown, string, string][] = [
      [
        () => updateCurves([]),
        "RangeError",
        "runs must be a non-empty array of {name, batches} or {name, history} runs, got an empty array",
      ],
      [
        () => updateCurves([{ name: "a", batches: ok }, { name: "a", batches: ok }]),
        "RangeError",
        'runs[1].name must be unique, got "a" twice',
      ],
      [
        () => updateCurves([{ name: "a" } as unknown as UpdateRun]),
        "TypeError",
        'runs[0] must have batches (update records) or history (a History), got {"name":"a"}',
      ],
      [
        () => updateCurves([{ name: "a", batches: ok, history: { batches: ok } } as UpdateRun]),
        "TypeError",
        "runs[0] must have batches or history, not both",
      ],
      [
        () => updateCurves([{ name: "a", history: new History() }]),
        "RangeError",
        "runs[0].history.batches is empty: train with fit(model, data, { recordBatches: true })",
      ],
      [
        () =>
          updateCurves([{ name: "a", batches: [{ step: 1, loss: "low" as unknown as number }] }]),
        "TypeError",
        'runs[0].batches[0].loss must be a number, got "low"',
      ],
      [
        () => updateCurves([{ name: "a", batches: [{ step: 2, loss: 1 }, { step: 2, loss: 1 }] }]),
        "RangeError",
        "runs[0].batches[1].step must be larger than the update before it (2), got 2",
      ],
      [
        () => updateCurves([{ name: "a", batches: [{ step: 1, loss: 1 }] }], { x: "seconds" }),
        "TypeError",
        'runs[0].batches[0].seconds must be a finite number >= 0 (x: "seconds"), got undefined',
      ],
      [
        () => updateCurves([{ name: "a", batches: [{ step: 1, loss: 1 }] }], { x: "epoch" }),
        "TypeError",
        "runs[0].batches[0].epoch must be a positive integer, got undefined",
      ],
      [
        () => updateCurves([{ name: "a", batches: [{ step: 1, loss: 0 }] }], { logY: true }),
        "RangeError",
        "runs[0].batches[0].loss must be positive for a log y axis, got 0",
      ],
      [
        () => updateCurves([{ name: "a", batches: [{ step: 1, loss: NaN }] }]),
        "RangeError",
        "runs[0].batches must hold at least one finite loss, got none",
      ],
      [
        () => updateCurves(runs, { x: "time" as "seconds" }),
        "RangeError",
        'options.x must be one of "update", "seconds", "epoch", got "time"',
      ],
      [
        () => updateCurves(runs, { x: ["update", "update"] }),
        "RangeError",
        'options.x must not repeat an axis, got ["update", "update"]',
      ],
      [
        () => updateCurves(runs, { smooth: 1 }),
        "RangeError",
        "options.smooth (β) must be a number in [0, 1), got 1",
      ],
      [
        () => updateCurves(runs, { raw: false }),
        "RangeError",
        "options.raw can be false only with options.smooth > 0, got smooth 0",
      ],
      [
        () => updateCurves(runs, { logY: true, yDomain: [0, 1] }),
        "RangeError",
        "options.yDomain must be positive for a log y axis, got [0, 1]",
      ],
      [
        () => updateCurves(runs, { yDomain: [1, 0] }),
        "RangeError",
        "options.yDomain must satisfy lo < hi, got [1, 0]",
      ],
      [
        () => updateCurves(runs, { maxPoints: 1 }),
        "RangeError",
        "options.maxPoints must be an integer >= 2, got 1",
      ],
      [
        () => updateCurves(runs, { smoth: 0.9 } as never),
        "TypeError",
        'options has no setting "smoth"; the settings are x, smooth, raw, logX, logY, yDomain, maxPoints, title, subtitle, yTitle, width, height',
      ],
    ];
    for (const [call, name, message] of cases) assert.throws(call, { name, message });
  });
});

Deno.test("the update-curves chart imports neither tfjs nor vega", async () => {
  const text = await Deno.readTextFile(new URL("../lib/charts/update_curves.ts", import.meta.url));
  assert.ok(!/from "(@tensorflow|vega)/.test(text));
});
