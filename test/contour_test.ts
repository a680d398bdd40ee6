import assert from "node:assert/strict";
import { assertFreshAndPure, markGroups, renderClean, SCHEMA_V5 } from "./_chart_helpers.ts";
import { contourChart, type ContourGrid } from "../lib/charts.ts";
import { contourGrid, ravine, rosenbrock, type StepFunction, trajectory } from "../lib/surfaces.ts";

type Layer = Record<string, unknown> & { name?: string; layer?: Layer[] };

/** Every layer of a spec, nested layers included, by name. */
function layers(spec: Record<string, unknown>): Map<string, Layer> {
  const out = new Map<string, Layer>();
  const walk = (ls: Layer[]) => {
    for (const l of ls) {
      if (l.name) out.set(l.name, l);
      if (l.layer) walk(l.layer);
    }
  };
  walk(spec.layer as Layer[]);
  return out;
}

function valuesOf(layer: Layer): Record<string, number | string | boolean>[] {
  return (layer.data as { values: Record<string, number | string | boolean>[] }).values;
}

function gd(alpha: number): StepFunction {
  return (p, g) => [p[0] - alpha * g[0], p[1] - alpha * g[1]];
}

function momentum(alpha: number, mu: number): StepFunction {
  const v = [0, 0];
  return (p, g) =>
    p.map((w, i) => {
      v[i] = mu * v[i] + g[i];
      return w - alpha * v[i];
    });
}

const RAVINE = ravine();
const RAVINE_GRID = contourGrid(RAVINE, { resolution: 41 });
const PATHS = [
  { name: "gradient descent", points: trajectory(RAVINE, gd(0.035), { steps: 40 }) },
  { name: "momentum", points: trajectory(RAVINE, momentum(0.01, 0.9), { steps: 40 }) },
];

/** A grid whose value is its x coordinate, so each contour is the vertical line x = level. */
function xGrid(n: number): ContourGrid {
  const xs = Array.from({ length: n }, (_, i) => i / (n - 1));
  return { xs, ys: [...xs], values: xs.map(() => [...xs]) };
}

Deno.test("contourChart() draws the surface, its contours, each path and the minimum", async () => {
  const spec = contourChart(RAVINE_GRID, { trajectories: PATHS, title: "Ravine" });
  assert.equal(spec.$schema, SCHEMA_V5);
  const byName = layers(spec);
  assert.deepEqual([...byName.keys()], ["surface", "contours", "paths", "path_points", "minimum"]);
  const cells = valuesOf(byName.get("surface")!);
  assert.equal(cells.length, 41 * 41);
  // both path layers read one named data set: a row per point, its run and step
  const paths = (spec.datasets as Record<string, Record<string, unknown>[]>).paths;
  assert.equal(paths.length, 2 * 41);
  assert.deepEqual(Object.keys(paths[0]).sort(), ["end", "loss", "name", "step", "x", "y"]);
  assert.equal(paths.filter((p) => p.end).length, 2);
  assert.deepEqual(valuesOf(byName.get("minimum")!), [{ x: 0, y: 0 }]);
  const svg = await renderClean(spec);
  // one line per path, one point per step, and the title
  assert.equal(markGroups(svg, "line", "paths").length, 2);
  assert.equal(markGroups(svg, "symbol", "path_points").flat().length, 2 * 41);
  assert.ok(svg.includes(">Ravine</text>"));
  assert.ok(svg.includes(">gradient descent</text>") && svg.includes(">momentum</text>"));
  assert.equal(markGroups(svg, "rect", "surface").flat().length, 41 * 41);
  assert.ok(markGroups(svg, "rule", "contours").flat().length > 100);
});

Deno.test("contourChart() puts contour lines at even levels, or even in log(1 + f) on a log scale", () => {
  const grid = xGrid(11);
  const linear = contourChart(grid, { levels: 4 });
  const segments = valuesOf(layers(linear).get("contours")!);
  const levels = [...new Set(segments.map((s) => s.level))].sort();
  assert.deepEqual(levels, [0.2, 0.4, 0.6, 0.8]);
  for (const s of segments) {
    // the contour of f = x at level c is the line x = c
    assert.ok(Math.abs((s.xa as number) - (s.level as number)) < 1e-9);
    assert.ok(Math.abs((s.xb as number) - (s.level as number)) < 1e-9);
  }
  const logged = contourChart(grid, { levels: 3, logScale: true });
  const logLevels = [...new Set(valuesOf(layers(logged).get("contours")!).map((s) => s.level))]
    .sort() as number[];
  // evenly spaced in log(1 + f) between log(1 + 0) and log(1 + 1)
  const expected = [1, 2, 3].map((k) => Math.expm1((Math.log(2) * k) / 4));
  logLevels.forEach((l, i) =>
    assert.ok(Math.abs(l - expected[i]) < 1e-5, `${l} vs ${expected[i]}`)
  );
  const color =
    (layers(logged).get("surface")!.encoding as Record<string, { scale: object }>).color;
  assert.deepEqual((color.scale as { type: string }).type, "symlog");
  const given = contourChart(grid, { levels: [0.25, 0.75] });
  assert.deepEqual(
    [...new Set(valuesOf(layers(given).get("contours")!).map((s) => s.level))].sort(),
    [0.25, 0.75],
  );
});

Deno.test("contourChart() on Rosenbrock's valley uses the grid's log scale and renders cleanly", async () => {
  const surface = rosenbrock();
  const grid = contourGrid(surface, { resolution: 31 });
  const spec = contourChart(grid, {
    trajectories: [{ name: "gd", points: trajectory(surface, gd(0.001), { steps: 200 }) }],
    points: false,
  });
  const byName = layers(spec);
  assert.equal(byName.has("path_points"), false);
  const x = (byName.get("surface")!.encoding as Record<string, { scale: { domain: number[] } }>).x;
  assert.deepEqual(x.scale.domain, [-2, 2]);
  const svg = await renderClean(spec);
  assert.equal(markGroups(svg, "line", "paths").length, 1);
});

Deno.test("contourChart() without trajectories draws the surface alone; the height follows the aspect", async () => {
  const spec = contourChart(xGrid(5), { width: 300 });
  assert.deepEqual([...layers(spec).keys()], ["surface", "contours"]);
  assert.equal(spec.width, 300);
  assert.equal(spec.height, 300);
  const wide = contourChart(RAVINE_GRID, { width: 400 });
  assert.equal(wide.height, 200);
  await renderClean(spec);
});

Deno.test("contourChart() is pure and returns a fresh spec", () => {
  assertFreshAndPure(() => contourChart(RAVINE_GRID, { trajectories: PATHS }), {
    grid: RAVINE_GRID,
    paths: PATHS,
  });
});

Deno.test("contourChart() rejects bad grids, paths and options, saying what is allowed", () => {
  const grid = xGrid(3);
  const cases: [() => unknown, RegExp, typeof TypeError | typeof RangeError][] = [
    [
      () => contourChart({ ...grid, values: [[0, 1]] }),
      /^grid.values must have 3 rows \(one per y\), got 1$/,
      RangeError,
    ],
    [
      () => contourChart({ ...grid, values: [[0, 1, 2], [0, 1], [0, 1, 2]] }),
      /^grid.values\[1\] must have 3 values \(one per x\), got 2$/,
      RangeError,
    ],
    [
      () => contourChart({ ...grid, xs: [0, 0.5, 0.4] }),
      /^grid.xs must be ascending, got 0.4 after 0.5$/,
      RangeError,
    ],
    [
      () => contourChart({ ...grid, values: [[0, 1, 2], [0, NaN, 2], [0, 1, 2]] }),
      /^grid.values\[1\]\[1\] must be a finite number, got NaN$/,
      RangeError,
    ],
    [
      () => contourChart(grid, { levels: 0 }),
      /^options.levels must be a positive integer, got 0$/,
      RangeError,
    ],
    [
      () => contourChart(grid, { levels: [] }),
      /^options.levels must be a non-empty array of levels, got an empty array$/,
      RangeError,
    ],
    [
      () => contourChart(grid, { logScale: "yes" as never }),
      /^options.logScale must be true or false, got "yes"$/,
      TypeError,
    ],
    [
      () => contourChart(grid, { trajectory: [] } as never),
      /^options has no setting "trajectory"; the settings are trajectories,/,
      TypeError,
    ],
    [
      () => contourChart(grid, { trajectories: [{ name: "a", points: [{ x: 0, y: Infinity }] }] }),
      /^options.trajectories\[0\].points\[0\].y must be a finite number, got Infinity$/,
      RangeError,
    ],
    [
      () =>
        contourChart(grid, {
          trajectories: [{ name: "a", points: [] }, { name: "a", points: [{ x: 0, y: 0 }] }],
        }),
      /^options.trajectories must have distinct names, got "a" twice$/,
      RangeError,
    ],
    [
      () => contourChart(grid, { trajectories: [{ points: [] }] as never }),
      /^options.trajectories\[0\].name must be a non-empty string, got undefined$/,
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
