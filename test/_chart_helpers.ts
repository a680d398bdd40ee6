/**
 * Helpers shared by the chart tests: render a spec and insist on no warnings, and pick mark
 * items out of the SVG.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { VegaLiteSpec } from "../lib/charts.ts";
import { _renderWithWarnings } from "../lib/display.ts";

/** The `$schema` every chart must declare. */
export const SCHEMA_V5 = "https://vega.github.io/schema/vega-lite/v5.json";

/** Compiles and renders a spec, asserting that vega-lite and vega reported no warning. */
export async function renderClean(spec: VegaLiteSpec): Promise<string> {
  const { svg, warnings } = await _renderWithWarnings(spec);
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
