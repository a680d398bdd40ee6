/**
 * Shared pieces of the chart helpers: the spec type, the common styling, rounding, reading
 * records, titles. Argument checks come from `../_validate.ts`.
 *
 * @module
 */
import { checkObject, checkString, describe } from "../_validate.ts";

/** The Vega-Lite v5 schema URL every chart declares. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** A Vega-Lite v5 specification as plain JSON data. */
export interface VegaLiteSpec {
  /** The schema URL: {@link VEGA_LITE_SCHEMA}. */
  $schema: string;
  /** Any other top-level Vega-Lite property. */
  [key: string]: unknown;
}

/** What the table and line charts accept besides an array of records: a nodejs-polars DataFrame. */
export interface DataFrameLike {
  /** Column names in order. */
  columns: string[];
  /** The rows as plain objects. */
  toRecords(): Record<string, unknown>[];
}

/** One row of data as a chart takes it. */
export type Row = Record<string, unknown>;

/** Readable colours for categories (runs, models, metrics, groups), dark enough on white. */
export const CATEGORY_COLORS: readonly string[] = [
  "#1f77b4",
  "#e6550d",
  "#2ca02c",
  "#9467bd",
  "#d62728",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/**
 * The common styling: font sizes readable on a projector, light grid, titles on the left.
 * Returns a fresh object on each call.
 */
export function chartConfig(): Record<string, unknown> {
  return {
    font: "Helvetica, Arial, sans-serif",
    title: { fontSize: 18, subtitleFontSize: 14, anchor: "start", offset: 12 },
    axis: {
      labelFontSize: 13,
      titleFontSize: 14,
      titleFontWeight: "normal",
      gridColor: "#e6e6e6",
      domainColor: "#888",
      tickColor: "#888",
    },
    legend: {
      labelFontSize: 13,
      titleFontSize: 14,
      titleFontWeight: "normal",
      symbolSize: 120,
      labelLimit: 480,
    },
    header: { labelFontSize: 14, titleFontSize: 14 },
    view: { stroke: "#cccccc" },
    concat: { spacing: 28 },
    range: { category: [...CATEGORY_COLORS] },
  };
}

/** Throws unless `value` is an angle in degrees in [-90, 90] (axis labels). */
export function checkAngle(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < -90 || value > 90) {
    throw new RangeError(
      `${name} must be an angle in degrees in [-90, 90], got ${describe(value)}`,
    );
  }
  return value;
}

/** Rounds to `digits` significant digits, keeping chart data small (floats from tensors). */
export function round(value: number, digits = 6): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

/** True when `value` looks like a nodejs-polars DataFrame. */
export function isDataFrame(value: unknown): value is DataFrameLike {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Array.isArray((value as DataFrameLike).columns) &&
    typeof (value as DataFrameLike).toRecords === "function";
}

/**
 * Reads a DataFrame or an array of records into an array of plain rows (fresh objects) and
 * the column names in order.
 */
export function readRecords(data: unknown, name: string): { rows: Row[]; columns: string[] } {
  if (isDataFrame(data)) {
    const rows = data.toRecords().map((r) => ({ ...r }));
    return { rows, columns: [...data.columns] };
  }
  if (!Array.isArray(data)) {
    throw new TypeError(
      `${name} must be a DataFrame or an array of records, got ${describe(data)}`,
    );
  }
  const columns: string[] = [];
  const seen = new Set<string>();
  const rows = data.map((r, i) => {
    const row = checkObject(r, `${name}[${i}]`);
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
    return { ...row };
  });
  return { rows, columns };
}

/** The optional title as Vega-Lite wants it (text plus optional subtitle), or undefined. */
export function titleOf(
  title: string | undefined,
  subtitle: string | undefined,
  name = "options.title",
): Record<string, unknown> | undefined {
  if (title !== undefined) checkString(title, name, true);
  if (subtitle !== undefined) checkString(subtitle, "options.subtitle", true);
  if (!title && !subtitle) return undefined;
  return subtitle ? { text: title ?? "", subtitle } : { text: title };
}
