import assert from "node:assert/strict";
import { markGroups, renderClean, SCHEMA_V5 } from "./_chart_helpers.ts";
import { accuracyVsLambda, networkDiagram, regularizationPathChart } from "../lib/charts.ts";

function attr(item: string, name: string): string {
  const m = item.match(new RegExp(` ${name}="([^"]*)"`));
  assert.ok(m, `no ${name} in ${item}`);
  return m[1];
}

/** Rows of a path: weight k of 4 shrinks linearly and reaches 0 at λ = 10^(k − 3). */
function pathRows(lambdas: number[]) {
  return lambdas.flatMap((lambda) =>
    [0, 1, 2, 3].map((k) => ({
      lambda,
      weight: `w${k}`,
      layer: k < 2 ? "hidden1" : "hidden2",
      value: Math.max(0, 1 - lambda / 10 ** (k - 3)) * (k % 2 ? -1 : 1),
    }))
  );
}

Deno.test("regularizationPathChart()", async (t) => {
  await t.step("draws one line per weight on a log λ axis, and a rule at zero", async () => {
    const spec = regularizationPathChart(pathRows([1e-4, 1e-3, 1e-2, 1e-1, 1]));
    assert.equal(spec.$schema, SCHEMA_V5);
    const layers = spec.layer as { name: string; encoding: { x: { scale: { type: string } } } }[];
    assert.deepEqual(layers.map((l) => l.name), ["path", "zero"]);
    assert.equal(layers[0].encoding.x.scale.type, "log");
    const svg = await renderClean(spec);
    const lines = markGroups(svg, "line", "path");
    assert.equal(lines.length, 4, "one line per weight");
    assert.equal(markGroups(svg, "rule", "zero")[0].length, 1);
  });
  await t.step("greys the weights that are not highlighted", async () => {
    const spec = regularizationPathChart(pathRows([1e-3, 1e-2, 1e-1]), { highlight: ["w3"] });
    const svg = await renderClean(spec);
    assert.equal(markGroups(svg, "line", "path").length, 1);
    assert.equal(markGroups(svg, "line", "path_other").length, 3);
  });
  await t.step("colours by a field when asked", async () => {
    const spec = regularizationPathChart(pathRows([1e-3, 1e-2]), { color: "layer" });
    const color = (spec.layer as { encoding: { color?: { scale: { domain: string[] } } } }[])[0]
      .encoding.color!;
    assert.deepEqual(color.scale.domain, ["hidden1", "hidden2"]);
    await renderClean(spec);
  });
  await t.step("shows λ = 0 on a symmetric-log axis", async () => {
    const spec = regularizationPathChart(pathRows([0, 1e-3, 1e-2]));
    const x = (spec.layer as { encoding: { x: { scale: Record<string, unknown> } } }[])[0]
      .encoding.x;
    assert.deepEqual(x.scale, { type: "symlog", constant: 1e-3, nice: false });
    await renderClean(spec);
  });
  await t.step("hides nothing without highlight when there are at most 10 weights", () => {
    const many = Array.from({ length: 11 }, (_, k) => ({ lambda: 0.1, weight: `w${k}`, value: k }));
    const spec = regularizationPathChart(many);
    assert.deepEqual((spec.layer as { name: string }[]).map((l) => l.name), ["path_other", "zero"]);
  });
  await t.step("returns a fresh spec and does not touch its input", () => {
    const rows = pathRows([1e-3, 1e-2]);
    const copy = structuredClone(rows);
    const a = regularizationPathChart(rows), b = regularizationPathChart(rows);
    assert.notEqual(a, b);
    assert.deepEqual(a, b);
    assert.deepEqual(rows, copy);
  });
  await t.step("rejects bad input with a message naming parameter, value and rule", () => {
    assert.throws(() => regularizationPathChart([]), {
      name: "RangeError",
      message: "rows must be a non-empty array of {lambda, weight, value} rows, got an empty array",
    });
    assert.throws(
      () => regularizationPathChart([{ lambda: -1, weight: "a", value: 1 }]),
      { name: "RangeError", message: "rows[0].lambda must be a finite number >= 0 (a λ), got -1" },
    );
    assert.throws(
      () => regularizationPathChart([{ lambda: 1, weight: "a", value: NaN }]),
      { name: "TypeError", message: "rows[0].value must be a finite number, got NaN" },
    );
    assert.throws(
      () => regularizationPathChart(pathRows([1]), { highlight: ["w9"] }),
      {
        name: "RangeError",
        message:
          'options.highlight[0] must name a weight of the rows, got "w9"; some weights are "w0", "w1", "w2", "w3"',
      },
    );
    assert.throws(
      () => regularizationPathChart(pathRows([1]), { color: "unit" }),
      {
        name: "TypeError",
        message: "rows[0].unit must be a string or a number (options.color), got undefined",
      },
    );
  });
});

Deno.test("networkDiagram()", async (t) => {
  const before = [[[0.5, -1, 0.2], [0.3, 0.8, -0.4]], [[1], [-0.7], [0.2]]];
  const after = [[[0.4, -0.9, 0], [0, 0.7, -0.3]], [[0.9], [-0.6], [0.1]]];
  await t.step(
    "draws every weight as a line, width proportional to |w|, colour by sign",
    async () => {
      const spec = networkDiagram([
        { title: "before", layers: before, inputNames: ["x1", "x2"] },
        { title: "after", subtitle: "2 of 9 zero", layers: after.map((kernel) => ({ kernel })) },
      ]);
      assert.equal(spec.$schema, SCHEMA_V5);
      const svg = await renderClean(spec);
      for (const [p, kernels] of [before, after].entries()) {
        const [items] = markGroups(svg, "rule", `edges_${p}`);
        assert.equal(items.length, 2 * 3 + 3 * 1);
        const weights = kernels.flat(2).sort((a, b) => Math.abs(a) - Math.abs(b));
        // drawn weakest first; width = 7 px · |w| / max |w| over both panels (1)
        items.forEach((item, i) => {
          const w = weights[i];
          assert.ok(
            Math.abs(Number(attr(item, "stroke-width")) - 7 * Math.abs(w)) < 1e-6,
            `${item} for ${w}`,
          );
          assert.equal(attr(item, "stroke"), w >= 0 ? "#c0392b" : "#2166ac");
        });
      }
      for (const p of [0, 1]) {
        assert.deepEqual(markGroups(svg, "symbol", `units_${p}`).map((g) => g.length), [6]);
      }
      assert.deepEqual(markGroups(svg, "text", "input_names_0").map((g) => g.length), [2]);
      assert.deepEqual(markGroups(svg, "text", "input_names_1"), []);
      assert.ok(svg.includes("2 of 9 zero"), "the subtitle is drawn");
    },
  );
  await t.step("returns a fresh spec and does not touch its input", () => {
    const copy = structuredClone(before);
    const a = networkDiagram([{ title: "a", layers: before }]);
    const b = networkDiagram([{ title: "a", layers: before }]);
    assert.notEqual(a, b);
    assert.deepEqual(a, b);
    assert.deepEqual(before, copy);
  });
  await t.step("rejects bad input with a message naming parameter, value and rule", () => {
    assert.throws(() => networkDiagram([{ title: "a", layers: [before[0], [[1], [2]]] }]), {
      name: "RangeError",
      message: "panels[0].layers[1] must have 3 rows (the units of layers[0]), got 2",
    });
    assert.throws(() => networkDiagram([{ title: "a", layers: [[[1, 2], [3]]] }]), {
      name: "TypeError",
      message: "panels[0].layers[0][1] must be an array of 2 numbers, got [3]",
    });
    assert.throws(() => networkDiagram([{ title: "a", layers: [[[1, NaN]]] }]), {
      name: "TypeError",
      message: "panels[0].layers[0][0][1] must be a finite number, got NaN",
    });
    assert.throws(
      () => networkDiagram([{ title: "a", layers: before, inputNames: ["x1"] }]),
      {
        name: "RangeError",
        message: 'panels[0].inputNames must name all 2 inputs, got ["x1"]',
      },
    );
    assert.throws(() => networkDiagram([]), {
      name: "RangeError",
      message: "panels must be a non-empty array of {title, layers} panels, got an empty array",
    });
  });
});

Deno.test("accuracyVsLambda()", async (t) => {
  const rows = [
    { lambda: 0, train: 1, test: 0.86 },
    { lambda: 0.001, train: 0.97, test: 0.9 },
    { lambda: 0.01, train: 0.93, test: 0.91 },
    { lambda: 0.1, train: 0.7, test: 0.72 },
    { lambda: 1, train: 0.5, test: 0.5 },
  ];
  await t.step("draws one line per metric with a point at every λ", async () => {
    const spec = accuracyVsLambda(rows);
    const svg = await renderClean(spec);
    const lines = markGroups(svg, "line", "metrics");
    assert.equal(lines.length, 2);
    assert.equal((spec.data as { values: unknown[] }).values.length, 10);
    const x = (spec.encoding as { x: { scale: { type: string }; axis: { values: number[] } } }).x;
    assert.equal(x.scale.type, "symlog");
    assert.deepEqual(x.axis.values, [0, 0.001, 0.01, 0.1, 1]);
  });
  await t.step("uses a log axis without λ = 0, and the metrics asked for", async () => {
    const spec = accuracyVsLambda(
      rows.slice(1).map((r) => ({ ...r, gap: r.train - r.test })),
      { metrics: ["gap"], yTitle: "train − test" },
    );
    const enc = spec.encoding as { x: { scale: { type: string } } };
    assert.equal(enc.x.scale.type, "log");
    assert.equal((spec.data as { values: unknown[] }).values.length, 4);
    await renderClean(spec);
  });
  await t.step("returns a fresh spec and does not touch its input", () => {
    const copy = structuredClone(rows);
    assert.deepEqual(accuracyVsLambda(rows), accuracyVsLambda(rows));
    assert.deepEqual(rows, copy);
  });
  await t.step("rejects bad input with a message naming parameter, value and rule", () => {
    assert.throws(() => accuracyVsLambda([{ lambda: 0.1, train: 0.9 }]), {
      name: "TypeError",
      message: "rows[0].test must be a finite number (a metric), got undefined",
    });
    assert.throws(() => accuracyVsLambda([{ lambda: "big", train: 1, test: 1 }]), {
      name: "RangeError",
      message: 'rows[0].lambda must be a finite number >= 0 (a λ), got "big"',
    });
    assert.throws(() => accuracyVsLambda(rows, { metrics: ["train", "train"] }), {
      name: "RangeError",
      message: 'options.metrics must not repeat a field, got ["train", "train"]',
    });
  });
});

Deno.test("the regularization charts import neither tfjs nor vega", async () => {
  for (
    const file of ["regularization_path.ts", "network_diagram.ts", "lambda_sweep.ts", "_lambda.ts"]
  ) {
    const text = await Deno.readTextFile(new URL(`../lib/charts/${file}`, import.meta.url));
    assert.ok(!/from "(@tensorflow|vega)/.test(text), file);
  }
});
