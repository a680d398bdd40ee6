/**
 * A heat map of one measured value over a 2-D grid of settings, e.g. sparsity or test
 * accuracy for every (λ₁, λ₂) pair.
 *
 * @module
 */
import {
  chartConfig,
  checkAngle,
  type DataFrameLike,
  readRecords,
  round,
  titleOf,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
} from "./_common.ts";
import {
  checkFinite,
  checkObject,
  checkOptions,
  checkPositive,
  checkString,
  describe,
  quoteList,
} from "../_validate.ts";

/** Options of {@link heatmap}. */
export interface HeatmapOptions {
  /** Column holding the setting along the horizontal axis (a number or a label per row). */
  x: string;
  /** Column holding the setting along the vertical axis. */
  y: string;
  /** Column holding the value that colours each cell (a finite number per row). */
  value: string;
  /** Chart title. @default undefined */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /** Title of the horizontal axis. @default the x column's name */
  xTitle?: string;
  /** Title of the vertical axis. @default the y column's name */
  yTitle?: string;
  /** Title of the colour legend. @default the value column's name */
  valueTitle?: string;
  /** d3 number format of the value written in each cell; "" writes none. @default ".2f" */
  format?: string;
  /** Vega colour scheme of the cells. @default "viridis" */
  scheme?: string;
  /** Colour scale range [lo, hi]; the default spans the values. @default undefined */
  domain?: readonly [number, number];
  /** Side of a square cell in pixels. @default 46 */
  cellSize?: number;
  /** Angle of the x-axis labels in degrees, e.g. -45 for long names. @default 0 */
  labelAngle?: number;
}

/** The option names HeatmapOptions allows, for the misspelling check. */
const HEATMAP_OPTIONS = Object.keys(
  {
    x: true,
    y: true,
    value: true,
    title: true,
    subtitle: true,
    xTitle: true,
    yTitle: true,
    valueTitle: true,
    format: true,
    scheme: true,
    domain: true,
    cellSize: true,
    labelAngle: true,
  } satisfies Record<
    keyof HeatmapOptions,
    true
  >,
);

/** A setting along an axis: numbers sort ascending, labels keep their first appearance. */
type Setting = number | string;

/** The distinct settings of one axis, in display order (numbers ascending). */
function _levels(values: Setting[]): Setting[] {
  const distinct = [...new Set(values)];
  if (distinct.every((v) => typeof v === "number")) {
    return (distinct as number[]).sort((a, b) => a - b);
  }
  return distinct;
}

/**
 * Draws a heat map: one square cell per row at (x, y), coloured by `value`, with the value
 * written in the cell. The x settings run left to right and the y settings bottom to top, in
 * ascending order when they are numbers (in order of first appearance when they are labels);
 * each (x, y) pair appears at most once, and a grid with missing pairs leaves those cells
 * empty. Settings are drawn as categories, evenly spaced, so a log grid such as 0, 0.001,
 * 0.01, 0.1 reads naturally.
 *
 * @param rows A DataFrame or records with the x, y and value columns.
 * @param options The three column names, titles, label format, colours and cell size.
 * @returns A fresh Vega-Lite v5 spec.
 *
 * @example Sparsity over a 2 × 2 grid of (λ₁, λ₂)
 * ```ts
 * import { heatmap } from "./heatmap.ts";
 * const spec = heatmap([
 *   { l1: 0, l2: 0, sparsity: 0.02 }, { l1: 0.01, l2: 0, sparsity: 0.6 },
 *   { l1: 0, l2: 0.01, sparsity: 0.03 }, { l1: 0.01, l2: 0.01, sparsity: 0.5 },
 * ], { x: "l1", y: "l2", value: "sparsity", xTitle: "λ₁", yTitle: "λ₂" });
 * if ((spec.data as { values: unknown[] }).values.length !== 4) throw new Error();
 * ```
 */
export function heatmap(
  rows: readonly object[] | DataFrameLike,
  options: HeatmapOptions,
): VegaLiteSpec {
  checkObject(options, "options");
  const opts = checkOptions(options, HEATMAP_OPTIONS);
  const xField = checkString(opts.x, "options.x");
  const yField = checkString(opts.y, "options.y");
  const valueField = checkString(opts.value, "options.value");
  const { rows: records, columns } = readRecords(rows, "rows");
  if (records.length === 0) {
    throw new RangeError("rows must hold at least one cell, got none");
  }
  for (const [name, field] of [["x", xField], ["y", yField], ["value", valueField]]) {
    if (!columns.includes(field)) {
      throw new RangeError(
        `options.${name} must name a column of rows (${quoteList(columns)}), got ${
          describe(field)
        }`,
      );
    }
  }
  const seen = new Set<string>();
  const cells = records.map((row, i) => {
    const setting = (field: string): Setting => {
      const v = row[field];
      if (typeof v === "string" || (typeof v === "number" && Number.isFinite(v))) return v;
      throw new TypeError(
        `rows[${i}].${field} must be a finite number or a string, got ${describe(v)}`,
      );
    };
    const x = setting(xField);
    const y = setting(yField);
    const value = checkFinite(row[valueField], `rows[${i}].${valueField}`);
    const key = JSON.stringify([x, y]);
    if (seen.has(key)) {
      throw new RangeError(
        `rows must hold each (${xField}, ${yField}) pair once, got (${describe(x)}, ${
          describe(y)
        }) twice at rows[${i}]`,
      );
    }
    seen.add(key);
    return { x, y, value: round(value) };
  });
  const format = opts.format ?? ".2f";
  if (typeof format !== "string") {
    throw new TypeError(`options.format must be a d3 format string, got ${describe(format)}`);
  }
  const scheme = checkString(opts.scheme ?? "viridis", "options.scheme");
  const cellSize = checkPositive(opts.cellSize ?? 46, "options.cellSize");
  const labelAngle = checkAngle(opts.labelAngle ?? 0, "options.labelAngle");
  const values = cells.map((c) => c.value);
  let lo = Math.min(...values), hi = Math.max(...values);
  const colorScale: Record<string, unknown> = { scheme };
  if (opts.domain !== undefined) {
    const d = opts.domain as unknown;
    if (!Array.isArray(d) || d.length !== 2 || !d.every(Number.isFinite) || !(d[0] < d[1])) {
      throw new RangeError(
        `options.domain must be two increasing finite numbers, got ${describe(d)}`,
      );
    }
    [lo, hi] = d;
    colorScale.domain = [lo, hi];
    colorScale.clamp = true;
  }
  const xLevels = _levels(cells.map((c) => c.x));
  const yLevels = _levels(cells.map((c) => c.y));
  const xTitle = checkString(opts.xTitle ?? xField, "options.xTitle", true);
  const yTitle = checkString(opts.yTitle ?? yField, "options.yTitle", true);
  const valueTitle = checkString(opts.valueTitle ?? valueField, "options.valueTitle", true);
  const position = {
    x: {
      field: "x",
      type: "ordinal",
      sort: [...xLevels],
      title: xTitle,
      axis: { labelAngle },
    },
    y: { field: "y", type: "ordinal", sort: [...yLevels].reverse(), title: yTitle },
  };
  const layer: Record<string, unknown>[] = [{
    name: "cells",
    mark: { type: "rect", stroke: "white", strokeWidth: 1 },
    encoding: {
      ...position,
      color: { field: "value", type: "quantitative", title: valueTitle, scale: colorScale },
      tooltip: [
        { field: "x", title: xTitle },
        { field: "y", title: yTitle },
        { field: "value", type: "quantitative", title: valueTitle, format: ".4g" },
      ],
    },
  }];
  if (format !== "") {
    // Light text on the dark half of the colour range (viridis and most schemes start dark).
    const mid = lo + (hi - lo) / 2;
    layer.push({
      name: "cell_labels",
      mark: { type: "text", fontSize: 12 },
      encoding: {
        ...structuredClone(position),
        text: { field: "value", type: "quantitative", format },
        color: {
          condition: { test: `datum.value < ${mid}`, value: "white" },
          value: "black",
        },
      },
    });
  }
  const title = titleOf(opts.title, opts.subtitle);
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title ? { title } : {}),
    data: { values: cells },
    width: { step: cellSize },
    height: { step: cellSize },
    layer,
    config: chartConfig(),
  };
}
