/**
 * Shared pieces of the chart helpers: the spec type, the common styling, and argument checks.
 *
 * @module
 */

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
export function _config(): Record<string, unknown> {
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
    legend: { labelFontSize: 13, titleFontSize: 14, titleFontWeight: "normal", symbolSize: 120 },
    header: { labelFontSize: 14, titleFontSize: 14 },
    view: { stroke: "#cccccc" },
    concat: { spacing: 28 },
    range: { category: [...CATEGORY_COLORS] },
  };
}

/** A short, single-line rendering of `value` for error messages. */
export function _show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return String(value);
  }
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "function") return "a function";
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Throws a TypeError unless `value` is a plain object (not null, not an array). */
export function _checkObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${_show(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Throws unless `value` is a non-empty array. */
export function _checkNonEmptyArray<T>(value: unknown, name: string, what: string): T[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${name} must be an array of ${what}, got ${_show(value)}`);
  }
  if (value.length === 0) {
    throw new RangeError(`${name} must be a non-empty array of ${what}, got an empty array`);
  }
  return value as T[];
}

/** Throws a TypeError unless `value` is a finite number. */
export function _checkFinite(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`${name} must be a finite number, got ${_show(value)}`);
  }
  return value;
}

/** Throws a RangeError unless `value` is a positive finite number. */
export function _checkPositive(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${_show(value)}`);
  }
  return value;
}

/** Throws unless `value` is an angle in degrees in [-90, 90] (axis labels). */
export function _checkAngle(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < -90 || value > 90) {
    throw new RangeError(`${name} must be an angle in degrees in [-90, 90], got ${_show(value)}`);
  }
  return value;
}

/** Throws a RangeError unless `value` is a positive integer. */
export function _checkPositiveInt(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${_show(value)}`);
  }
  return value;
}

/** Throws a TypeError unless `value` is a string (empty allowed only when `allowEmpty`). */
export function _checkString(value: unknown, name: string, allowEmpty = false): string {
  if (typeof value !== "string" || (!allowEmpty && value.length === 0)) {
    throw new TypeError(`${name} must be a non-empty string, got ${_show(value)}`);
  }
  return value;
}

/** Throws a RangeError unless `value` is one of `allowed`. */
export function _checkOneOf<T extends string>(
  value: unknown,
  name: string,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value as T)) {
    const list = allowed.map((a) => JSON.stringify(a)).join(", ");
    throw new RangeError(`${name} must be one of ${list}, got ${_show(value)}`);
  }
  return value as T;
}

/** Rounds to `digits` significant digits, keeping chart data small (floats from tensors). */
export function _round(value: number, digits = 6): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

/** True when `value` looks like a nodejs-polars DataFrame. */
export function _isDataFrame(value: unknown): value is DataFrameLike {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Array.isArray((value as DataFrameLike).columns) &&
    typeof (value as DataFrameLike).toRecords === "function";
}

/**
 * Reads a DataFrame or an array of records into an array of plain rows (fresh objects) and
 * the column names in order.
 */
export function _records(data: unknown, name: string): { rows: Row[]; columns: string[] } {
  if (_isDataFrame(data)) {
    const rows = data.toRecords().map((r) => ({ ...r }));
    return { rows, columns: [...data.columns] };
  }
  if (!Array.isArray(data)) {
    throw new TypeError(
      `${name} must be a DataFrame or an array of records, got ${_show(data)}`,
    );
  }
  const columns: string[] = [];
  const seen = new Set<string>();
  const rows = data.map((r, i) => {
    const row = _checkObject(r, `${name}[${i}]`);
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

/** A list of items as `"a", "b", "c"` for error messages. */
export function _list(items: readonly string[]): string {
  return items.length === 0 ? "(none)" : items.map((c) => JSON.stringify(c)).join(", ");
}

/** The optional title as Vega-Lite wants it (text plus optional subtitle), or undefined. */
export function _title(
  title: string | undefined,
  subtitle: string | undefined,
  name = "options.title",
): Record<string, unknown> | undefined {
  if (title !== undefined) _checkString(title, name, true);
  if (subtitle !== undefined) _checkString(subtitle, "options.subtitle", true);
  if (!title && !subtitle) return undefined;
  return subtitle ? { text: title ?? "", subtitle } : { text: title };
}
