/**
 * Functions of one variable and their derivatives over a range: the activation gallery
 * (sigmoid, tanh, ReLU … with f(z) solid and f′(z) dashed), one panel per function or all in
 * one panel.
 *
 * @module
 */
import {
  CATEGORY_COLORS,
  chartConfig,
  type DataFrameLike,
  isDataFrame,
  readRecords,
  round,
  titleOf,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
} from "./_common.ts";
import {
  checkBoolean,
  checkFinite,
  checkFunction,
  checkIntBetween,
  checkInterval,
  checkNonEmptyArray,
  checkObject,
  checkOptions,
  checkPositive,
  checkPositiveInt,
  checkString,
  describe,
} from "../_validate.ts";

/** A function to draw, with its derivative (for an activation: f and f′). */
export interface NamedFunction {
  /** The panel title or legend entry, e.g. `"sigmoid"`. */
  name: string;
  /** f(z). */
  f: (z: number) => number;
  /** f′(z), drawn dashed. @default undefined (only f is drawn) */
  df?: (z: number) => number;
}

/** One precomputed sample of a function (e.g. f′ from `tf.grad`): its name, z, f(z), f′(z). */
export interface FunctionRow {
  /** The function's name. */
  name: string;
  /** The input z. */
  z: number;
  /** f(z). */
  f: number;
  /** f′(z). @default undefined (no f′ point at this z) */
  df?: number;
}

/** Options of {@link functionChart}. */
export interface FunctionChartOptions {
  /** The range of z, [lo, hi] with lo < hi (functions only; rows bring their own z). @default [-5, 5] */
  domain?: readonly [number, number];
  /** Evenly spaced values of z from lo to hi, both included (functions only). @default 201 */
  samples?: number;
  /** One panel per function (true) or every function in one panel, by colour (false). @default true */
  facet?: boolean;
  /** Panels per row (with facets). @default the number of functions, at most 3 */
  columns?: number;
  /**
   * Give each panel its own y scale (with facets): ReLU reaches 5 where sigmoid stays below 1.
   * Set it to false to compare sizes across panels, e.g. the largest slope of each.
   * @default true
   */
  independentY?: boolean;
  /** Chart title. @default undefined */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /** Title of the x axis. @default "z" */
  xTitle?: string;
  /** Title of the y axis. @default "" (no title: the legend says f(z) and f′(z)) */
  yTitle?: string;
  /** Width of one panel in pixels. @default 220 with facets, 460 without */
  width?: number;
  /** Height of one panel in pixels. @default 160 with facets, 300 without */
  height?: number;
}

/** The option names FunctionChartOptions allows, for the misspelling check. */
const FUNCTION_CHART_OPTIONS = Object.keys(
  {
    domain: true,
    samples: true,
    facet: true,
    columns: true,
    independentY: true,
    title: true,
    subtitle: true,
    xTitle: true,
    yTitle: true,
    width: true,
    height: true,
  } satisfies Record<keyof FunctionChartOptions, true>,
);

/** The legend entries of the two curves, in the order drawn. */
const CURVES = ["f(z)", "f′(z)"] as const;

/** Solid for f, dashed for f′. */
const DASHES = [[1, 0], [6, 4]];

/** The most samples drawn per function. */
const MAX_SAMPLES = 10_000;

/** A long-format row of the chart: one point of one curve. */
interface CurvePoint {
  name: string;
  curve: (typeof CURVES)[number];
  z: number;
  value: number;
}

/** Samples each function (and its derivative) at `zs`. */
function sampleFunctions(items: unknown[], zs: number[]): { names: string[]; rows: CurvePoint[] } {
  const names: string[] = [];
  const rows: CurvePoint[] = [];
  items.forEach((item, k) => {
    const where = `fns[${k}]`;
    const o = checkObject(item, where);
    const name = checkString(o.name, `${where}.name`);
    if (names.includes(name)) {
      throw new RangeError(`fns must have distinct names, got ${describe(name)} twice`);
    }
    names.push(name);
    const curves: [(typeof CURVES)[number], (z: number) => unknown, string][] = [
      [CURVES[0], checkFunction(o.f, `${where}.f`), `${where}.f`],
    ];
    if (o.df !== undefined) {
      curves.push([CURVES[1], checkFunction(o.df, `${where}.df`), `${where}.df`]);
    }
    for (const [curve, fn, label] of curves) {
      for (const z of zs) {
        const value = fn(z);
        if (typeof value !== "number" || !Number.isFinite(value)) {
          throw new RangeError(
            `${label} (${describe(name)}) must return a finite number, got ${
              describe(value)
            } at z = ${z}`,
          );
        }
        rows.push({ name, curve, z, value: round(value) });
      }
    }
  });
  return { names, rows };
}

/** Reads precomputed `{name, z, f, df?}` rows into curve points. */
function readRows(records: Record<string, unknown>[]): { names: string[]; rows: CurvePoint[] } {
  const names: string[] = [];
  const rows: CurvePoint[] = [];
  const seen = new Set<string>();
  records.forEach((r, i) => {
    const name = checkString(r.name, `fns[${i}].name`);
    if (!names.includes(name)) names.push(name);
    const z = round(checkFinite(r.z, `fns[${i}].z`));
    const key = JSON.stringify([name, z]);
    if (seen.has(key)) {
      throw new RangeError(
        `fns[${i}] repeats z = ${z} for ${describe(name)}; each function needs one row per z`,
      );
    }
    seen.add(key);
    rows.push({ name, curve: CURVES[0], z, value: round(checkFinite(r.f, `fns[${i}].f`)) });
    if (r.df !== undefined && r.df !== null) {
      rows.push({ name, curve: CURVES[1], z, value: round(checkFinite(r.df, `fns[${i}].df`)) });
    }
  });
  // f first, then f′, so each curve's legend entry and line come in the same order
  rows.sort((a, b) => CURVES.indexOf(a.curve) - CURVES.indexOf(b.curve));
  return { names, rows };
}

/**
 * Draws functions of one variable and their derivatives: f(z) as a solid line and f′(z) as a
 * dashed one (legend "f(z)" and "f′(z)"), each function in its own colour, one panel per
 * function (or all in one panel with `facet: false`). Functions are sampled at `samples`
 * evenly spaced z from lo to hi, zₖ = lo + k·(hi − lo)/(samples − 1); the default 201 on
 * [−5, 5] puts a sample at z = 0 and every 0.05. A derivative with a jump (ReLU's at 0) is
 * drawn as a steep segment between neighbouring samples. Precomputed rows `{name, z, f, df?}`
 * (e.g. f′ from `tf.grad`) are drawn as they are. The lines y = 0 and z = 0 are darker grid
 * lines.
 *
 * @param fns Functions `{ name, f, df? }`, or precomputed rows `{ name, z, f, df? }` as an
 *   array or a nodejs-polars DataFrame.
 * @param options Range and samples, layout, titles and panel size.
 * @returns A fresh Vega-Lite v5 spec (a wrapped facet, or a single panel).
 * @throws {RangeError} For repeated names, a function value that is not finite, or a bad
 *   range or sample count.
 *
 * @example Sigmoid and tanh with their derivatives, side by side
 * ```ts
 * import { functionChart } from "./function_chart.ts";
 * const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
 * const spec = functionChart([
 *   { name: "sigmoid", f: sigmoid, df: (z) => sigmoid(z) * (1 - sigmoid(z)) },
 *   { name: "tanh", f: Math.tanh, df: (z) => 1 - Math.tanh(z) ** 2 },
 * ], { samples: 101, title: "Activations" });
 * // two functions × two curves × 101 samples
 * if ((spec.data as { values: unknown[] }).values.length !== 404) throw new Error();
 * ```
 *
 * @example Precomputed rows in one panel: ReLU, with f′(0) taken as 0
 * ```ts
 * import { functionChart } from "./function_chart.ts";
 * const rows = [-2, -1, 0, 1, 2].map((z) => ({ name: "ReLU", z, f: Math.max(0, z), df: z > 0 ? 1 : 0 }));
 * const spec = functionChart(rows, { facet: false, title: "ReLU" });
 * if ((spec.data as { values: unknown[] }).values.length !== 10 || "facet" in spec) throw new Error();
 * ```
 */
export function functionChart(
  fns: readonly NamedFunction[] | readonly FunctionRow[] | DataFrameLike,
  options: FunctionChartOptions = {},
): VegaLiteSpec {
  checkOptions(options, FUNCTION_CHART_OPTIONS);
  const items = isDataFrame(fns) ? fns : checkNonEmptyArray<unknown>(fns, "fns", "functions");
  const first = isDataFrame(items) ? undefined : checkObject(items[0], "fns[0]");
  const precomputed = first === undefined || typeof first.f !== "function";
  if (precomputed && (options.domain !== undefined || options.samples !== undefined)) {
    throw new RangeError(
      "options.domain and options.samples apply to functions only; precomputed rows bring their own z (leave them undefined)",
    );
  }
  let names: string[], rows: CurvePoint[], lo: number, hi: number;
  if (precomputed) {
    const { rows: records } = readRecords(items, "fns");
    if (records.length === 0) throw new RangeError("fns must hold at least one row, got 0 rows");
    ({ names, rows } = readRows(records));
    lo = Math.min(...rows.map((r) => r.z));
    hi = Math.max(...rows.map((r) => r.z));
    if (!(hi > lo)) {
      throw new RangeError(`fns rows must span at least two values of z, got only z = ${lo}`);
    }
  } else {
    [lo, hi] = checkInterval(options.domain ?? [-5, 5], "options.domain");
    const samples = checkIntBetween(options.samples ?? 201, "options.samples", 2, MAX_SAMPLES);
    const zs = Array.from(
      { length: samples },
      (_, k) => round(k === samples - 1 ? hi : lo + (k * (hi - lo)) / (samples - 1)),
    );
    ({ names, rows } = sampleFunctions(items as unknown[], zs));
  }
  const facet = checkBoolean(options.facet ?? true, "options.facet");
  const independentY = checkBoolean(options.independentY ?? true, "options.independentY");
  const columns = checkPositiveInt(options.columns ?? Math.min(names.length, 3), "options.columns");
  const width = checkPositive(options.width ?? (facet ? 220 : 460), "options.width");
  const height = checkPositive(options.height ?? (facet ? 160 : 300), "options.height");
  const xTitle = checkString(options.xTitle ?? "z", "options.xTitle", true);
  const yTitle = checkString(options.yTitle ?? "", "options.yTitle", true);
  const curves = CURVES.filter((c) => rows.some((r) => r.curve === c));

  // the zero lines drawn darker than the rest of the grid
  const axis = {
    gridColor: { condition: { test: "datum.value === 0", value: "#9a9a9a" }, value: "#e6e6e6" },
  };
  const encoding: Record<string, unknown> = {
    x: {
      field: "z",
      type: "quantitative",
      title: xTitle,
      scale: { domain: [lo, hi], nice: false },
      axis,
    },
    y: {
      field: "value",
      type: "quantitative",
      title: yTitle === "" ? null : yTitle,
      // padding: the top tick label stays inside the panel, so every header sits at one height
      scale: { zero: false, padding: 10 },
      // the same width for every panel's y axis ("−1.0" or "5"), so the panels line up
      axis: { ...axis, minExtent: 40 },
    },
    color: {
      field: "name",
      type: "nominal",
      title: "function",
      scale: { domain: names, range: names.map((_, i) => CATEGORY_COLORS[i % 10]) },
      legend: facet ? null : { symbolType: "stroke", symbolStrokeWidth: 3, symbolSize: 500 },
    },
    strokeDash: {
      field: "curve",
      type: "nominal",
      title: "curve",
      scale: { domain: curves, range: curves.map((c) => DASHES[CURVES.indexOf(c)]) },
      // a long symbol, so the legend shows two dashes of f′
      legend: {
        symbolType: "stroke",
        symbolStrokeWidth: 2.5,
        symbolStrokeColor: "#444",
        symbolSize: 500,
      },
    },
    tooltip: [
      { field: "name", type: "nominal", title: "function" },
      { field: "curve", type: "nominal", title: "curve" },
      { field: "z", type: "quantitative", format: ".3~f" },
      { field: "value", type: "quantitative", title: "value", format: ".4~g" },
    ],
  };
  const mark = { type: "line", strokeWidth: 2.5, clip: true };
  const title = titleOf(options.title, options.subtitle);
  const head = { $schema: VEGA_LITE_SCHEMA, ...(title ? { title } : {}), data: { values: rows } };
  if (!facet) {
    return { ...head, name: "functions", width, height, mark, encoding, config: chartConfig() };
  }
  return {
    ...head,
    facet: { field: "name", type: "nominal", sort: names, title: null },
    columns: Math.min(columns, names.length),
    align: "all",
    spec: { name: "functions", width, height, mark, encoding },
    resolve: {
      scale: { y: independentY ? "independent" : "shared" },
      axis: { x: "independent", y: "independent" },
    },
    config: chartConfig(),
  };
}
