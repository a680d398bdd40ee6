import assert from "node:assert/strict";
import { renderClean } from "./_chart_helpers.ts";
import pl from "nodejs-polars";
import { heatmap, metricBars } from "../lib/charts.ts";

/** The `<path>` items of the heat map's cell mark. */
function cellPaths(svg: string): string[] {
  const open = '<g class="mark-rect role-mark cells_marks"';
  const at = svg.indexOf(open);
  assert.ok(at >= 0, "no cell mark in the SVG");
  const end = svg.indexOf("</g>", at);
  return svg.slice(at, end).match(/<path\b[^>]*>/g) ?? [];
}

/** Top-left corner of a cell path `d="Mx,yh…"`. */
function corner(path: string): [number, number] {
  const m = path.match(/ d="M([-\d.]+),([-\d.]+)h/);
  assert.ok(m, `no position in ${path}`);
  return [Number(m[1]), Number(m[2])];
}

/** Relative luminance-like brightness of an `rgb(r, g, b)` or `#rrggbb` fill. */
function brightness(path: string): number {
  const rgb = path.match(/fill="rgb\((\d+), (\d+), (\d+)\)"/);
  const hex = path.match(/fill="#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})"/i);
  const [r, g, b] = rgb ? rgb.slice(1).map(Number) : hex!.slice(1).map((h) => parseInt(h, 16));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const L1S = [0, 0.001, 0.01, 0.1];
const L2S = [0, 0.01, 0.1];
/** A 4 × 3 grid whose value grows with both settings, listed in a shuffled order. */
const ROWS = L2S.flatMap((l2) => L1S.map((l1) => ({ l1, l2, sparsity: l1 * 5 + l2 })))
  .sort((a, b) => (a.l1 * 7 + a.l2 * 13) % 1 - (b.l1 * 7 + b.l2 * 13) % 1);

Deno.test("heatmap()", async (t) => {
  await t.step(
    "draws one cell per row, settings ascending left to right and bottom to top",
    async () => {
      const spec = heatmap(ROWS, { x: "l1", y: "l2", value: "sparsity", title: "Sparsity" });
      const svg = await renderClean(spec);
      const cells = cellPaths(svg);
      assert.equal(cells.length, ROWS.length);
      const cellAt = new Map<string, string>();
      for (const c of cells) {
        const m = c.match(/aria-label="l1: ([^;]+); l2: ([^;]+); sparsity/);
        assert.ok(m);
        cellAt.set(`${Number(m[1])},${Number(m[2])}`, c);
      }
      // x grows with λ₁, and y (screen coordinates, downwards) shrinks as λ₂ grows
      for (const l2 of L2S) {
        const xs = L1S.map((l1) => corner(cellAt.get(`${l1},${l2}`)!)[0]);
        xs.forEach((x, i) => i > 0 && assert.ok(x > xs[i - 1], `x order ${xs}`));
      }
      for (const l1 of L1S) {
        const ys = L2S.map((l2) => corner(cellAt.get(`${l1},${l2}`)!)[1]);
        ys.forEach((y, i) => i > 0 && assert.ok(y < ys[i - 1], `y order ${ys}`));
      }
      // viridis runs from dark to bright: the largest value has the brightest cell
      const largest = cellAt.get("0.1,0.1")!, smallest = cellAt.get("0,0")!;
      assert.ok(brightness(largest) > brightness(smallest) + 100);
      // every value is written in its cell
      // (the chart keeps 6 significant digits, then formats with ".2f")
      for (const r of ROWS) {
        const label = Number(r.sparsity.toPrecision(6)).toFixed(2);
        assert.ok(svg.includes(`>${label}</text>`), `no label ${label}`);
      }
      assert.ok(svg.includes(">Sparsity</text>"));
    },
  );

  await t.step("writes light labels on dark cells and dark labels on bright ones", async () => {
    const svg = await renderClean(heatmap(ROWS, { x: "l1", y: "l2", value: "sparsity" }));
    assert.match(svg, /fill="white"[^>]*>0\.00<\/text>/);
    assert.match(svg, /fill="black"[^>]*>0\.60<\/text>/);
  });

  await t.step(
    "leaves a missing pair empty and keeps label order for string settings",
    async () => {
      const rows = [
        { mix: "L2 only", strength: "weak", acc: 0.9 },
        { mix: "elastic", strength: "weak", acc: 0.91 },
        { mix: "L1 only", strength: "strong", acc: 0.8 },
      ];
      const spec = heatmap(rows, { x: "mix", y: "strength", value: "acc", format: "" });
      assert.deepEqual(
        (spec.layer as { encoding: { x: { sort: unknown } } }[])[0].encoding.x.sort,
        [
          "L2 only",
          "elastic",
          "L1 only",
        ],
      );
      assert.equal((spec.layer as unknown[]).length, 1);
      const svg = await renderClean(spec);
      assert.equal(cellPaths(svg).length, 3);
    },
  );

  await t.step("reads a nodejs-polars DataFrame and honours a fixed colour domain", async () => {
    const df = pl.DataFrame({
      a: [1, 2, 1, 2],
      b: [1, 1, 2, 2],
      v: [0.2, 0.4, 0.6, 0.8],
    });
    const spec = heatmap(df, { x: "a", y: "b", value: "v", domain: [0, 1] });
    const layer = (spec.layer as { encoding: { color: { scale: unknown } } }[])[0];
    assert.deepEqual(layer.encoding.color.scale, {
      scheme: "viridis",
      domain: [0, 1],
      clamp: true,
    });
    assert.equal(cellPaths(await renderClean(spec)).length, 4);
  });

  await t.step("turns long x labels by the given angle", async () => {
    const rows = ["mean radius", "mean perimeter"].flatMap((a) =>
      ["mean radius", "mean perimeter"].map((b) => ({ a, b, r: a === b ? 1 : 0.99 }))
    );
    const spec = heatmap(rows, { x: "a", y: "b", value: "r", labelAngle: -40 });
    const layer = (spec.layer as { encoding: { x: { axis: { labelAngle: number } } } }[])[0];
    assert.equal(layer.encoding.x.axis.labelAngle, -40);
    const svg = await renderClean(spec);
    assert.match(svg, /rotate\(320\)/); // vega writes −40° as 320°
    assert.equal(
      (heatmap(rows, { x: "a", y: "b", value: "r" }).layer as typeof layer[])[0].encoding.x.axis
        .labelAngle,
      0,
    );
    assert.throws(() => heatmap(rows, { x: "a", y: "b", value: "r", labelAngle: 120 }), {
      name: "RangeError",
      message: "options.labelAngle must be an angle in degrees in [-90, 90], got 120",
    });
  });

  await t.step("returns a fresh spec and does not touch its input", () => {
    const before = structuredClone(ROWS);
    const a = heatmap(ROWS, { x: "l1", y: "l2", value: "sparsity" });
    const b = heatmap(ROWS, { x: "l1", y: "l2", value: "sparsity" });
    assert.deepEqual(a, b);
    assert.notEqual(a.data, b.data);
    assert.notEqual(a.config, b.config);
    assert.deepEqual(ROWS, before);
  });

  await t.step("rejects bad input with a message naming parameter, value and rule", () => {
    const opts = { x: "l1", y: "l2", value: "sparsity" };
    assert.throws(() => heatmap([], opts), {
      name: "RangeError",
      message: "rows must hold at least one cell, got none",
    });
    assert.throws(() => heatmap(ROWS, { ...opts, value: "acc" }), {
      name: "RangeError",
      message: 'options.value must name a column of rows ("l1", "l2", "sparsity"), got "acc"',
    });
    assert.throws(() => heatmap([...ROWS, { l1: 0, l2: 0, sparsity: 1 }], opts), {
      name: "RangeError",
      message: "rows must hold each (l1, l2) pair once, got (0, 0) twice at rows[12]",
    });
    assert.throws(() => heatmap([{ l1: 0, l2: 0, sparsity: NaN }], opts), {
      name: "RangeError",
      message: "rows[0].sparsity must be a finite number, got NaN",
    });
    assert.throws(() => heatmap([{ l1: null, l2: 0, sparsity: 1 }], opts), {
      name: "TypeError",
      message: "rows[0].l1 must be a finite number or a string, got null",
    });
    assert.throws(() => heatmap(ROWS, { ...opts, domain: [1, 0] }), {
      name: "RangeError",
      message: /^options\.domain must be two increasing finite numbers/,
    });
    assert.throws(
      () => heatmap(ROWS, { y: "l2", value: "sparsity" } as unknown as typeof opts),
      { name: "TypeError", message: "options.x must be a non-empty string, got undefined" },
    );
  });
});

Deno.test("metricBars() turns long model labels by the given angle", async () => {
  const rows = ["mean radius", "worst perimeter"].flatMap((model) => [
    { model, metric: "L1", value: -0.5 },
    { model, metric: "elastic net", value: -0.3 },
  ]);
  const spec = metricBars(rows, { labelAngle: -35, format: "" });
  const layer = (spec.layer as { encoding: { x: { axis: { labelAngle: number } } } }[])[0];
  assert.equal(layer.encoding.x.axis.labelAngle, -35);
  assert.match(await renderClean(spec), /rotate\(325\)/); // −35° as 325°
  const plain = (metricBars(rows).layer as typeof layer[])[0];
  assert.equal(plain.encoding.x.axis.labelAngle, 0);
  assert.throws(() => metricBars(rows, { labelAngle: Number.NaN }), {
    name: "RangeError",
    message: "options.labelAngle must be an angle in degrees in [-90, 90], got NaN",
  });
});
