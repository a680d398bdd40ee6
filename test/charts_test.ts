import assert from "node:assert/strict";
import { assertFreshAndPure, grid, markGroups, renderClean, SCHEMA_V5 } from "./_chart_helpers.ts";
import pl from "nodejs-polars";
import {
  decisionBoundary,
  type EpochRecord,
  learningCurves,
  lineChart,
  metricBars,
  tableView,
  weightDistribution,
} from "../lib/charts.ts";
import { cellText } from "../lib/charts/_cell_text.ts";
import { makeRng } from "../lib/random.ts";

/** The numbers after `label: ` in the aria labels of `items` (vega writes minus as U+2212). */
function ariaNumbers(items: string[], label: string): number[] {
  return items.map((item) => {
    const m = item.match(new RegExp(`${label}: ([^;"]+)`));
    assert.ok(m, `no ${label} in ${item}`);
    return Number(m[1].replaceAll("\u2212", "-").replaceAll(",", ""));
  });
}

function roundTo(v: number, digits = 6): number {
  return Number(v.toPrecision(digits));
}

/** A synthetic history: falling train loss, a validation loss that turns up after epoch 10. */
function history(numEpochs: number, withVal = true, withAcc = true): EpochRecord[] {
  return Array.from({ length: numEpochs }, (_, i) => {
    const epoch = i + 1;
    const e: EpochRecord = { epoch, loss: 0.7 * Math.exp(-i / 8) + 0.05 };
    if (withAcc) e.acc = 1 - 0.4 * Math.exp(-i / 6);
    if (withVal) {
      e.valLoss = 0.7 * Math.exp(-i / 8) + 0.1 + 0.01 * Math.max(0, i - 10);
      if (withAcc) e.valAcc = 0.9 - 0.4 * Math.exp(-i / 6);
    }
    return e;
  });
}

Deno.test("every chart declares the Vega-Lite v5 schema and readable font sizes", () => {
  const specs = [
    learningCurves(history(5)),
    decisionBoundary([{ title: "m", grid: grid((a) => (a + 1) / 3, 4) }]),
    weightDistribution([{ name: "w", values: [1, 2, 3] }]),
    metricBars([{ model: "a", metric: "acc", value: 0.5 }]),
    tableView([{ a: 1 }]),
    lineChart([{ x: 1, y: 2 }], { x: "x", y: "y" }),
  ];
  for (const spec of specs) {
    assert.equal(spec.$schema, SCHEMA_V5);
    const config = spec.config as { axis: { labelFontSize: number; titleFontSize: number } };
    assert.ok(config.axis.labelFontSize >= 12);
    assert.ok(config.axis.titleFontSize >= 13);
  }
});

Deno.test("learningCurves()", async (t) => {
  await t.step("draws a loss and an accuracy panel with train and validation lines", async () => {
    const epochs = history(12);
    const spec = learningCurves(epochs, { title: "Plain model" });
    const panels = spec.hconcat as { layer: { encoding: Record<string, { field: string }> }[] }[];
    assert.equal(panels.length, 2);
    assert.equal(panels[0].layer[0].encoding.x.field, "epoch");
    assert.equal(panels[0].layer[0].encoding.y.field, "value");
    const rows = (spec.data as { values: Record<string, unknown>[] }).values;
    assert.equal(rows.length, 4 * epochs.length);
    const valLoss = rows.filter((r) => r.metric === "loss" && r.split === "validation");
    assert.deepEqual(valLoss.map((r) => r.value), epochs.map((e) => roundTo(e.valLoss!)));
    const svg = await renderClean(spec);
    for (const metric of ["loss", "acc"]) {
      const lines = markGroups(svg, "line", `curve_${metric}`);
      assert.equal(lines.length, 2, `${metric}: one line for train, one for validation`);
      for (const items of lines) assert.equal(items.length, 1);
    }
    assert.ok(svg.includes(">Plain model</text>"));
    assert.ok(svg.includes(">Accuracy</text>"));
  });

  await t.step("gives each run its own colour and each split its own dash", async () => {
    const runs = [
      { name: "plain", epochs: history(8) },
      { name: "L2", epochs: history(8).map((e) => ({ ...e, loss: e.loss + 0.1 })) },
      { name: "dropout", epochs: history(8) },
    ];
    const spec = learningCurves(runs);
    const layer = (spec.hconcat as { layer: { encoding: Record<string, unknown> }[] }[])[0]
      .layer[0];
    assert.deepEqual(layer.encoding.color, {
      field: "run",
      type: "nominal",
      title: "Run",
      sort: ["plain", "L2", "dropout"],
    });
    assert.equal((layer.encoding.strokeDash as { field: string }).field, "split");
    const svg = await renderClean(spec);
    assert.equal(markGroups(svg, "line", "curve_loss").length, runs.length * 2);
    for (const name of ["plain", "L2", "dropout"]) assert.ok(svg.includes(`>${name}</text>`));
  });

  await t.step("puts a labelled rule at each marked epoch in every panel", async () => {
    const n = 30, width = 300;
    const marks = [{ epoch: 11, label: "best epoch" }, { epoch: 14, label: "stopped" }];
    const spec = learningCurves(history(n), { marks, width });
    const svg = await renderClean(spec);
    for (const metric of ["loss", "acc"]) {
      const rules = markGroups(svg, "rule", `rule_${metric}`);
      assert.equal(rules.length, 1);
      // The epoch axis runs from the first to the last epoch without padding.
      const xs = rules[0].map((r) => Number(r.match(/translate\(([-\d.]+),/)![1]));
      const expected = marks.map((m) => ((m.epoch - 1) / (n - 1)) * width);
      xs.forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 0.01, `${x} vs ${expected[i]}`));
    }
    assert.ok(svg.includes(">best epoch</text>"));
    assert.ok(svg.includes(">stopped</text>"));
  });

  await t.step("takes a History-like object as one run", () => {
    const epochs = history(5);
    assert.deepEqual(learningCurves({ epochs }), learningCurves(epochs));
    assert.throws(() => learningCurves({ epochs: [] }), {
      name: "RangeError",
      message: /^runs\.epochs must be a non-empty array/,
    });
  });

  await t.step("draws only the loss when the records have no accuracy", async () => {
    const spec = learningCurves(history(6, true, false));
    assert.equal((spec.hconcat as unknown[]).length, 1);
    await renderClean(spec);
  });

  await t.step("leaves out values that are not finite", () => {
    const epochs = history(5);
    epochs[3].valLoss = NaN;
    epochs[4].valLoss = Infinity;
    const rows = (learningCurves(epochs).data as { values: unknown[] }).values;
    assert.equal(rows.length, 4 * 5 - 2);
  });

  await t.step("returns a fresh spec and does not touch its input", () => {
    const runs = [{ name: "a", epochs: history(4) }, { name: "b", epochs: history(4) }];
    assertFreshAndPure(() => learningCurves(runs, { marks: [{ epoch: 2, label: "x" }] }), runs);
  });

  await t.step("rejects bad input with a message naming parameter, value and rule", () => {
    assert.throws(() => learningCurves([]), {
      name: "RangeError",
      message: /^runs must be a non-empty array of .*got an empty array$/,
    });
    assert.throws(() => learningCurves("history" as never), {
      name: "TypeError",
      message: /^runs must be an array .*got "history"$/,
    });
    const missing = [{ epoch: 1, loss: 0.5 }, { epoch: 2 }] as EpochRecord[];
    assert.throws(() => learningCurves(missing), {
      name: "TypeError",
      message: "runs[1].loss must be a number, got undefined",
    });
    assert.throws(
      () => learningCurves([{ name: "a", epochs: history(2) }, { name: "a", epochs: history(2) }]),
      { name: "RangeError", message: 'runs[1].name must be unique, got "a" twice' },
    );
    assert.throws(() => learningCurves([{ name: "a", epochs: [] }]), {
      name: "RangeError",
      message: /^runs\[0\]\.epochs must be a non-empty array/,
    });
    assert.throws(() => learningCurves(history(3), { metrics: ["loss", "f1"] }), {
      name: "RangeError",
      message: /^options\.metrics must name metrics the records have \("loss", "acc"\), got "f1"$/,
    });
    assert.throws(
      () => learningCurves(history(3), { marks: [{ epoch: "2" as never, label: "x" }] }),
      {
        name: "TypeError",
        message: 'options.marks[0].epoch must be a finite number, got "2"',
      },
    );
    const zero = history(3);
    zero[2].loss = 0;
    assert.throws(() => learningCurves(zero, { logLoss: true }), {
      name: "RangeError",
      message: /^options\.logLoss needs positive losses, got loss = 0 at epoch 3$/,
    });
    assert.throws(() => learningCurves(history(3), { width: -5 }), {
      name: "RangeError",
      message: "options.width must be a positive number, got -5",
    });
  });
});

/** The box items of a box plot: the rect marks whose labels carry the quartiles. */
function boxItems(svg: string): string[] {
  const all = [...svg.matchAll(/<g class="mark-rect role-mark (box_[a-z_0-9]*)_marks"/g)]
    .flatMap((m) => markGroups(svg, "rect", m[1]));
  const boxes = all.filter((items) => items.some((i) => i.includes("Q1 of")));
  assert.equal(boxes.length, 1);
  return boxes[0];
}

/** Quantile by linear interpolation between order statistics (R-7, as d3 and vega use). */
function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * q, lo = Math.floor(h);
  return s[lo] + (h - lo) * ((s[lo + 1] ?? s[lo]) - s[lo]);
}

Deno.test("weightDistribution()", async (t) => {
  const rng = makeRng(11);
  const wide = Array.from({ length: 200 }, () => rng.normal() * 0.9);
  const narrow = new Float32Array(Array.from({ length: 150 }, () => rng.normal() * 0.15));
  const groups = [{ name: "plain", values: wide }, { name: "L2", values: narrow }];

  await t.step("box: draws quartiles that match the data", async () => {
    const spec = weightDistribution(groups, { kind: "box" });
    const svg = await renderClean(spec);
    const boxes = boxItems(svg);
    assert.equal(boxes.length, 2);
    const data = [wide.map((v) => roundTo(v)), Array.from(narrow, (v) => roundTo(v))];
    for (const [label, q] of [["Q1", 0.25], ["Median", 0.5], ["Q3", 0.75]] as const) {
      const shown = ariaNumbers(boxes, `${label} of Weight value`);
      shown.forEach((v, g) => assert.ok(Math.abs(v - quantile(data[g], q)) < 1e-5, label));
    }
  });

  await t.step("box: draws values beyond 1.5 IQR as outlier points", async () => {
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 40, -30];
    const svg = await renderClean(weightDistribution([{ name: "a", values }], { kind: "box" }));
    const q1 = quantile(values, 0.25), q3 = quantile(values, 0.75), iqr = q3 - q1;
    const outliers = values.filter((v) => v < q1 - 1.5 * iqr || v > q3 + 1.5 * iqr)
      .sort((a, b) => a - b);
    const points = markGroups(svg, "symbol", "box_layer_0_layer_0");
    assert.equal(points.length, 1);
    assert.deepEqual(ariaNumbers(points[0], "Weight value").sort((a, b) => a - b), outliers);
  });

  await t.step("box: min-max whiskers reach the extremes", async () => {
    const svg = await renderClean(weightDistribution(groups, { kind: "box", extent: "min-max" }));
    const boxes = boxItems(svg);
    const lo = ariaNumbers(boxes, "Min of Weight value");
    const hi = ariaNumbers(boxes, "Max of Weight value");
    assert.ok(Math.abs(lo[0] - roundTo(Math.min(...wide))) < 1e-5);
    assert.ok(Math.abs(hi[1] - roundTo(Math.max(...narrow))) < 1e-5);
    assert.ok(!svg.includes('aria-roledescription="point"'), "no outlier points");
  });

  await t.step("histogram: the bars of each group add up to its size", async () => {
    const svg = await renderClean(weightDistribution(groups, { kind: "histogram", maxBins: 20 }));
    const bars = markGroups(svg, "rect", "histogram")[0];
    for (const { name, values } of groups) {
      const mine = bars.filter((b) => b.includes(`Group: ${name}"`));
      const total = ariaNumbers(mine, "Count").reduce((a, b) => a + b, 0);
      assert.equal(total, values.length);
    }
  });

  await t.step("density: one filled curve per group", async () => {
    const spec = weightDistribution(groups, { kind: "density" });
    const transform = (spec.transform as { density: string; groupby: string[] }[])[0];
    assert.equal(transform.density, "value");
    assert.deepEqual(transform.groupby, ["group"]);
    const svg = await renderClean(spec);
    assert.equal(markGroups(svg, "area", "density_area").length, 2);
    assert.equal(markGroups(svg, "line", "density_line").length, 2);
  });

  await t.step("rounds values to 6 significant digits and keeps group order", () => {
    const spec = weightDistribution(groups);
    const rows = (spec.data as { values: { group: string; value: number }[] }).values;
    assert.equal(rows.length, wide.length + narrow.length);
    assert.deepEqual(rows.slice(0, 3).map((r) => r.value), wide.slice(0, 3).map((v) => roundTo(v)));
    assert.equal(rows[wide.length].group, "L2");
    assert.equal(rows[wide.length].value, roundTo(narrow[0]));
  });

  await t.step("returns a fresh spec and does not touch its input", () => {
    const input = [{ name: "a", values: [1, 2, 3] }];
    for (const kind of ["box", "density", "histogram"] as const) {
      assertFreshAndPure(() => weightDistribution(input, { kind }), input);
    }
  });

  await t.step("rejects bad input with a message naming parameter, value and rule", () => {
    assert.throws(() => weightDistribution(groups, { kind: "violin" as never }), {
      name: "RangeError",
      message: 'options.kind must be one of "box", "density", "histogram", got "violin"',
    });
    assert.throws(() => weightDistribution([]), {
      name: "RangeError",
      message: /^groups must be a non-empty array/,
    });
    assert.throws(() => weightDistribution([{ name: "a", values: [] }]), {
      name: "RangeError",
      message: "groups[0].values must hold at least one number, got none",
    });
    assert.throws(
      () => weightDistribution([{ name: "a", values: [1] }, { name: "b", values: [1, 2, NaN] }]),
      {
        name: "TypeError",
        message: "groups[1].values[2] must be a finite number, got NaN",
      },
    );
    assert.throws(
      () => weightDistribution([{ name: "a", values: [1] }, { name: "a", values: [2] }]),
      {
        name: "RangeError",
        message: 'groups[1].name must be unique, got "a" twice',
      },
    );
    assert.throws(() => weightDistribution(groups, { kind: "histogram", maxBins: 2.5 }), {
      name: "RangeError",
      message: "options.maxBins must be a positive integer, got 2.5",
    });
  });
});

Deno.test("metricBars()", async (t) => {
  const widths = [1, 10, 50, 256, 1000];
  const rows = widths.flatMap((w, i) => [
    { model: w, metric: "train", value: 0.8 + 0.04 * i },
    { model: w, metric: "test", value: 0.82 - 0.01 * i },
  ]);

  await t.step("draws one bar per row, heights proportional to the values", async () => {
    const spec = metricBars(rows, { title: "Accuracy by width", modelTitle: "Hidden units" });
    const layer = (spec.layer as { encoding: Record<string, { sort?: unknown }> }[])[0];
    assert.deepEqual(layer.encoding.x.sort, widths);
    assert.deepEqual(layer.encoding.xOffset.sort, ["train", "test"]);
    const svg = await renderClean(spec);
    const bars = markGroups(svg, "rect", "bars")[0];
    assert.equal(bars.length, rows.length);
    const heights = bars.map((b) => Number(b.match(/ d="M[-\d.]+,[-\d.]+h[-\d.]+v([-\d.]+)/)![1]));
    const values = ariaNumbers(bars, "Value");
    // The value axis starts at zero, so height / value is the same for every bar.
    const ratio = heights[0] / values[0];
    heights.forEach((h, i) => assert.ok(Math.abs(h - ratio * values[i]) < 0.02));
    for (const r of rows) assert.ok(svg.includes(`>${r.value.toFixed(2)}</text>`));
    assert.ok(svg.includes(">Accuracy by width</text>"));
  });

  await t.step("leaves out labels when the format is empty", async () => {
    const spec = metricBars(rows, { format: "" });
    assert.equal((spec.layer as unknown[]).length, 1);
    await renderClean(spec);
  });

  await t.step("returns a fresh spec and does not touch its input", () => {
    assertFreshAndPure(() => metricBars(rows, { title: "t" }), rows);
  });

  await t.step("rejects bad input with a message naming parameter, value and rule", () => {
    assert.throws(() => metricBars([]), {
      name: "RangeError",
      message: /^rows must be a non-empty array/,
    });
    assert.throws(() => metricBars([...rows, { model: 10, metric: "train", value: 0.5 }]), {
      name: "RangeError",
      message: 'rows must hold each (model, metric) pair once, got (10, "train") twice at rows[10]',
    });
    assert.throws(() => metricBars([{ model: "a", metric: "acc", value: NaN }]), {
      name: "RangeError",
      message: "rows[0].value must be a finite number, got NaN",
    });
    assert.throws(() => metricBars(rows, { valueDomain: [1, 0] }), {
      name: "RangeError",
      message: /^options\.valueDomain must be two increasing finite numbers/,
    });
  });
});

Deno.test("tableView()", async (t) => {
  const records = [
    { train: 0.01, dev: 0.11, diagnosis: "high variance" },
    { train: 0.15, dev: 0.16, diagnosis: "high bias" },
    { train: 0.005, dev: 0.0123456, diagnosis: "fine" },
  ];

  await t.step("draws a column per field and a cell per value", async () => {
    const spec = tableView(records, { title: "Errors" });
    assert.equal((spec.hconcat as unknown[]).length, 3);
    assert.equal((spec.data as { values: unknown[] }).values.length, 9);
    const svg = await renderClean(spec);
    for (let c = 0; c < 3; c++) assert.equal(markGroups(svg, "text", `cells_${c}`)[0].length, 3);
    for (const text of ["train", "dev", "diagnosis", "0.01", "high bias", "0.01235"]) {
      assert.ok(svg.includes(`>${text}</text>`), text);
    }
  });

  await t.step("formats numbers with the given significant digits", () => {
    assert.equal(cellText(Math.PI, 4), String(Math.round(Math.PI * 1000) / 1000));
    assert.equal(cellText(12345678, 4), "12345678");
    assert.equal(cellText(null, 4), "");
    assert.equal(cellText(10n, 4), "10");
  });

  await t.step("reads a nodejs-polars DataFrame and cuts long tables", async () => {
    const df = pl.DataFrame({ width: [1, 10, 50, 256, 1000], acc: [0.8, 0.85, 0.9, 0.93, 0.97] });
    const spec = tableView(df, { maxRows: 3, columns: ["acc", "width"] });
    const cells = (spec.data as { values: { row: number; column: string; text: string }[] }).values;
    assert.equal(cells.length, 6);
    assert.deepEqual(cells.filter((c) => c.column === "width").map((c) => c.text), [
      "1",
      "10",
      "50",
    ]);
    assert.deepEqual(spec.title, { text: "", subtitle: "first 3 of 5 rows" });
    await renderClean(spec);
  });

  await t.step("carries the shown cell texts, alignment and title in usermeta.table", async () => {
    const spec = tableView(records, { title: "Errors", columns: ["diagnosis", "dev"] });
    const { table } = spec.usermeta as { table: Record<string, unknown> };
    assert.deepEqual(table, {
      columns: ["diagnosis", "dev"],
      rows: [["high variance", "0.11"], ["high bias", "0.16"], ["fine", "0.01235"]],
      align: ["left", "right"],
      title: "Errors",
    });
    // The same texts as the chart's cells, column by column.
    const cells = (spec.data as { values: { row: number; column: string; text: string }[] })
      .values;
    const rows = table.rows as string[][];
    for (const cell of cells) {
      const c = (table.columns as string[]).indexOf(cell.column);
      assert.equal(rows[cell.row - 1][c], cell.text);
    }
    const svg = await renderClean(spec);
    for (const row of rows) for (const text of row) assert.ok(svg.includes(`>${text}</text>`));
  });

  await t.step("usermeta.table counts the rows left out and has no title unless given", () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ k: i, v: i === 3 ? null : i / 3 }));
    const { table } = tableView(many, { maxRows: 4 }).usermeta as {
      table: Record<string, unknown>;
    };
    assert.deepEqual(table, {
      columns: ["k", "v"],
      rows: [["0", "0"], ["1", cellText(1 / 3, 4)], ["2", cellText(2 / 3, 4)], ["3", ""]],
      align: ["right", "right"],
      omitted: 3,
    });
    const whole = tableView(many, { maxRows: 7 }).usermeta as { table: Record<string, unknown> };
    assert.equal("omitted" in whole.table, false);
    assert.equal("title" in whole.table, false);
  });

  await t.step("returns a fresh spec and does not touch its input", () => {
    assertFreshAndPure(() => tableView(records, { title: "t" }), records);
  });

  await t.step("rejects bad input with a message naming parameter, value and rule", () => {
    assert.throws(() => tableView([]), {
      name: "RangeError",
      message: "data must have at least one row, got 0 rows",
    });
    assert.throws(() => tableView(42 as never), {
      name: "TypeError",
      message: "data must be a DataFrame or an array of records, got 42",
    });
    assert.throws(() => tableView(records, { columns: ["train", "test"] }), {
      name: "RangeError",
      message:
        'options.columns[1] must be one of the data\'s columns ("train", "dev", "diagnosis"), got "test"',
    });
    assert.throws(() => tableView(records, { maxRows: 0 }), {
      name: "RangeError",
      message: "options.maxRows must be a positive integer, got 0",
    });
  });
});

Deno.test("lineChart()", async (t) => {
  const betas = [0.5, 0.9, 0.98];
  const rows = betas.flatMap((beta) =>
    Array.from({ length: 20 }, (_, k) => ({ t: k + 1, weight: (1 - beta) * beta ** k, beta }))
  );

  await t.step("draws one line per colour value", async () => {
    const spec = lineChart(rows, { x: "t", y: "weight", color: "beta", logY: true, title: "EWMA" });
    const enc = spec.encoding as Record<string, { field: string; scale?: { type?: string } }>;
    assert.equal(enc.x.field, "t");
    assert.equal(enc.y.scale!.type, "log");
    assert.equal(enc.color.field, "beta");
    const svg = await renderClean(spec);
    assert.equal(markGroups(svg, "line", "lines").length, betas.length);
  });

  await t.step("hides the legend of many series when asked", async () => {
    const path = Array.from(
      { length: 30 },
      (_, w) =>
        [0.001, 0.01, 0.1, 1].map((lambda) => ({
          lambda,
          weight: (w - 15) / (1 + 10 * lambda),
          w,
        })),
    )
      .flat();
    const spec = lineChart(path, {
      x: "lambda",
      y: "weight",
      color: "w",
      logX: true,
      legend: false,
    });
    assert.equal((spec.encoding as { color: { legend: unknown } }).color.legend, null);
    const svg = await renderClean(spec);
    assert.equal(markGroups(svg, "line", "lines").length, 30);
    assert.ok(!svg.includes('class="mark-group role-legend"'));
  });

  await t.step("reads a nodejs-polars DataFrame", async () => {
    const df = pl.DataFrame({ epoch: [1, 2, 3], loss: [0.9, 0.5, 0.3] });
    const spec = lineChart(df, { x: "epoch", y: "loss", point: true });
    assert.equal((spec.data as { values: unknown[] }).values.length, 3);
    await renderClean(spec);
  });

  await t.step("returns a fresh spec and does not touch its input", () => {
    assertFreshAndPure(() => lineChart(rows, { x: "t", y: "weight", color: "beta" }), rows);
  });

  await t.step("rejects bad input with a message naming parameter, value and rule", () => {
    assert.throws(() => lineChart(rows, { x: "time", y: "weight" }), {
      name: "RangeError",
      message: 'options.x must name a field of the rows ("t", "weight", "beta"), got "time"',
    });
    assert.throws(() => lineChart(rows, { x: "t", y: "weight", color: "gamma" }), {
      name: "RangeError",
      message: /^options\.color must name a field of the rows/,
    });
    const zero = [{ x: 0, y: 1 }, { x: 1, y: 2 }];
    assert.throws(() => lineChart(zero, { x: "x", y: "y", logX: true }), {
      name: "RangeError",
      message: "rows[0].x must be positive for a log x axis, got 0",
    });
    assert.throws(() => lineChart([{ x: 1, y: "high" }], { x: "x", y: "y" }), {
      name: "TypeError",
      message: 'rows[0].y must be a finite number (the y field), got "high"',
    });
    assert.throws(() => lineChart([], { x: "x", y: "y" }), {
      name: "RangeError",
      message: "rows must hold at least one row, got 0 rows",
    });
  });
});

Deno.test("the chart modules import neither tfjs nor vega", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL("../lib/charts.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  const specifiers = graph.modules.map((m) => m.specifier);
  assert.ok(specifiers.some((s) => s.endsWith("/lib/charts/decision_boundary.ts")));
  for (const s of specifiers) {
    assert.ok(!/tensorflow|vega|polars/.test(s), `charts import ${s}`);
  }
});

Deno.test("legend labels of up to 40 characters are drawn in full in the static SVG", async () => {
  // vega measures text without a browser when it renders SVG; the default label limit (160 px)
  // then cut names such as "gradient descent with momentum" short with an ellipsis
  const name = "gradient descent with momentum (α = 0.005)";
  const rows = [0, 1, 2].flatMap((x) => [
    { x, y: x, run: name },
    { x, y: 2 * x, run: "Adam" },
  ]);
  const svg = await renderClean(lineChart(rows, { x: "x", y: "y", color: "run" }));
  assert.ok(svg.includes(`>${name}</text>`), "the long legend label is cut short");
  const curves = await renderClean(learningCurves([{ name, epochs: [{ epoch: 1, loss: 1 }] }, {
    name: "Adam",
    epochs: [{ epoch: 1, loss: 0.5 }],
  }]));
  assert.ok(curves.includes(`>${name}</text>`), "the long run name is cut short in learningCurves");
});
