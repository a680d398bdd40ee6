/** decisionBoundary() and scatter(): the two charts of labelled 2-D points. */
import assert from "node:assert/strict";
import { assertFreshAndPure, grid, markGroups, renderClean, SCHEMA_V5 } from "./_chart_helpers.ts";
import { decisionBoundary, scatter } from "../lib/charts.ts";
import { contourSegments, gridInfo } from "../lib/charts/_grid.ts";
import { makeRng } from "../lib/random.ts";

/** `n` seeded random points in [-1, 2] × [-1, 1], labelled 0 and 1 in turn. */
function labeledPoints(n: number, seed: number) {
  const rng = makeRng(seed);
  return Array.from({ length: n }, (_, i) => ({
    x1: -1 + 3 * rng.next(),
    x2: -1 + 2 * rng.next(),
    label: i % 2,
  }));
}

/** Whether a colour (#rrggbb or rgb(r, g, b)) has more blue than red. */
function bluish(color: string): boolean {
  const hex = color.match(/^#(..)(..)(..)$/);
  const [r, , b] = hex
    ? hex.slice(1).map((h) => parseInt(h, 16))
    : color.match(/\d+/g)!.map(Number);
  return b > r;
}

Deno.test("decisionBoundary()", async (t) => {
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const models = [
    (a: number, _b: number) => sigmoid(4 * (a - 0.5)),
    (a: number, b: number) => sigmoid(-6 * (b - 0.3 * Math.sin(3 * a))),
    (a: number, b: number) => sigmoid(-10 * (b - 0.4 * Math.sin(4 * a))),
  ];

  await t.step("draws one panel per model: heat map cells, contour and points", async () => {
    const res = 12;
    const points = labeledPoints(40, 1);
    const panels = models.map((f, k) => ({ title: `model ${k}`, grid: grid(f, res), points }));
    const spec = decisionBoundary(panels, { title: "Three models" });
    assert.equal((spec.concat as unknown[]).length, 3);
    assert.equal(spec.columns, 3);
    const svg = await renderClean(spec);
    for (let k = 0; k < models.length; k++) {
      const cells = markGroups(svg, "rect", `heatmap_${k}`);
      assert.equal(cells.length, 1);
      assert.equal(cells[0].length, res * res);
      assert.equal(markGroups(svg, "symbol", `points_${k}`)[0].length, points.length);
      assert.ok(markGroups(svg, "rule", `contour_${k}`)[0].length > 0);
      assert.ok(svg.includes(`>model ${k}</text>`));
    }
    assert.ok(svg.includes(">Three models</text>"));
  });

  await t.step("shares one data set among panels with the same points", () => {
    const points = labeledPoints(10, 2);
    const spec = decisionBoundary(models.map((f) => ({ title: "m", grid: grid(f, 5), points })));
    const datasets = spec.datasets as Record<string, unknown[]>;
    assert.deepEqual(Object.keys(datasets), ["points_0"]);
    assert.equal(datasets.points_0.length, points.length);
  });

  await t.step(
    "maps p onto a diverging scale centred on 0.5, cells exactly tiling the grid",
    () => {
      const res = 9, box = [-1.5, 2.5, -1, 1.5];
      const spec = decisionBoundary([{ title: "m", grid: grid(models[0], res, box) }]);
      const layer = (spec.concat as { layer: Record<string, unknown>[] }[])[0].layer[0];
      const enc = layer.encoding as Record<
        string,
        { field?: string; scale?: { domain: number[] } }
      >;
      assert.equal(enc.color.field, "p");
      assert.deepEqual(enc.color.scale!.domain, [0, 0.5, 1]);
      // Cells are centred on the grid points, so the axes reach half a step beyond them.
      const hx = (box[1] - box[0]) / (res - 1) / 2, hy = (box[3] - box[2]) / (res - 1) / 2;
      const dx = enc.x.scale!.domain, dy = enc.y.scale!.domain;
      assert.ok(Math.abs(dx[0] - (box[0] - hx)) < 1e-5 && Math.abs(dx[1] - (box[1] + hx)) < 1e-5);
      assert.ok(Math.abs(dy[0] - (box[2] - hy)) < 1e-5 && Math.abs(dy[1] - (box[3] + hy)) < 1e-5);
    },
  );

  await t.step("traces the p = 0.5 contour of a linear field along its line", () => {
    // p = 0.5 + 0.15 (x1 − 2 x2) is linear, so interpolation on the cell edges is exact and
    // every contour point lies on the line x1 = 2 x2.
    const res = 15, box = [-1, 1, -1, 1];
    const info = gridInfo(grid((a, b) => 0.5 + 0.15 * (a - 2 * b), res, box), "grid");
    const segments = contourSegments(info);
    assert.ok(segments.length >= res - 1);
    let length = 0;
    for (const s of segments) {
      assert.ok(Math.abs(s.xa - 2 * s.ya) < 1e-5 && Math.abs(s.xb - 2 * s.yb) < 1e-5);
      length += Math.hypot(s.xb - s.xa, s.yb - s.ya);
    }
    // Inside [-1, 1]², the line x1 = 2 x2 runs from (-1, -0.5) to (1, 0.5).
    assert.ok(Math.abs(length - Math.hypot(2, 1)) < 1e-4, `contour length ${length}`);
  });

  await t.step("draws no contour where p never crosses 0.5", () => {
    const info = gridInfo(grid(() => 0.9, 6), "grid");
    assert.deepEqual(contourSegments(info), []);
    const spec = decisionBoundary([{ title: "m", grid: grid(() => 0.9, 6) }]);
    const names = (spec.concat as { layer: { name: string }[] }[])[0].layer.map((l) => l.name);
    assert.deepEqual(names, ["heatmap_0"]);
  });

  await t.step("takes the points as a data set with class names", async () => {
    // Names out of alphabetical order: colours must follow the class index, not the name.
    const ds = { X: [[0, 0], [1, 0.5], [2, 1]], y: [0, 1, 1], classNames: ["upper", "lower"] };
    const spec = decisionBoundary([{ title: "m", grid: grid(models[0], 6), points: ds }]);
    const points = (spec.datasets as Record<string, { label: unknown }[]>).points_0;
    assert.deepEqual(points.map((p) => p.label), ["upper", "lower", "lower"]);
    const layers = (spec.concat as { layer: { encoding: Record<string, unknown> }[] }[])[0].layer;
    const fill = layers[layers.length - 1].encoding.fill as { scale: { domain: string[] } };
    assert.deepEqual(fill.scale.domain, ["upper", "lower"]);
    const svg = await renderClean(spec);
    assert.ok(svg.includes(">upper</text>") && svg.includes(">lower</text>"));
    // The class-0 point is drawn in the colour of the p = 0 end, the class-1 points in the other.
    const fills = markGroups(svg, "symbol", "points_0")[0].map((i) =>
      i.match(/fill="([^"]+)"/)![1]
    );
    assert.equal(new Set(fills).size, 2);
    assert.equal(fills[1], fills[2]);
    const heat = markGroups(svg, "rect", "heatmap_0")[0];
    const lowP = heat[0].match(/fill="([^"]+)"/)![1]; // the cell at the smallest x1, p near 0
    assert.ok(bluish(fills[0]) && bluish(lowP) && !bluish(fills[1]));
  });

  await t.step("colours cells by the predicted class for a multiclass grid", async () => {
    // Three classes by angle around the origin, thirds of the circle.
    const classOf = (a: number, b: number) =>
      Math.floor(((Math.atan2(b, a) + Math.PI) / (2 * Math.PI)) * 3) % 3;
    const g = grid((a, b) => 0.5 + 0.1 * classOf(a, b), 10, [-1, 1, -1, 1])
      .map((pt) => ({ ...pt, label: classOf(pt.x1, pt.x2) }));
    const pts = [[-0.9, -0.1], [0.5, -0.6], [0.5, 0.6]].map(([x1, x2]) => ({
      x1,
      x2,
      label: classOf(x1, x2),
    }));
    const spec = decisionBoundary([{ title: "three classes", grid: g, points: pts }]);
    const layers =
      (spec.concat as { layer: { name: string; encoding: Record<string, unknown> }[] }[])[0]
        .layer;
    assert.deepEqual(layers.map((l) => l.name), ["heatmap_0", "points_0"], "no p = 0.5 contour");
    const color = layers[0].encoding.color as { field: string; scale: { domain: number[] } };
    assert.equal(color.field, "label");
    assert.deepEqual(color.scale.domain, [0, 1, 2]);
    const svg = await renderClean(spec);
    const cells = markGroups(svg, "rect", "heatmap_0")[0];
    assert.equal(cells.length, g.length);
    const rgb = (item: string) => {
      const hex = item.match(/fill="#(..)(..)(..)"/)!;
      return hex.slice(1).map((h) => parseInt(h, 16));
    };
    const dots = markGroups(svg, "symbol", "points_0")[0];
    // Cells are drawn row by row: x2 ascending outside, x1 ascending inside.
    const axis = [...new Set(g.map((c) => c.x1))].sort((a, b) => a - b);
    const cellClasses = axis.flatMap((b) => axis.map((a) => classOf(a, b)));
    // Each point's class shows in its cells as a lighter shade of the point's colour.
    pts.forEach((pt, n) => {
      const dark = rgb(dots[n]);
      const k = cellClasses.indexOf(pt.label);
      const light = rgb(cells[k]);
      light.forEach((v, ch) => assert.ok(v > dark[ch] && v <= 255, `class ${pt.label}`));
    });
    assert.equal(new Set(cells.map((c) => c.match(/fill="([^"]+)"/)![1])).size, 3);
  });

  await t.step("returns a fresh spec and does not touch its input", () => {
    const panels = [{ title: "a", grid: grid(models[1], 6), points: labeledPoints(5, 3) }];
    assertFreshAndPure(() => decisionBoundary(panels), panels);
  });

  await t.step("rejects bad input with a message naming parameter, value and rule", () => {
    const g = grid(models[0], 4);
    assert.throws(() => decisionBoundary([]), {
      name: "RangeError",
      message: /^panels must be a non-empty array .*got an empty array$/,
    });
    assert.throws(
      () => decisionBoundary([{ title: "a", grid: g }, { title: "b", grid: g.slice(1) }]),
      {
        name: "RangeError",
        message:
          /^panels\[1\]\.grid must be a full regular grid .*got 15 points for 4 x1 values × 4 x2 values$/,
      },
    );
    const bad = g.map((p) => ({ ...p }));
    bad[3].p = 1.5;
    assert.throws(() => decisionBoundary([{ title: "a", grid: bad }]), {
      name: "RangeError",
      message: "panels[0].grid[3].p must be a probability in [0, 1], got 1.5",
    });
    const ds = { X: [[0, 0], [1, 1], [2, 2]], y: [0, 1] };
    assert.throws(() => decisionBoundary([{ title: "a", grid: g, points: ds }]), {
      name: "RangeError",
      message: "panels[0].points.y must have one label per row of panels[0].points.X (3), got 2",
    });
    assert.throws(() => decisionBoundary([{ title: "a", grid: g }], { columns: 0 }), {
      name: "RangeError",
      message: "options.columns must be a positive integer, got 0",
    });
    assert.throws(() => decisionBoundary([{ title: "a", grid: g }], { colorBy: "class" }), {
      name: "RangeError",
      message: 'options.colorBy "class" needs grid points with a label, got none in panels[0].grid',
    });
    const half = g.map((p, k) => (k % 2 ? { ...p, label: 1 } : p));
    assert.throws(() => decisionBoundary([{ title: "a", grid: half }]), {
      name: "TypeError",
      message: "panels[0].grid must give a label to every point or to none, got 8 of 16",
    });
    const uneven = grid(models[0], 3).map((p) => ({ ...p, x1: p.x1 === 2 ? 3 : p.x1 }));
    assert.throws(() => decisionBoundary([{ title: "a", grid: uneven }]), {
      name: "RangeError",
      message: /^panels\[0\]\.grid must be evenly spaced in x1/,
    });
  });
});

Deno.test("scatter() draws one point per row, coloured in class order", async () => {
  const points = [
    { x1: 0, x2: 1, label: 1 },
    { x1: 1, x2: 0, label: 0 },
    { x1: 2, x2: 2, label: 1 },
  ];
  const before = JSON.stringify(points);
  const spec = scatter(points, { title: "Three points" });
  assert.equal(spec.$schema, SCHEMA_V5);
  assert.equal(JSON.stringify(points), before);
  const color = (spec.encoding as Record<string, { scale: { domain: unknown[] } }>).color;
  assert.deepEqual(color.scale.domain, [0, 1]);
  const svg = await renderClean(spec);
  const start = svg.indexOf('<g class="mark-symbol role-mark marks"');
  assert.ok(start >= 0, "no point mark in the SVG");
  const group = svg.slice(start);
  const items = group.slice(0, group.indexOf("</g>")).match(/<path\b[^>]*>/g) ?? [];
  assert.equal(items.length, 3);
  // class 1 red, class 0 blue, matching decisionBoundary's colours
  assert.match(items[0], /fill="#a50f15"/);
  assert.match(items[1], /fill="#174a8b"/);
  assert.notEqual(scatter(points), scatter(points));
  assert.throws(() => scatter([]), {
    name: "RangeError",
    message: /^points must/,
  });
});
