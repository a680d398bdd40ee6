import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { confusionMatrix, perClassAccuracy } from "../lib/confusion.ts";
import { confusionMatrixChart, type VegaLiteSpec } from "../lib/charts.ts";
import { makeRng } from "../lib/random.ts";
import { assertFreshAndPure, renderClean, SCHEMA_V5 } from "./_chart_helpers.ts";
import { optionTableTests } from "./_options_table.ts";
import { FASHION_MNIST_CLASSES } from "../lib/fashion_mnist.ts";

await initBackend("cpu");

const FASHION = FASHION_MNIST_CLASSES;

/** Seeded labels of `k` classes and predictions right about 70 % of the time. */
function labels(n: number, k: number, seed: number): { actual: number[]; predicted: number[] } {
  const rng = makeRng(seed);
  const actual = Array.from({ length: n }, () => Math.floor(rng.next() * k));
  const predicted = actual.map((a) => rng.next() < 0.7 ? a : Math.floor(rng.next() * k));
  return { actual, predicted };
}

Deno.test("confusionMatrix()", async (t) => {
  await t.step("counts the same pairs as tfjs's tf.math.confusionMatrix", () => {
    for (const [n, k, seed] of [[2000, 10, 1], [500, 3, 2], [50, 1, 3], [7, 12, 4], [0, 4, 5]]) {
      const { actual, predicted } = labels(n, k, seed);
      const ours = confusionMatrix(Int32Array.from(actual), predicted, k);
      // tfjs needs two classes or more (its oneHot does); one class is n correct predictions
      const theirs = k === 1
        ? [[n]]
        : tf.tidy(() =>
          tf.math.confusionMatrix(tf.tensor1d(actual, "int32"), tf.tensor1d(predicted, "int32"), k)
            .arraySync()
        );
      assert.deepEqual(ours, theirs, `n ${n}, k ${k}`);
      // rows sum to the class counts, everything to n
      for (let c = 0; c < k; c++) {
        assert.equal(ours[c].reduce((a, b) => a + b, 0), actual.filter((a) => a === c).length);
      }
      assert.equal(ours.flat().reduce((a, b) => a + b, 0), n);
    }
  });

  await t.step("puts actual classes in rows and predicted ones in columns", () => {
    // two examples of class 0 predicted as 2, one of class 2 predicted as 1
    assert.deepEqual(confusionMatrix([0, 0, 2, 1], [2, 2, 1, 1], 3), [
      [0, 0, 2],
      [0, 1, 0],
      [0, 1, 0],
    ]);
    // float labels that are whole numbers are fine (argMax of a float tensor read as floats)
    assert.deepEqual(confusionMatrix(new Float32Array([1, 0]), new Float32Array([1, 1]), 2), [
      [0, 1],
      [0, 1],
    ]);
  });

  await t.step("rejects bad labels with a message naming parameter, value and rule", () => {
    const rejects = (f: () => unknown, name: string, message: string | RegExp) =>
      assert.throws(f, { name, message });
    rejects(
      () => confusionMatrix([0, 1, 1], [0, 1], 2),
      "RangeError",
      "predicted must hold one label per actual label (3), got 2 labels",
    );
    rejects(
      () => confusionMatrix([0, 2], [0, 1], 2),
      "RangeError",
      "actual[1] must be an integer class label in [0, 2), got 2",
    );
    rejects(
      () => confusionMatrix([0, 1], [0, -1], 2),
      "RangeError",
      "predicted[1] must be an integer class label in [0, 2), got -1",
    );
    rejects(
      () => confusionMatrix([0.5], [0], 2),
      "RangeError",
      "actual[0] must be an integer class label in [0, 2), got 0.5",
    );
    rejects(
      () => confusionMatrix([0], new Float32Array([NaN]), 2),
      "RangeError",
      "predicted[0] must be an integer class label in [0, 2), got NaN",
    );
    rejects(
      () => confusionMatrix(["1"] as unknown as number[], [1], 2),
      "TypeError",
      'actual[0] must be an integer class label in [0, 2), got "1"',
    );
    rejects(
      () => confusionMatrix([0], [0], 0),
      "RangeError",
      "numClasses must be a positive integer, got 0",
    );
    rejects(
      () => confusionMatrix([0], [0], 2.5),
      "RangeError",
      "numClasses must be a positive integer, got 2.5",
    );
    rejects(
      () => confusionMatrix([0], [0], 1e6),
      "RangeError",
      "numClasses must be at most 10000 classes, got 1000000",
    );
    rejects(
      () => confusionMatrix({ shape: [4], dtype: "int32" } as unknown as number[], [0], 2),
      "TypeError",
      "actual must be an array or typed array of class labels, got a tensor of shape [4] " +
        "(pass tensor.dataSync())",
    );
    rejects(
      () => confusionMatrix([0], null as unknown as number[], 2),
      "TypeError",
      "predicted must be an array or typed array of class labels, got null",
    );
  });
});

Deno.test("perClassAccuracy()", async (t) => {
  await t.step("is each class's share of correct predictions, counted from the labels", () => {
    for (const [n, k, seed] of [[3000, 10, 11], [40, 6, 12], [1, 3, 13]]) {
      const { actual, predicted } = labels(n, k, seed);
      const acc = perClassAccuracy(confusionMatrix(actual, predicted, k));
      for (let c = 0; c < k; c++) {
        const mine = actual.map((a, i) => [a, predicted[i]]).filter(([a]) => a === c);
        if (mine.length === 0) {
          assert.ok(Number.isNaN(acc[c]), `class ${c} has no examples: NaN, got ${acc[c]}`);
        } else {
          const right = mine.filter(([a, p]) => a === p).length;
          assert.equal(acc[c], right / mine.length, `class ${c}`);
        }
      }
    }
  });

  await t.step("rejects a matrix that is not square counts", () => {
    const rejects = (m: unknown, name: string, message: string) =>
      assert.throws(() => perClassAccuracy(m as number[][]), { name, message });
    rejects([], "RangeError", "matrix must hold at least one class, got an empty array");
    rejects(3, "TypeError", "matrix must be a square array of rows of counts, got 3");
    rejects(
      [[1, 2], [3]],
      "RangeError",
      "matrix must be square (2 rows of 2 counts), got 1 counts in row 1",
    );
    rejects([[1, 2], 3], "TypeError", "matrix[1] must be an array of 2 counts, got 3");
    rejects([[1, -2], [0, 1]], "RangeError", "matrix[0][1] must be a finite count >= 0, got -2");
    rejects([[1, 0], [NaN, 1]], "RangeError", "matrix[1][0] must be a finite count >= 0, got NaN");
    rejects(
      [[Infinity]],
      "RangeError",
      "matrix[0][0] must be a finite count >= 0, got Infinity",
    );
    rejects([["1"]], "TypeError", 'matrix[0][0] must be a finite count >= 0, got "1"');
  });
});

type Cell = {
  actual: string;
  predicted: string;
  count: number;
  fraction?: number | null;
  value: number;
  text: string;
};

/** The text items of the chart's cell labels: text, fill and position. */
function cellLabels(svg: string) {
  const at = svg.indexOf("cell_labels_marks");
  assert.ok(at >= 0, "no cell labels in the SVG");
  const body = svg.slice(at, svg.indexOf("</g>", at));
  return [...body.matchAll(/<text\b([^>]*)>([^<]*)<\/text>/g)].map(([, attrs, text]) => {
    const [x, y] = attrs.match(/translate\(([-\d.]+),([-\d.]+)\)/)!.slice(1).map(Number);
    return { text, x, y, fill: attrs.match(/fill="([^"]*)"/)![1] };
  });
}

Deno.test("confusionMatrixChart()", async (t) => {
  const { actual, predicted } = labels(1000, 10, 21);
  const matrix = confusionMatrix(actual, predicted, 10);

  await t.step("writes each count in its cell, actual classes down, predicted across", async () => {
    const svg = await renderClean(confusionMatrixChart(matrix, FASHION, { title: "Test set" }));
    const items = cellLabels(svg);
    assert.equal(items.length, 100);
    // cell (i, j): counted again from the labels, at row i from the top and column j
    const xs = [...new Set(items.map((c) => c.x))].sort((a, b) => a - b);
    const ys = [...new Set(items.map((c) => c.y))].sort((a, b) => a - b);
    assert.equal(xs.length, 10);
    assert.equal(ys.length, 10);
    for (const item of items) {
      const i = ys.indexOf(item.y), j = xs.indexOf(item.x);
      const count = actual.filter((a, n) => a === i && predicted[n] === j).length;
      assert.equal(item.text, String(count), `cell (${FASHION[i]}, ${FASHION[j]})`);
      // white on the dark (large) diagonal cells, grey for zeros, black otherwise
      const max = Math.max(...matrix.flat());
      const expected = count === 0 ? "#8c8c8c" : count > max / 2 ? "white" : "black";
      assert.equal(item.fill, expected, `text colour of ${count}`);
    }
    assert.ok(items.some((c) => c.fill === "white") && items.some((c) => c.fill === "black"));
    for (const name of FASHION) assert.ok(svg.includes(`>${name}</text>`), `no label ${name}`);
    assert.ok(svg.includes(">Test set</text>"));
    assert.ok(svg.includes(">predicted</text>") && svg.includes(">actual</text>"));
  });

  await t.step(
    "shows each row's shares with normalize: row, and – for a class with no examples",
    async () => {
      const m = [[6, 2, 0], [0, 0, 0], [1, 1, 8]];
      const spec = confusionMatrixChart(m, ["a", "b", "c"], { normalize: "row" });
      const cells = (spec.data as { values: Cell[] }).values;
      assert.deepEqual(
        cells.map((c) => c.text),
        ["0.75", "0.25", "0.00", "–", "–", "–", "0.10", "0.10", "0.80"],
      );
      assert.deepEqual(cells.map((c) => c.fraction), [
        0.75,
        0.25,
        0,
        null,
        null,
        null,
        0.1,
        0.1,
        0.8,
      ]);
      // the shares of a row with examples sum to 1; the diagonal is perClassAccuracy
      const acc = perClassAccuracy(m);
      for (const i of [0, 2]) {
        const row = cells.slice(3 * i, 3 * i + 3);
        assert.equal(row.reduce((s, c) => s + c.value, 0), 1);
        assert.equal(row[i].fraction, acc[i]);
      }
      const svg = await renderClean(spec);
      assert.deepEqual(cellLabels(svg).map((c) => c.text), cells.map((c) => c.text));
      assert.ok(svg.includes(">share of actual class</text>"));
    },
  );

  await t.step("is this spec, compared as data", () => {
    const spec = confusionMatrixChart([[3, 1], [0, 4]], ["cat", "dog"], { title: "Pets" });
    const position = {
      x: {
        field: "predicted",
        type: "nominal",
        sort: ["cat", "dog"],
        title: "predicted",
        axis: { labelAngle: 0 },
      },
      y: { field: "actual", type: "nominal", sort: ["cat", "dog"], title: "actual" },
    };
    const { config, ...rest } = spec;
    assert.deepEqual(rest, {
      $schema: SCHEMA_V5,
      title: { text: "Pets" },
      data: {
        values: [
          { actual: "cat", predicted: "cat", count: 3, value: 3, text: "3" },
          { actual: "cat", predicted: "dog", count: 1, value: 1, text: "1" },
          { actual: "dog", predicted: "cat", count: 0, value: 0, text: "0" },
          { actual: "dog", predicted: "dog", count: 4, value: 4, text: "4" },
        ],
      },
      width: { step: 46 },
      height: { step: 46 },
      layer: [
        {
          name: "cells",
          mark: { type: "rect", stroke: "white", strokeWidth: 1 },
          encoding: {
            ...position,
            color: {
              field: "value",
              type: "quantitative",
              title: "count",
              scale: { scheme: "blues", domain: [0, 4] },
              legend: { titleLimit: 300 },
            },
            tooltip: [
              { field: "actual", title: "actual" },
              { field: "predicted", title: "predicted" },
              { field: "count", type: "quantitative", title: "count" },
            ],
          },
        },
        {
          name: "cell_labels",
          mark: { type: "text", fontSize: 12 },
          encoding: {
            ...position,
            text: { field: "text" },
            color: {
              condition: [
                { test: "datum.count === 0", value: "#8c8c8c" },
                { test: "datum.value > 2", value: "white" },
              ],
              value: "black",
            },
          },
        },
      ],
    });
    assert.ok((config as { axis: { labelFontSize: number } }).axis.labelFontSize >= 11);
  });

  await t.step("turns class names wider than a cell, unless told otherwise", async () => {
    const layerX = (spec: VegaLiteSpec) =>
      (spec.layer as { encoding: { x: { axis: { labelAngle: number } } } }[])[0].encoding.x;
    const long = confusionMatrixChart(matrix, FASHION);
    assert.equal(layerX(long).axis.labelAngle, -40);
    assert.match(await renderClean(long), /rotate\(320\)/); // vega writes −40° as 320°
    assert.equal(
      layerX(confusionMatrixChart(matrix, FASHION, { cellSize: 100 })).axis.labelAngle,
      0,
    );
    const short = FASHION.map((_, i) => String(i));
    assert.equal(layerX(confusionMatrixChart(matrix, short)).axis.labelAngle, 0);
    assert.equal(
      layerX(confusionMatrixChart(matrix, short, { labelAngle: -90 })).axis.labelAngle,
      -90,
    );
  });

  await t.step("returns a fresh spec and does not touch its input", () => {
    assertFreshAndPure(() => confusionMatrixChart(matrix, FASHION, { normalize: "row" }), {
      matrix,
      FASHION,
    });
  });

  await t.step("rejects bad input with a message naming parameter, value and rule", () => {
    const rejects = (f: () => unknown, name: string, message: string | RegExp) =>
      assert.throws(f, { name, message });
    rejects(
      () => confusionMatrixChart(matrix, FASHION.slice(1)),
      "RangeError",
      "classNames must name the matrix's 10 classes, got 9 names",
    );
    rejects(
      () => confusionMatrixChart([[1, 0], [0, 1]], ["a", "a"]),
      "RangeError",
      'classNames must be distinct, got "a" twice',
    );
    rejects(
      () => confusionMatrixChart([[1, 0], [0, 1]], ["a", 2] as unknown as string[]),
      "TypeError",
      "classNames[1] must be a non-empty string, got 2",
    );
    rejects(
      () => confusionMatrixChart([[1, 0], [0, 1]], "ab" as unknown as string[]),
      "TypeError",
      'classNames must be an array of 2 class names, got "ab"',
    );
    rejects(
      () => confusionMatrixChart([[1, 0]], ["a"]),
      "RangeError",
      "matrix must be square (1 rows of 1 counts), got 2 counts in row 0",
    );
    rejects(
      () => confusionMatrixChart([[1, -1], [0, 1]], ["a", "b"]),
      "RangeError",
      "matrix[0][1] must be a finite count >= 0, got -1",
    );
    rejects(
      () => confusionMatrixChart([[1]], ["a"], { normalize: "column" as "row" }),
      "RangeError",
      'options.normalize must be one of "none", "row", got "column"',
    );
    rejects(
      () => confusionMatrixChart([[1]], ["a"], { labelAngle: 135 }),
      "RangeError",
      "options.labelAngle must be an angle in degrees in [-90, 90], got 135",
    );
    rejects(
      () => confusionMatrixChart([[1]], ["a"], { cellSize: 0 }),
      "RangeError",
      "options.cellSize must be a positive number, got 0",
    );
    const big = Array.from({ length: 101 }, () => new Array(101).fill(0));
    rejects(
      () => confusionMatrixChart(big, big.map((_, i) => `c${i}`)),
      "RangeError",
      "matrix must have at most 100 classes to draw, got 101",
    );
  });
});

optionTableTests([{
  name: "confusionMatrixChart",
  call: (o) => confusionMatrixChart([[1, 0], [0, 1]], ["a", "b"], o),
  valid: ["normalize", "title", "subtitle", "cellSize", "labelAngle", "scheme"],
  example: "row",
}], { label: "confusion chart", sync: true });
