import assert from "node:assert/strict";
import { assertFreshAndPure, markGroups, renderClean, SCHEMA_V5 } from "./_chart_helpers.ts";
import { decodePng } from "./_png.ts";
import { type ImageCell, imageGrid, type VegaLiteSpec } from "../lib/charts.ts";
import { makeRng } from "../lib/random.ts";
import { optionTableTests } from "./_options_table.ts";

/** A seeded random image with exact 0s and 1s among its values. */
function randomImage(width: number, height: number, seed: number): Float32Array {
  const rng = makeRng(seed);
  return Float32Array.from({ length: width * height }, (_, i) => {
    if (i % 7 === 0) return 0;
    if (i % 11 === 0) return 1;
    return rng.next();
  });
}

/** The PNG bytes of a `data:image/png;base64,` URL. */
function pngBytes(url: string): Uint8Array {
  const prefix = "data:image/png;base64,";
  assert.ok(url.startsWith(prefix), `not a PNG data URL: ${url.slice(0, 40)}`);
  return Uint8Array.from(atob(url.slice(prefix.length)), (c) => c.charCodeAt(0));
}

/** The `<image>` elements of the SVG: href, top-left corner, size and style. */
function svgImages(svg: string) {
  return [...svg.matchAll(/<image\b[^>]*>/g)].map(([tag]) => {
    const attr = (name: string) => tag.match(new RegExp(` ${name}="([^"]*)"`))?.[1];
    const [x, y] = attr("transform")!.match(/translate\(([-\d.]+),([-\d.]+)\)/)!.slice(1)
      .map(Number);
    return {
      href: attr("xlink:href")!,
      x,
      y,
      width: Number(attr("width")),
      height: Number(attr("height")),
      style: attr("style"),
    };
  });
}

/** The text and position of the items of a text mark. */
function svgTexts(svg: string, name: string) {
  const groups = markGroups(svg, "text", name);
  assert.equal(groups.length, 1, `no text mark ${name}`);
  const at = svg.indexOf(`${name}_marks`);
  const body = svg.slice(at, svg.indexOf("</g>", at));
  return [...body.matchAll(/<text\b([^>]*)>([^<]*)<\/text>/g)].map(([, attrs, text]) => {
    const [x, y] = attrs.match(/translate\(([-\d.]+),([-\d.]+)\)/)!.slice(1).map(Number);
    return { text, x, y, fontSize: Number(attrs.match(/font-size="([\d.]+)px"/)![1]) };
  });
}

type Datum = { image: string; [key: string]: unknown };
const dataOf = (spec: VegaLiteSpec) => (spec.data as { values: Datum[] }).values;

const AUGMENTED: ImageCell[] = ["original", "flipped", "rotated ±15°"].flatMap((row, r) =>
  ["T-shirt/top", "Ankle boot", "Bag"].map((label, k) => ({
    pixels: randomImage(28, 28, 10 * r + k + 1),
    width: 28,
    height: 28,
    label,
    row,
  }))
);

Deno.test("imageGrid()", async (t) => {
  await t.step(
    "writes each image as a PNG whose grey levels decode back to its pixels",
    async () => {
      const cells: ImageCell[] = [
        { pixels: randomImage(28, 28, 1), width: 28, height: 28 },
        { pixels: Array.from(randomImage(5, 3, 2)), width: 5, height: 3 },
        { pixels: [0.5], width: 1, height: 1 },
        { pixels: randomImage(3, 9, 3), width: 3, height: 9 },
      ];
      for (const invert of [false, true]) {
        const spec = imageGrid(cells, { invert });
        const data = dataOf(spec);
        assert.equal(data.length, cells.length);
        for (const [i, cell] of cells.entries()) {
          const png = await decodePng(pngBytes(data[i].image));
          assert.equal(png.width, cell.width);
          assert.equal(png.height, cell.height);
          for (let p = 0; p < cell.pixels.length; p++) {
            const [r, g, b, a] = png.rgba.subarray(4 * p, 4 * p + 4);
            assert.ok(r === g && g === b && a === 255, `pixel ${p} is not opaque grey`);
            // 8 bits per pixel: each level is within half a step of v (or of 1 − v inverted)
            const shown = invert ? 1 - r / 255 : r / 255;
            assert.ok(
              Math.abs(shown - cell.pixels[p]) <= 0.5 / 255 + 1e-9,
              `cells[${i}] pixel ${p}: ${cell.pixels[p]} came back as ${shown}`,
            );
          }
        }
        // vega's SVG renderer writes the data URLs as they are, without fetching them
        const svg = await renderClean(spec);
        assert.deepEqual(svgImages(svg).map((img) => img.href), data.map((d) => d.image));
      }
    },
  );

  await t.step("puts named rows in order of first appearance, cells left to right", async () => {
    // shuffled so that rows interleave: the order within a row is the order of the cells
    const order = [4, 0, 8, 3, 1, 6, 7, 2, 5];
    const cells = order.map((i) => AUGMENTED[i]);
    const spec = imageGrid(cells, { title: "Augmentations" });
    const svg = await renderClean(spec);
    const images = svgImages(svg);
    assert.equal(images.length, 9);
    const rowOf = ["flipped", "original", "rotated ±15°"]; // order of first appearance
    const seen = new Map<string, number>();
    for (const [k, cell] of cells.entries()) {
      const col = seen.get(cell.row!) ?? 0;
      seen.set(cell.row!, col + 1);
      const img = images[k];
      assert.equal(img.x, col * 90, `cell ${k} column`);
      assert.equal(img.y, rowOf.indexOf(cell.row!) * 102, `cell ${k} row`);
      assert.equal(img.width, 84);
      assert.equal(img.height, 84);
      assert.equal(img.style, "image-rendering: optimizeSpeed; image-rendering: pixelated;");
    }
    // the row names sit left of their row's middle, captions under each image
    const names = svgTexts(svg, "row_names");
    assert.deepEqual(names.map((n) => n.text), rowOf);
    for (const [r, n] of names.entries()) {
      assert.ok(n.x < 0 && n.fontSize >= 11);
      assert.ok(n.y > r * 102 + 20 && n.y < r * 102 + 64, `row name ${n.text} at y ${n.y}`);
    }
    const captions = svgTexts(svg, "captions");
    assert.deepEqual(captions.map((c) => c.text), cells.map((c) => c.label));
    for (const [k, c] of captions.entries()) {
      assert.equal(c.x, images[k].x + 42);
      assert.ok(c.y > images[k].y + 84 && c.y < images[k].y + 102, `caption ${k} at ${c.y}`);
      assert.ok(c.fontSize >= 11);
    }
    assert.ok(svg.includes(">Augmentations</text>"));
  });

  await t.step("wraps images into columns when no cell names a row", async () => {
    const cells = AUGMENTED.slice(0, 7).map(({ pixels, width, height }) => ({
      pixels,
      width,
      height,
    }));
    const spec = imageGrid(cells, { columns: 3, cellSize: 56 });
    const images = svgImages(await renderClean(spec));
    assert.deepEqual(
      images.map((img) => [img.x, img.y]),
      cells.map((_, i) => [(i % 3) * 62, Math.floor(i / 3) * 62]),
    );
    assert.equal(spec.width, 3 * 62 - 6);
    assert.equal(spec.height, 3 * 62 - 6);
    // no captions and no row names without labels and rows
    assert.deepEqual(
      (spec.layer as { name: string }[]).map((l) => l.name),
      ["images", "frames"],
    );
    // by default up to 8 per row
    const many = imageGrid([...AUGMENTED, ...AUGMENTED].map(({ row: _, ...c }) => c));
    assert.equal(many.width, 8 * 90 - 6);
  });

  await t.step("is this spec, compared as data (image URLs checked above)", () => {
    const cells: ImageCell[] = [
      { pixels: [0, 1, 1, 0], width: 2, height: 2, label: "a", row: "original" },
      { pixels: [1, 0, 0.5, 0.5, 0, 1], width: 3, height: 2, label: "b", row: "flipped" },
    ];
    const spec = imageGrid(cells, { cellSize: 60, title: "Two" });
    const data = dataOf(spec).map(({ image: _, ...rest }) => rest);
    assert.deepEqual(data, [
      { index: 0, row: "original", label: "a", x: 0, y: 0, fx: 0, fy: 0, fx2: 60, fy2: 60 },
      // 3 wide and 2 high: 60 × 40, centred vertically in its 60 px box
      { index: 1, row: "flipped", label: "b", x: 0, y: 78, fx: 0, fy: 88, fx2: 60, fy2: 128 },
    ]);
    const pixel = (field: string) => ({ field, type: "quantitative", scale: null, axis: null });
    const { data: _, config, ...rest } = spec;
    assert.deepEqual(rest, {
      $schema: SCHEMA_V5,
      title: { text: "Two" },
      width: 60,
      height: 78 + 60 + 16,
      layer: [
        {
          name: "images",
          mark: {
            type: "image",
            width: 60,
            height: 60,
            align: "left",
            baseline: "top",
            aspect: true,
            smooth: false,
          },
          encoding: {
            x: pixel("x"),
            y: pixel("y"),
            url: { field: "image", type: "nominal" },
            tooltip: [
              { field: "row", title: "row" },
              { field: "label", title: "label" },
              { field: "index", type: "quantitative", title: "image" },
            ],
          },
        },
        {
          name: "frames",
          mark: { type: "rect", fill: null, stroke: "#b0b0b0", strokeWidth: 1, aria: false },
          encoding: { x: pixel("fx"), y: pixel("fy"), x2: { field: "fx2" }, y2: { field: "fy2" } },
        },
        {
          name: "captions",
          transform: [
            { filter: "isValid(datum.label) && datum.label !== ''" },
            { calculate: "datum.x + 30", as: "cx" },
            { calculate: "datum.y + 63", as: "cy" },
          ],
          mark: { type: "text", align: "center", baseline: "top", fontSize: 12 },
          encoding: { x: pixel("cx"), y: pixel("cy"), text: { field: "label" } },
        },
        {
          name: "row_names",
          data: { values: [{ row: "original", y: 30 }, { row: "flipped", y: 108 }] },
          mark: { type: "text", align: "right", baseline: "middle", fontSize: 13, dx: -10 },
          encoding: { x: { value: 0 }, y: pixel("y"), text: { field: "row" } },
        },
      ],
    });
    assert.deepEqual((config as { view: unknown }).view, { stroke: null });
  });

  await t.step("keeps a grid of 48 Fashion-MNIST-sized images small", async () => {
    const cells = Array.from({ length: 48 }, (_, i) => ({
      pixels: randomImage(28, 28, 100 + i), // noise: the worst case for compression
      width: 28,
      height: 28,
      label: "Ankle boot",
      row: `row ${i % 6}`,
    }));
    const spec = imageGrid(cells);
    const json = JSON.stringify(spec);
    const svg = await renderClean(spec);
    assert.ok(json.length < 100_000, `spec of ${json.length} characters`);
    assert.ok(svg.length < 150_000, `SVG of ${svg.length} characters`);
    assert.equal(svgImages(svg).length, 48);
  });

  await t.step("returns a fresh spec and does not touch its input", () => {
    assertFreshAndPure(() => imageGrid(AUGMENTED, { title: "t" }), AUGMENTED);
  });

  await t.step("rejects bad input with a message naming parameter, value and rule", () => {
    const ok = { pixels: [0, 1, 0.5, 0.25], width: 2, height: 2 };
    const rejects = (cells: unknown, name: string, message: string | RegExp, options?: object) =>
      assert.throws(() => imageGrid(cells as ImageCell[], options), { name, message });
    rejects([], "RangeError", "cells must hold at least one image, got none");
    rejects(ok, "TypeError", /^cells must be an array of images \{pixels, width, height\}, got/);
    rejects(
      [ok, { ...ok, pixels: [0, 1, 0.5] }],
      "RangeError",
      "cells[1].pixels must hold width × height = 2 × 2 = 4 values (row by row), got 3",
    );
    rejects(
      [{ ...ok, pixels: [0, 1.2, 0, 0] }],
      "RangeError",
      "cells[0].pixels[1] must be a number in [0, 1], got 1.2",
    );
    rejects(
      [{ ...ok, pixels: new Float32Array([0, 0, 0, NaN]) }],
      "RangeError",
      "cells[0].pixels[3] must be a number in [0, 1], got NaN",
    );
    rejects(
      [{ ...ok, pixels: [0, -0.5, 0, 0] }],
      "RangeError",
      "cells[0].pixels[1] must be a number in [0, 1], got -0.5",
    );
    rejects(
      [{ ...ok, pixels: [0, "0.5", 0, 0] }],
      "TypeError",
      'cells[0].pixels[1] must be a number in [0, 1], got "0.5"',
    );
    rejects(
      [{ ...ok, pixels: { shape: [2, 2], dtype: "float32" } }],
      "TypeError",
      "cells[0].pixels must be an array or typed array of numbers, got a tensor of shape " +
        "[2, 2] (pass tensor.dataSync())",
    );
    rejects(
      [{ ...ok, pixels: 5 }],
      "TypeError",
      "cells[0].pixels must be an array or typed array of numbers, got 5",
    );
    rejects(
      [{ ...ok, width: 0 }],
      "RangeError",
      "cells[0].width must be a positive integer, got 0",
    );
    rejects(
      [{ ...ok, height: 2.5 }],
      "RangeError",
      "cells[0].height must be a positive integer, got 2.5",
    );
    rejects(
      [{ ...ok, width: 2000, pixels: [] }],
      "RangeError",
      "cells[0].width must be at most 1024 pixels, got 2000",
    );
    rejects(
      [{ ...ok, lable: "x" }],
      "TypeError",
      'cells[0] has no setting "lable"; the settings are pixels, width, height, label, row',
    );
    rejects([null], "TypeError", "cells[0] must be an object, got null");
    rejects([{ ...ok, label: 3 }], "TypeError", "cells[0].label must be a string, got 3");
    rejects(
      [{ ...ok, row: "a" }, ok],
      "TypeError",
      "cells must either all name a row or none, got 1 of 2 with a row and cells[1].row undefined",
    );
    rejects(
      [{ ...ok, row: "a" }],
      "TypeError",
      "options.columns applies only when no cell names a row (rows hold their own cells), got 4",
      { columns: 4 },
    );
    rejects([ok], "RangeError", "options.columns must be a positive integer, got 0", {
      columns: 0,
    });
    rejects([ok], "RangeError", "options.cellSize must be a positive number, got -84", {
      cellSize: -84,
    });
    rejects([ok], "TypeError", 'options.invert must be true or false, got "yes"', {
      invert: "yes",
    });
    rejects(
      [ok],
      "TypeError",
      'options has no setting "colums"; the settings are columns, cellSize, title, subtitle, invert',
      { colums: 4 },
    );
    rejects(
      Array.from({ length: 257 }, () => ok),
      "RangeError",
      "cells must hold at most 256 images, got 257",
    );
    rejects(
      [{ pixels: new Float32Array(500 * 500), width: 500, height: 500 }],
      "RangeError",
      "cells must hold at most 200704 pixels in all (256 images of 28 × 28), got 250000",
    );
  });
});

optionTableTests([{
  name: "imageGrid",
  call: (o) => imageGrid([{ pixels: [0, 1], width: 2, height: 1 }], o),
  valid: ["columns", "cellSize", "title", "subtitle", "invert"],
  example: 2,
}], { label: "image grid", sync: true });
