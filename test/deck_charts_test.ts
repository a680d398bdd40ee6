import assert from "node:assert/strict";
import {
  prepareSlideCharts,
  SLIDE_CHART_BOX,
  SLIDE_CHART_FONTS,
  SLIDE_PANEL_FLOOR_PX,
  slideChartSvg,
  smallestFontPx,
} from "../tools/_deck_charts.ts";
import type { Notebook } from "../tools/_notebook.ts";
import { renderWithWarnings } from "../lib/_render.ts";
import { heatmap, imageGrid, type VegaLiteSpec } from "../lib/charts.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Every font size in an SVG, read from its text elements one by one. */
function fontSizes(svg: string): number[] {
  return [...svg.matchAll(/<text\b[^>]*>/g)].map(([tag]) => {
    const m = tag.match(/font-size="([\d.]+)px"/);
    assert.ok(m, `text without a font size: ${tag}`);
    return Number(m[1]);
  });
}

/** A line chart of `width` × `height` px with a small title, axes and a legend. */
function lineChart(width: number, height: number, title = "A line"): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title,
    data: {
      values: [1, 2, 3, 4].flatMap((x) => [
        { x, y: x * x, series: "train" },
        { x, y: 2 * x, series: "dev" },
      ]),
    },
    width,
    height,
    mark: "line",
    encoding: {
      x: { field: "x", type: "quantitative", title: "Epoch" },
      y: { field: "y", type: "quantitative", title: "Loss" },
      color: { field: "series", type: "nominal", title: "Set" },
    },
  };
}

/** The width and height of every item of the first rect mark in an SVG (heat map cells). */
function rectCells(svg: string): { w: number; h: number }[] {
  const start = svg.indexOf('<g class="mark-rect role-mark');
  assert.ok(start >= 0, "no rect mark");
  const group = svg.slice(start, svg.indexOf("</g>", start));
  return [...group.matchAll(/<path [^>]*d="M[-\d.]+,[-\d.]+h([\d.]+)v([\d.]+)h/g)].map((m) => ({
    w: Number(m[1]),
    h: Number(m[2]),
  }));
}

Deno.test("slideChartSvg() raises every font, set in the spec or not, to the slide minimum", async () => {
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: { text: "Small fonts", subtitle: "everywhere", fontSize: 10, subtitleFontSize: 8 },
    data: { values: [{ k: "a", v: 1 }, { k: "b", v: 2 }] },
    width: 300,
    height: 200,
    layer: [
      {
        mark: "bar",
        encoding: {
          x: { field: "k", type: "nominal", axis: { labelFontSize: 7, titleFontSize: 8 } },
          y: { field: "v", type: "quantitative" },
          color: { field: "k", type: "nominal", legend: { labelFontSize: 6 } },
        },
      },
      {
        mark: { type: "text", fontSize: 9, dy: -8 },
        encoding: {
          x: { field: "k", type: "nominal" },
          y: { field: "v", type: "quantitative" },
          text: { field: "v", type: "quantitative" },
        },
      },
    ],
    config: { axis: { labelFontSize: 8 }, legend: { titleFontSize: 9 } },
  };
  const { svg: before } = await renderWithWarnings(spec);
  assert.ok(Math.min(...fontSizes(before)) < 10, "the notebook rendering has small fonts");
  const chart = await slideChartSvg(spec, SLIDE_CHART_BOX);
  const sizes = fontSizes(chart.svg);
  assert.ok(sizes.length >= 10, `expected many texts, got ${sizes.length}`);
  assert.ok(
    sizes.every((s) => s >= SLIDE_CHART_FONTS.min),
    `fonts below ${SLIDE_CHART_FONTS.min}: ${sizes.filter((s) => s < 18).join(", ")}`,
  );
  assert.equal(chart.smallestFontPx, Math.min(...sizes));
  assert.deepEqual(chart.warnings, []);
  // The input is not touched.
  assert.equal((spec.title as { fontSize: number }).fontSize, 10);
});

Deno.test("slideChartSvg() makes a single view as wide as the box and no taller", async () => {
  const box = { width: 900, height: 500 };
  const chart = await slideChartSvg(lineChart(400, 150), box);
  assert.ok(chart.fits);
  assert.ok(chart.width <= box.width && chart.width >= box.width - 4, `width ${chart.width}`);
  assert.ok(chart.height <= box.height, `height ${chart.height}`);
  assert.ok(chart.scale > 1.5, `panels grew by ${chart.scale}`);
  assert.match(chart.svg, new RegExp(`^<svg[^>]* width="${chart.width}`));
  assert.deepEqual(chart.warnings, []);
});

Deno.test("slideChartSvg() fits three panels in a row across the box width", async () => {
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: "Three panels",
    hconcat: ["a", "b", "c"].map((name) => ({ ...lineChart(200, 150, name), $schema: undefined })),
  };
  for (const panel of spec.hconcat as Record<string, unknown>[]) delete panel.$schema;
  const chart = await slideChartSvg(spec, SLIDE_CHART_BOX);
  assert.ok(chart.fits);
  assert.ok(chart.width >= SLIDE_CHART_BOX.width - 4 && chart.width <= SLIDE_CHART_BOX.width);
  assert.ok(chart.height <= SLIDE_CHART_BOX.height);
  // Three frames of equal width, each wider than the original 200 px.
  const frames = [
    ...chart.svg.matchAll(
      /<path class="background"[^>]*d="M0\.5,0\.5h([\d.]+)v[\d.]+h[^"]*" stroke=/g,
    ),
  ].map((m) => Number(m[1]));
  assert.equal(frames.length, 3);
  assert.ok(frames.every((w) => Math.abs(w - frames[0]) < 0.2 && w > 250), `${frames}`);
  assert.deepEqual(chart.warnings, []);
});

Deno.test("slideChartSvg() limits a tall chart by the box height", async () => {
  const chart = await slideChartSvg(lineChart(200, 600), SLIDE_CHART_BOX);
  assert.ok(chart.fits);
  assert.ok(
    chart.height <= SLIDE_CHART_BOX.height && chart.height >= SLIDE_CHART_BOX.height - 4,
    `height ${chart.height}`,
  );
  assert.ok(chart.width < SLIDE_CHART_BOX.width / 2, `width ${chart.width}`);
  assert.ok(chart.scale < 1);
});

Deno.test("slideChartSvg() shrinks a chart larger than the box", async () => {
  const chart = await slideChartSvg(lineChart(2000, 700), SLIDE_CHART_BOX);
  assert.ok(chart.fits);
  assert.ok(chart.width <= SLIDE_CHART_BOX.width && chart.width >= SLIDE_CHART_BOX.width - 4);
  assert.ok(chart.height <= SLIDE_CHART_BOX.height);
  assert.ok(chart.scale < 0.6, `scale ${chart.scale}`);
});

Deno.test("slideChartSvg() keeps heat map cells square", async () => {
  const rows = [];
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 8; j++) rows.push({ a: `a${i}`, b: `b${j}`, v: i * 8 + j });
  }
  const spec = heatmap(rows, { x: "a", y: "b", value: "v" });
  const { svg: before } = await renderWithWarnings(spec);
  const chart = await slideChartSvg(spec, SLIDE_CHART_BOX);
  const cells = rectCells(chart.svg);
  assert.equal(cells.length, 64);
  const original = rectCells(before)[0];
  assert.ok(cells[0].w > original.w * 1.05, `cells grew: ${original.w} → ${cells[0].w}`);
  for (const c of cells) assert.ok(Math.abs(c.w - c.h) < 0.05, `cell ${c.w} × ${c.h}`);
  assert.ok(chart.fits && chart.height >= SLIDE_CHART_BOX.height - 4);
  assert.deepEqual(chart.warnings, []);
});

/** The `<image>` elements of an SVG: top-left corner and size. */
function svgImages(svg: string) {
  return [...svg.matchAll(/<image\b[^>]*>/g)].map(([tag]) => {
    const [x, y] = tag.match(/translate\(([-\d.]+),([-\d.]+)\)/)!.slice(1).map(Number);
    const w = Number(tag.match(/ width="([\d.]+)"/)![1]);
    return { x, y, w, h: Number(tag.match(/ height="([\d.]+)"/)![1]) };
  });
}

/** The text marks of an SVG whose text matches `pattern`: anchor point and text. */
function svgTexts(svg: string, pattern: RegExp) {
  return [
    ...svg.matchAll(/<text\b[^>]*transform="translate\(([-\d.]+),([-\d.]+)\)"[^>]*>([^<]*)</g),
  ]
    .filter((m) => pattern.test(m[3]))
    .map((m) => ({ x: Number(m[1]), y: Number(m[2]), text: m[3] }));
}

Deno.test("slideChartSvg() scales image grids keeping images square and captions apart", async () => {
  // 3 rows of 3 grow to fill the box; 7 rows of 3 shrink to fit its height.
  for (const count of [9, 21]) {
    const cells = Array.from({ length: count }, (_, i) => ({
      pixels: Array.from({ length: 28 * 28 }, (_, k) => ((k + i) % 5) / 4),
      width: 28,
      height: 28,
      label: `caption number ${i}`,
    }));
    const spec = imageGrid(cells, { columns: 3, title: "Images" });
    const chart = await slideChartSvg(spec, SLIDE_CHART_BOX);
    assert.ok(chart.fits && chart.smallestFontPx >= SLIDE_CHART_FONTS.min);
    assert.ok(chart.height >= SLIDE_CHART_BOX.height - 4, `height ${chart.height}`);
    assert.deepEqual(chart.warnings, []);
    const images = svgImages(chart.svg);
    assert.equal(images.length, count);
    const size = (spec.layer as { mark: { width: number } }[])[0].mark.width;
    for (const im of images) {
      assert.ok(Math.abs(im.w - im.h) < 0.05, `image ${im.w} × ${im.h}`);
      assert.ok(Math.abs(im.w - images[0].w) < 0.05);
    }
    if (count === 9) assert.ok(images[0].w > size * 1.3, `grew: ${size} → ${images[0].w}`);
    else assert.ok(images[0].w < size, `shrank: ${size} → ${images[0].w}`);
    // Captions (18 px, about 0.45 em per character) leave room to each other and to the
    // next row of images, and stay centred under their images.
    const captions = svgTexts(chart.svg, /^caption number/);
    assert.equal(captions.length, count);
    const captionWidth = 0.45 * 18 * `caption number ${count - 1}`.length;
    assert.ok(captions[1].x - captions[0].x >= captionWidth, `${captions[1].x - captions[0].x}`);
    // A caption's baseline plus its descent (a quarter of an em) stays above the next row.
    assert.ok(
      captions[0].y + 0.25 * 18 <= images[3].y,
      `caption baseline ${captions[0].y}, next row ${images[3].y}`,
    );
    for (const [i, c] of captions.entries()) {
      assert.ok(Math.abs(c.x - (images[i].x + images[i].w / 2)) < 0.5, `caption ${i}`);
    }
  }
});

Deno.test("slideChartSvg() reports fits: false for 40 panels in a row", async () => {
  const panel = { ...lineChart(200, 150) } as Record<string, unknown>;
  delete panel.$schema;
  const chart = await slideChartSvg(
    { $schema: SCHEMA, hconcat: Array.from({ length: 40 }, () => structuredClone(panel)) },
    SLIDE_CHART_BOX,
  );
  assert.equal(chart.fits, false);
  assert.ok(chart.width > SLIDE_CHART_BOX.width);
  // Panels stop shrinking at the floor.
  const frames = [
    ...chart.svg.matchAll(
      /<path class="background"[^>]*d="M0\.5,0\.5h([\d.]+)v([\d.]+)h[^"]*" stroke=/g,
    ),
  ].map((m) => ({ w: Number(m[1]), h: Number(m[2]) }));
  assert.equal(frames.length, 40);
  for (const { w, h } of frames) {
    assert.ok(w >= SLIDE_PANEL_FLOOR_PX - 0.5 && h >= SLIDE_PANEL_FLOOR_PX - 0.5, `${w} × ${h}`);
  }
  assert.ok(Math.min(...frames.map((f) => f.h)) < SLIDE_PANEL_FLOOR_PX + 1, "at the floor");
});

Deno.test("slideChartSvg() sizes a container-wide chart to the box", async () => {
  const spec = { ...lineChart(300, 200), width: "container" };
  const chart = await slideChartSvg(spec, SLIDE_CHART_BOX);
  assert.ok(chart.fits);
  // The panel takes the box's proportions: the chart (with its axes) is nearly as wide.
  assert.ok(chart.width >= 0.9 * SLIDE_CHART_BOX.width, `width ${chart.width}`);
  assert.ok(chart.height >= SLIDE_CHART_BOX.height - 4, `height ${chart.height}`);
  assert.deepEqual(chart.warnings, []);
});

Deno.test("slideChartSvg() rejects a box without a positive size", async () => {
  await assert.rejects(
    () => slideChartSvg(lineChart(100, 100), { width: 0, height: 100 }),
    { name: "RangeError", message: "box.width must be a positive finite number of px, got 0" },
  );
});

Deno.test("smallestFontPx() reads attributes and styles", () => {
  assert.equal(
    smallestFontPx('<text font-size="21px">a</text><text style="font-size: 19.5px">'),
    19.5,
  );
  assert.equal(smallestFontPx("<svg></svg>"), Infinity);
});

Deno.test("prepareSlideCharts() replaces only Vega-Lite SVGs and leaves tables and others", async () => {
  const chartSpec = lineChart(300, 200);
  const tableSpec = { ...lineChart(300, 200, "A table"), usermeta: { table: { columns: 2 } } };
  const nb: Notebook = {
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
    cells: [
      { cell_type: "markdown", source: "# Title", metadata: {} },
      {
        cell_type: "code",
        source: "await lib.show(spec)",
        metadata: {},
        outputs: [
          { output_type: "stream", name: "stdout", text: ["hello\n"] },
          {
            output_type: "display_data",
            data: {
              "application/vnd.vegalite.v5+json": chartSpec,
              "image/svg+xml": "<svg>old</svg>",
              "text/plain": "Chart: A line",
            },
            metadata: {},
          },
          {
            output_type: "display_data",
            data: {
              "application/vnd.vegalite.v5+json": tableSpec,
              "image/svg+xml": "<svg>table</svg>",
              "text/plain": "Chart: A table",
            },
            metadata: {},
          },
          { output_type: "display_data", data: { "image/png": "iVBORw0KGgo=" }, metadata: {} },
        ],
      },
    ],
  };
  const before = structuredClone(nb);
  const { notebook, charts, unfit } = await prepareSlideCharts(nb);
  assert.deepEqual(nb, before, "the input notebook is not modified");
  assert.equal(charts, 1);
  assert.deepEqual(unfit, []);
  const outs = notebook.cells[1].outputs!;
  const svg = outs[1].data!["image/svg+xml"] as string;
  assert.ok(svg.startsWith("<svg") && svg !== "<svg>old</svg>");
  assert.ok(smallestFontPx(svg) >= SLIDE_CHART_FONTS.min);
  assert.deepEqual(outs[1].data!["application/vnd.vegalite.v5+json"], chartSpec);
  assert.equal(outs[1].data!["text/plain"], "Chart: A line");
  assert.deepEqual(outs[0], before.cells[1].outputs![0]);
  assert.deepEqual(outs[2], before.cells[1].outputs![2]);
  assert.deepEqual(outs[3], before.cells[1].outputs![3]);
  assert.deepEqual(notebook.cells[0], before.cells[0]);
});

Deno.test("prepareSlideCharts() lists the charts that cannot fit", async () => {
  const panel = { ...lineChart(200, 150) } as Record<string, unknown>;
  delete panel.$schema;
  const wide = {
    $schema: SCHEMA,
    title: "Forty panels",
    hconcat: Array.from({ length: 40 }, () => structuredClone(panel)),
  };
  const nb: Notebook = {
    metadata: {},
    cells: [{
      cell_type: "code",
      source: "",
      metadata: {},
      outputs: [{
        output_type: "display_data",
        data: { "application/vnd.vegalite.v5+json": wide, "image/svg+xml": "<svg/>" },
      }],
    }],
  };
  const { charts, unfit } = await prepareSlideCharts(nb, { width: 1192, height: 560 });
  assert.equal(charts, 1);
  assert.deepEqual(unfit, ["cell 1: Forty panels"]);
});

Deno.test("slideChartSvg() leaves lib's own renderings as they were, even when calls overlap", async () => {
  const spec = lineChart(300, 200, "A title long enough for the text measure to matter");
  const { svg: before } = await renderWithWarnings(spec);
  const charts = await Promise.all([
    slideChartSvg(spec, SLIDE_CHART_BOX),
    slideChartSvg(lineChart(500, 100), { width: 800, height: 400 }),
  ]);
  assert.ok(charts.every((c) => c.fits));
  const { svg: after } = await renderWithWarnings(spec);
  assert.equal(after, before);
});

Deno.test("slideChartSvg() fills the box when a legend taller than the plot bends the layout", async () => {
  // 22 legend entries at 18 px stand taller than the plot until the plot grows past them.
  const values = Array.from({ length: 22 }, (_, i) => ({ x: i, y: i * i, s: `series ${i}` }));
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    data: { values },
    width: 240,
    height: 200,
    mark: "point",
    encoding: {
      x: { field: "x", type: "quantitative" },
      y: { field: "y", type: "quantitative" },
      color: { field: "s", type: "nominal" },
    },
  };
  const chart = await slideChartSvg(spec, SLIDE_CHART_BOX);
  assert.ok(chart.fits);
  assert.ok(
    chart.width >= SLIDE_CHART_BOX.width - 2 || chart.height >= SLIDE_CHART_BOX.height - 2,
    `${chart.width} × ${chart.height}`,
  );
});
