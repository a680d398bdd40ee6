/**
 * Helpers shared by the chart tests: render a spec and insist on no warnings, pick mark
 * items out of the SVG, build a prediction grid, and check that a builder is pure.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { GridCell, VegaLiteSpec } from "../lib/charts.ts";
import { renderWithWarnings } from "../lib/_render.ts";

/** The `$schema` every chart must declare. */
export const SCHEMA_V5 = "https://vega.github.io/schema/vega-lite/v5.json";

/** Compiles and renders a spec, asserting that vega-lite and vega reported no warning. */
export async function renderClean(spec: VegaLiteSpec): Promise<string> {
  const { svg, warnings } = await renderWithWarnings(spec);
  assert.deepEqual(warnings, [], `unexpected warnings: ${warnings.join("; ")}`);
  assert.ok(svg.startsWith("<svg"));
  return svg;
}

/**
 * The item elements of every mark group of the given type and name in an SVG (one entry per
 * group: a line mark coloured by series has one group per series).
 */
export function markGroups(svg: string, type: string, name: string): string[][] {
  const open = `<g class="mark-${type} role-mark ${name}_marks"`;
  const groups: string[][] = [];
  let at = svg.indexOf(open);
  while (at >= 0) {
    const start = svg.indexOf(">", at) + 1;
    const end = svg.indexOf("</g>", start);
    groups.push(svg.slice(start, end).match(/<(path|line|text|rect|circle)\b[^>]*>/g) ?? []);
    at = svg.indexOf(open, end);
  }
  return groups;
}

/** A full grid of `res` × `res` points over [x0, x1] × [y0, y1] with p = f(x1, x2). */
export function grid(
  f: (a: number, b: number) => number,
  res: number,
  [x0, x1, y0, y1]: readonly number[] = [-1, 2, -1, 1],
): GridCell[] {
  const out: GridCell[] = [];
  for (let i = 0; i < res; i++) {
    for (let j = 0; j < res; j++) {
      const a = x0 + ((x1 - x0) * i) / (res - 1), b = y0 + ((y1 - y0) * j) / (res - 1);
      out.push({ x1: a, x2: b, p: f(a, b) });
    }
  }
  return out;
}

/** Asserts that calling `make` twice gives equal but separate objects, and leaves `input` as it was. */
export function assertFreshAndPure(make: () => VegaLiteSpec, input: unknown): void {
  const before = structuredClone(input);
  const a = make();
  const b = make();
  assert.deepEqual(a, b);
  assert.notEqual(a, b);
  assert.notEqual(a.config, b.config);
  assert.notEqual(a.data ?? a.datasets, b.data ?? b.datasets);
  (a as Record<string, unknown>).title = "changed";
  ((a.config as Record<string, unknown>).axis as Record<string, unknown>).labelFontSize = 1;
  assert.notDeepEqual(a, b);
  assert.deepEqual(make(), b);
  assert.deepEqual(input, before);
}
