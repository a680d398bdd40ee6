/**
 * A generic line chart of records: one numeric field against another, series by colour.
 *
 * @module
 */
import {
  chartConfig,
  type DataFrameLike,
  readRecords,
  round,
  titleOf,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
} from "./_common.ts";
import {
  checkObject,
  checkOptions,
  checkPositive,
  checkString,
  describe,
  quoteList,
} from "../_validate.ts";

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  /** Field on the x axis (numbers). */
  x: string;
  /** Field on the y axis (numbers). */
  y: string;
  /** Field that splits the rows into coloured series. @default undefined */
  color?: string;
  /** Field that splits the rows into dashed series (can equal `color`). @default undefined */
  strokeDash?: string;
  /** Log scale on x (values must be positive). @default false */
  logX?: boolean;
  /** Log scale on y (values must be positive). @default false */
  logY?: boolean;
  /** Draw a point at every row. @default false */
  point?: boolean;
  /** Show the legends of `color` and `strokeDash` (hide them for many series). @default true */
  legend?: boolean;
  /** Legend title of the `color` field. @default the color field */
  colorTitle?: string;
  /** Chart title. @default undefined */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /** x axis title. @default the x field */
  xTitle?: string;
  /** y axis title. @default the y field */
  yTitle?: string;
  /** Width in pixels. @default 460 */
  width?: number;
  /** Height in pixels. @default 280 */
  height?: number;
}

/** The option names LineChartOptions allows, for the misspelling check. */
const LINE_CHART_OPTIONS = Object.keys(
  {
    x: true,
    y: true,
    color: true,
    strokeDash: true,
    logX: true,
    logY: true,
    point: true,
    legend: true,
    colorTitle: true,
    title: true,
    subtitle: true,
    xTitle: true,
    yTitle: true,
    width: true,
    height: true,
  } satisfies Record<
    keyof LineChartOptions,
    true
  >,
);

/**
 * A line chart of `rows`: `y` against `x`, one line per value of the `color` field (and/or
 * `strokeDash` field), optionally on log axes.
 *
 * @param rows Records or a nodejs-polars DataFrame.
 * @param options The fields to draw and how.
 * @returns A fresh Vega-Lite v5 spec.
 *
 * @example Exponentially weighted averages for two β on a log axis
 * ```ts
 * import { lineChart } from "./line_chart.ts";
 * const rows = [0.5, 0.9].flatMap((beta) =>
 *   [1, 2, 4, 8].map((t) => ({ t, v: 1 - beta ** t, beta: String(beta) }))
 * );
 * const spec = lineChart(rows, { x: "t", y: "v", color: "beta", logX: true });
 * if ((spec.data as { values: unknown[] }).values.length !== 8) throw new Error("rows");
 * ```
 */
export function lineChart(
  rows: readonly object[] | DataFrameLike,
  options: LineChartOptions,
): VegaLiteSpec {
  checkObject(options, "options");
  checkOptions(options, LINE_CHART_OPTIONS);
  const { rows: records, columns } = readRecords(rows, "rows");
  if (records.length === 0) throw new RangeError("rows must hold at least one row, got 0 rows");
  const x = checkString(options.x, "options.x");
  const y = checkString(options.y, "options.y");
  const logX = options.logX ?? false;
  const logY = options.logY ?? false;
  const point = options.point ?? false;
  const legend = options.legend ?? true;
  for (
    const [name, v] of [["logX", logX], ["logY", logY], ["point", point], [
      "legend",
      legend,
    ]] as const
  ) {
    if (typeof v !== "boolean") {
      throw new TypeError(`options.${name} must be a boolean, got ${describe(v)}`);
    }
  }
  const fields: [string, string][] = [["x", x], ["y", y]];
  for (const key of ["color", "strokeDash"] as const) {
    const f = options[key];
    if (f !== undefined) fields.push([key, checkString(f, `options.${key}`)]);
  }
  for (const [key, field] of fields) {
    if (!columns.includes(field)) {
      throw new RangeError(
        `options.${key} must name a field of the rows (${quoteList(columns)}), got ${
          describe(field)
        }`,
      );
    }
  }
  const series = fields.slice(2).map(([, field]) => field);
  const values = records.map((r, i) => {
    const out: Record<string, unknown> = {};
    for (const [field, log, axis] of [[x, logX, "x"], [y, logY, "y"]] as const) {
      const v = r[field];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new TypeError(
          `rows[${i}].${field} must be a finite number (the ${axis} field), got ${describe(v)}`,
        );
      }
      if (log && v <= 0) {
        throw new RangeError(
          `rows[${i}].${field} must be positive for a log ${axis} axis, got ${v}`,
        );
      }
      out[field] = round(v);
    }
    for (const s of series) {
      const v = r[s];
      if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
        throw new TypeError(`rows[${i}].${s} must be a string or a number, got ${describe(v)}`);
      }
      out[s] = v;
    }
    return out;
  });
  const order = (field: string) => [...new Set(values.map((v) => v[field]))];
  const encoding: Record<string, unknown> = {
    x: {
      field: x,
      type: "quantitative",
      title: checkString(options.xTitle ?? x, "options.xTitle", true),
      scale: logX ? { type: "log" } : { zero: false },
    },
    y: {
      field: y,
      type: "quantitative",
      title: checkString(options.yTitle ?? y, "options.yTitle", true),
      scale: logY ? { type: "log" } : { zero: false },
    },
  };
  if (options.color !== undefined) {
    encoding.color = {
      field: options.color,
      type: "nominal",
      sort: order(options.color),
      title: checkString(options.colorTitle ?? options.color, "options.colorTitle", true),
      ...(legend ? {} : { legend: null }),
    };
  }
  if (options.strokeDash !== undefined) {
    encoding.strokeDash = {
      field: options.strokeDash,
      type: "nominal",
      sort: order(options.strokeDash),
      ...(legend ? {} : { legend: null }),
    };
  }
  encoding.tooltip = [...new Set([...series, x, y])].map((f) => ({
    field: f,
    type: f === x || f === y ? "quantitative" : "nominal",
  }));
  const title = titleOf(options.title, options.subtitle);
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title ? { title } : {}),
    name: "lines",
    data: { values },
    width: checkPositive(options.width ?? 460, "options.width"),
    height: checkPositive(options.height ?? 280, "options.height"),
    mark: { type: "line", strokeWidth: 2.5, point, clip: true },
    encoding,
    config: chartConfig(),
  };
}
