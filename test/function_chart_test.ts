import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import pl from "nodejs-polars";
import { initBackend } from "../lib/backend.ts";
import { functionChart, type NamedFunction } from "../lib/charts.ts";
import { assertFreshAndPure, markGroups, renderClean, SCHEMA_V5 } from "./_chart_helpers.ts";
import { optionTableTests } from "./_options_table.ts";

await initBackend("wasm");

type Point = { name: string; curve: string; z: number; value: number };
type Spec = Record<string, unknown>;

function pointsOf(spec: Spec): Point[] {
  return (spec.data as { values: Point[] }).values;
}

/** The encoding of a spec, faceted or not. */
function encodingOf(spec: Spec): Record<string, Record<string, unknown>> {
  const view = (spec.spec ?? spec) as { encoding: Record<string, Record<string, unknown>> };
  return view.encoding;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const ACTIVATIONS: NamedFunction[] = [
  { name: "sigmoid", f: sigmoid, df: (z) => sigmoid(z) * (1 - sigmoid(z)) },
  { name: "tanh", f: Math.tanh, df: (z) => 1 / Math.cosh(z) ** 2 },
  { name: "ReLU", f: (z) => Math.max(0, z), df: (z) => (z > 0 ? 1 : 0) },
  { name: "leaky ReLU", f: (z) => (z > 0 ? z : 0.01 * z), df: (z) => (z > 0 ? 1 : 0.01) },
];

/** Six significant digits, as the chart stores its numbers. */
function round6(v: number): number {
  return v === 0 ? 0 : Number(v.toPrecision(6));
}

Deno.test("functionChart() samples each function and its derivative on an even grid of z", () => {
  const spec = functionChart(ACTIVATIONS, { samples: 11, title: "Activations" });
  assert.equal(spec.$schema, SCHEMA_V5);
  assert.deepEqual(spec.title, { text: "Activations" });
  const points = pointsOf(spec);
  assert.equal(points.length, 4 * 2 * 11);
  // by hand: 11 samples on [−5, 5] are the integers
  const zs = [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5];
  for (const { name, f, df } of ACTIVATIONS) {
    for (const [curve, fn] of [["f(z)", f], ["f′(z)", df!]] as const) {
      const line = points.filter((p) => p.name === name && p.curve === curve);
      assert.deepEqual(line.map((p) => p.z), zs, `${name} ${curve}`);
      assert.deepEqual(line.map((p) => p.value), zs.map((z) => round6(fn(z))), `${name} ${curve}`);
    }
  }
  // values by hand: σ(0) = 1/2, σ′(0) = 1/4, tanh′(0) = 1, ReLU′(−1) = 0, leaky ReLU(−5) = −0.05
  const at = (name: string, curve: string, z: number) =>
    points.find((p) => p.name === name && p.curve === curve && p.z === z)!.value;
  assert.equal(at("sigmoid", "f(z)", 0), 0.5);
  assert.equal(at("sigmoid", "f′(z)", 0), 0.25);
  assert.equal(at("tanh", "f′(z)", 0), 1);
  assert.equal(at("ReLU", "f′(z)", -1), 0);
  assert.equal(at("leaky ReLU", "f(z)", -5), -0.05);
});

Deno.test("functionChart() by default draws 201 samples on [−5, 5], z = 0 among them", () => {
  const points = pointsOf(functionChart([{ name: "tanh", f: Math.tanh }]));
  assert.equal(points.length, 201);
  assert.equal(points[0].z, -5);
  assert.equal(points[100].z, 0);
  assert.equal(points[200].z, 5);
  points.forEach((p, k) => assert.ok(Math.abs(p.z - (-5 + k * 0.05)) < 1e-9, `z[${k}]`));
  const custom = pointsOf(functionChart([{ name: "tanh", f: Math.tanh }], {
    domain: [0, 1],
    samples: 5,
  }));
  assert.deepEqual(custom.map((p) => p.z), [0, 0.25, 0.5, 0.75, 1]);
});

Deno.test("functionChart() pairs each f′ with f: the dashed line is the slope of the solid one", () => {
  // central differences of the sampled f against the sampled f′, at every inner sample
  const points = pointsOf(functionChart(ACTIVATIONS.slice(0, 2), { samples: 2001 }));
  for (const name of ["sigmoid", "tanh"]) {
    const f = points.filter((p) => p.name === name && p.curve === "f(z)");
    const df = points.filter((p) => p.name === name && p.curve === "f′(z)");
    for (let k = 1; k < f.length - 1; k++) {
      const slope = (f[k + 1].value - f[k - 1].value) / (f[k + 1].z - f[k - 1].z);
      assert.ok(Math.abs(slope - df[k].value) < 2e-3, `${name} at z = ${f[k].z}: ${slope}`);
    }
  }
});

Deno.test("functionChart() facets by function: solid f(z), dashed f′(z), one colour per function", async () => {
  const spec = functionChart(ACTIVATIONS, { title: "Activation functions" });
  assert.deepEqual(spec.facet, {
    field: "name",
    type: "nominal",
    sort: ["sigmoid", "tanh", "ReLU", "leaky ReLU"],
    title: null,
  });
  assert.equal(spec.columns, 3);
  assert.deepEqual(spec.resolve, {
    scale: { y: "independent" },
    axis: { x: "independent", y: "independent" },
  });
  const enc = encodingOf(spec);
  assert.deepEqual(enc.x.scale, { domain: [-5, 5], nice: false });
  assert.equal(enc.x.title, "z");
  assert.equal(enc.y.title, null);
  assert.deepEqual((enc.strokeDash.scale as Spec).domain, ["f(z)", "f′(z)"]);
  assert.deepEqual((enc.strokeDash.scale as Spec).range, [[1, 0], [6, 4]]);
  assert.deepEqual((enc.color.scale as Spec).domain, ["sigmoid", "tanh", "ReLU", "leaky ReLU"]);
  assert.equal(enc.color.legend, null); // the panel headers name the functions
  const svg = await renderClean(spec);
  // one line per function and curve, half of them dashed
  const lines = markGroups(svg, "line", "functions").flat();
  assert.equal(lines.length, 8);
  assert.equal(lines.filter((l) => l.includes('stroke-dasharray="6,4"')).length, 4);
  for (const text of ["Activation functions", "sigmoid", "tanh", "ReLU", "leaky ReLU"]) {
    assert.ok(svg.includes(`>${text}</text>`), text);
  }
  assert.ok(svg.includes(">f(z)</text>") && svg.includes(">f′(z)</text>"), "legend");
  // every label at least 11 px
  const sizes = [...svg.matchAll(/font-size="(\d+(?:\.\d+)?)px"/g)].map((m) => Number(m[1]));
  assert.ok(sizes.length > 0 && sizes.every((s) => s >= 11), `font sizes ${sizes}`);
  // the lines y = 0 and z = 0 are darker: one of each per panel
  assert.equal(svg.match(/stroke="#9a9a9a"/g)?.length, 2 * 4);
});

Deno.test("functionChart() with facet: false draws every function in one panel, coloured, with both legends", async () => {
  const spec = functionChart(ACTIVATIONS.slice(0, 3), { facet: false, width: 400, height: 250 });
  assert.equal(spec.facet, undefined);
  assert.equal(spec.width, 400);
  assert.equal(spec.height, 250);
  const enc = encodingOf(spec);
  assert.equal(enc.color.title, "function");
  assert.notEqual(enc.color.legend, null);
  const svg = await renderClean(spec);
  assert.equal(markGroups(svg, "line", "functions").flat().length, 6);
  for (const text of ["function", "curve", "sigmoid", "tanh", "ReLU", "f(z)", "f′(z)"]) {
    assert.ok(svg.includes(`>${text}</text>`), text);
  }
});

Deno.test("functionChart() without derivatives draws the solid lines alone", async () => {
  const spec = functionChart([{ name: "x²", f: (z) => z * z }, { name: "|x|", f: Math.abs }], {
    samples: 21,
    columns: 1,
    independentY: false,
  });
  assert.equal(pointsOf(spec).length, 42);
  assert.ok(pointsOf(spec).every((p) => p.curve === "f(z)"));
  assert.deepEqual((encodingOf(spec).strokeDash.scale as Spec).domain, ["f(z)"]);
  assert.equal(spec.columns, 1);
  assert.deepEqual((spec.resolve as Spec).scale, { y: "shared" });
  const svg = await renderClean(spec);
  assert.equal(markGroups(svg, "line", "functions").flat().length, 2);
  assert.ok(!svg.includes(">f′(z)</text>"));
});

Deno.test("functionChart() draws precomputed rows, e.g. f′ from tfjs autodiff, as the functions would be drawn", () => {
  const zs = Array.from({ length: 41 }, (_, k) => -4 + k * 0.2);
  const z = tf.tensor1d(zs);
  const before = tf.memory().numTensors;
  const grads = tf.tidy(() =>
    tf.grad((x: tf.Tensor) => tf.sigmoid(x).sum())(z).arraySync() as number[]
  );
  assert.equal(tf.memory().numTensors, before);
  z.dispose();
  const rows = zs.map((v, k) => ({ name: "sigmoid", z: v, f: sigmoid(v), df: grads[k] }));
  const fromRows = pointsOf(functionChart(rows));
  const fromFunctions = pointsOf(
    functionChart([ACTIVATIONS[0]], { domain: [-4, 4], samples: 41 }),
  );
  assert.equal(fromRows.length, fromFunctions.length);
  fromRows.forEach((p, i) => {
    const q = fromFunctions[i];
    assert.equal(p.curve, q.curve);
    assert.ok(Math.abs(p.z - q.z) < 1e-9);
    assert.ok(Math.abs(p.value - q.value) < 1e-6, `${p.curve} at ${p.z}: ${p.value} vs ${q.value}`);
  });
  // a DataFrame of the same rows gives the same spec
  const df = pl.DataFrame(rows);
  assert.deepEqual(functionChart(df), functionChart(rows));
  // a row without df has no f′ point
  const partial = pointsOf(
    functionChart([{ name: "a", z: 0, f: 1 }, { name: "a", z: 1, f: 2, df: 1 }]),
  );
  assert.deepEqual(partial.map((p) => p.curve), ["f(z)", "f(z)", "f′(z)"]);
});

Deno.test("functionChart() is pure and returns a fresh spec", () => {
  const rows = [-1, 0, 1].flatMap((z) => [
    { name: "tanh", z, f: Math.tanh(z), df: 1 - Math.tanh(z) ** 2 },
    { name: "relu", z, f: Math.max(0, z) },
  ]);
  assertFreshAndPure(() => functionChart(rows), rows);
  const fns = [...ACTIVATIONS];
  const a = functionChart(fns, { samples: 5 }), b = functionChart(fns, { samples: 5 });
  assert.deepEqual(a, b);
  assert.notEqual(a.data, b.data);
  assert.deepEqual(fns, ACTIVATIONS);
});

Deno.test("functionChart() rejects bad functions, rows and options, saying what is allowed", () => {
  const tanh = { name: "tanh", f: Math.tanh };
  const cases: [() => unknown, string, typeof TypeError | typeof RangeError][] = [
    [
      () => functionChart([]),
      "fns must be a non-empty array of functions, got an empty array",
      RangeError,
    ],
    [
      () => functionChart([tanh, { name: "tanh", f: Math.sin }]),
      `fns must have distinct names, got "tanh" twice`,
      RangeError,
    ],
    [
      () => functionChart([{ name: "log", f: Math.log }]),
      `fns[0].f ("log") must return a finite number, got NaN at z = -5`,
      RangeError,
    ],
    [
      () => functionChart([{ name: "inv", f: Math.tanh, df: (z) => 1 / z }], { samples: 3 }),
      `fns[0].df ("inv") must return a finite number, got Infinity at z = 0`,
      RangeError,
    ],
    [
      () => functionChart([tanh, { name: "sin", f: 0.5 } as never]),
      "fns[1].f must be a function, got 0.5",
      TypeError,
    ],
    [
      () => functionChart([{ name: "tanh", f: Math.tanh, df: "1 - f²" } as never]),
      'fns[0].df must be a function, got "1 - f²"',
      TypeError,
    ],
    [
      () => functionChart([tanh], { domain: [5, -5] }),
      "options.domain must satisfy lo < hi, got [5, -5]",
      RangeError,
    ],
    [
      () => functionChart([tanh], { samples: 1 }),
      "options.samples must be an integer >= 2, got 1",
      RangeError,
    ],
    [
      () => functionChart([tanh], { samples: 1e6 }),
      "options.samples must be at most 10000, got 1000000",
      RangeError,
    ],
    [
      () => functionChart([{ name: "a", z: 0, f: 1 }, { name: "a", z: 0, f: 2 }]),
      `fns[1] repeats z = 0 for "a"; each function needs one row per z`,
      RangeError,
    ],
    [
      () => functionChart([{ name: "a", z: 0, f: 1 }, { name: "b", z: 0, f: 2 }]),
      "fns rows must span at least two values of z, got only z = 0",
      RangeError,
    ],
    [
      () => functionChart([{ name: "a", z: 0, f: NaN }]),
      "fns[0].f must be a finite number, got NaN",
      RangeError,
    ],
    [
      () => functionChart([{ name: "a", z: 0, f: 1 }], { domain: [0, 1] }),
      "options.domain and options.samples apply to functions only; precomputed rows bring their own z (leave them undefined)",
      RangeError,
    ],
    [
      () => functionChart([tanh], { facet: "yes" as never }),
      'options.facet must be true or false, got "yes"',
      TypeError,
    ],
    [
      () => functionChart([tanh], { columns: 0 }),
      "options.columns must be a positive integer, got 0",
      RangeError,
    ],
  ];
  for (const [call, message, type] of cases) {
    assert.throws(call, (err: Error) => {
      assert.ok(err instanceof type, `${message}: ${err.name} ${err.message}`);
      assert.equal(err.message, message);
      return true;
    });
  }
});

optionTableTests([{
  name: "functionChart",
  call: (o) => functionChart([{ name: "tanh", f: Math.tanh }], o),
  valid: [
    "domain",
    "samples",
    "facet",
    "columns",
    "independentY",
    "title",
    "subtitle",
    "xTitle",
    "yTitle",
    "width",
    "height",
  ],
  example: [-2, 2],
}], { label: "function chart", sync: true });
