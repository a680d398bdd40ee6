/**
 * The regularization path: every weight's value against the penalty strength λ.
 *
 * @module
 */
import { chartConfig, round, titleOf, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./_common.ts";
import {
  checkNonEmptyArray,
  checkObject,
  checkOptions,
  checkPositive,
  checkString,
  describe,
  quoteList,
} from "../_validate.ts";
import { checkLambda, lambdaAxis } from "./_lambda.ts";

/**
 * One weight at one λ (what `regularizationPath` returns in `rows`). Any other fields of a row
 * (e.g. `layer`, `input`) are kept for colouring and tooltips.
 */
export interface PathPoint {
  /** The penalty strength λ ≥ 0. */
  lambda: number;
  /** Which weight: one line per distinct name. */
  weight: string;
  /** Its value at this λ. */
  value: number;
}

/** Options of {@link regularizationPathChart}. */
export interface RegularizationPathChartOptions {
  /**
   * Weights drawn in colour with a legend; the others are drawn thin and grey. Names not
   * among the rows are an error.
   * @default every weight in colour when there are at most 10, else none
   */
  highlight?: readonly string[];
  /** Field that colours the lines instead of `highlight` (e.g. `"layer"`). @default undefined */
  color?: string;
  /** Chart title. @default "Regularization path" */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /** Title of the λ axis (say which convention). @default "λ" */
  xTitle?: string;
  /** Title of the value axis. @default "Weight" */
  yTitle?: string;
  /** Width in pixels. @default 520 */
  width?: number;
  /** Height in pixels. @default 300 */
  height?: number;
}

/** The option names RegularizationPathChartOptions allows, for the misspelling check. */
const REGULARIZATION_PATH_CHART_OPTIONS = Object.keys(
  {
    highlight: true,
    color: true,
    title: true,
    subtitle: true,
    xTitle: true,
    yTitle: true,
    width: true,
    height: true,
  } satisfies Record<
    keyof RegularizationPathChartOptions,
    true
  >,
);

/**
 * Each weight against λ, one line per weight, on a log λ axis (symmetric-log when λ = 0 is
 * among the runs), with a rule at zero. Under L1 the lines reach zero one after another as λ
 * grows; under L2 they shrink together and stay apart from zero.
 *
 * @param rows One row per weight and λ: `{ lambda, weight, value }` plus any other fields.
 * @param options Which weights to highlight, titles, size.
 * @returns A fresh Vega-Lite v5 spec.
 *
 * @example Two weights, one zeroed at the larger λ
 * ```ts
 * import { regularizationPathChart } from "./regularization_path.ts";
 * const rows = [0.01, 0.1, 1].flatMap((lambda) => [
 *   { lambda, weight: "a", value: 1 - lambda / 2 },
 *   { lambda, weight: "b", value: lambda < 1 ? 0.5 - lambda : 0 },
 * ]);
 * const spec = regularizationPathChart(rows, { xTitle: "λ (keras)" });
 * if ((spec.layer as unknown[]).length !== 2) throw new Error("lines and the zero rule");
 * ```
 */
export function regularizationPathChart(
  rows: readonly PathPoint[],
  options: RegularizationPathChartOptions = {},
): VegaLiteSpec {
  checkOptions(options, REGULARIZATION_PATH_CHART_OPTIONS);
  const items = checkNonEmptyArray<unknown>(rows, "rows", "{lambda, weight, value} rows");
  const colorField = options.color === undefined
    ? undefined
    : checkString(options.color, "options.color");
  const values = items.map((item, i) => {
    const r = checkObject(item, `rows[${i}]`);
    const lambda = checkLambda(r.lambda, `rows[${i}].lambda`);
    const weight = checkString(r.weight, `rows[${i}].weight`);
    if (typeof r.value !== "number" || !Number.isFinite(r.value)) {
      throw new TypeError(`rows[${i}].value must be a finite number, got ${describe(r.value)}`);
    }
    const out: Record<string, unknown> = { lambda, weight, value: round(r.value) };
    if (colorField !== undefined) {
      const c = r[colorField];
      if (typeof c !== "string" && typeof c !== "number") {
        throw new TypeError(
          `rows[${i}].${colorField} must be a string or a number (options.color), got ${
            describe(c)
          }`,
        );
      }
      out[colorField] = c;
    }
    return out;
  });
  const weights = [...new Set(values.map((v) => v.weight as string))];
  if (options.highlight !== undefined && colorField !== undefined) {
    throw new TypeError("options.highlight and options.color cannot both be set");
  }
  let highlight: string[];
  if (options.highlight !== undefined) {
    if (!Array.isArray(options.highlight)) {
      throw new TypeError(
        `options.highlight must be an array of weight names, got ${describe(options.highlight)}`,
      );
    }
    highlight = options.highlight.map((h, i) => {
      const name = checkString(h, `options.highlight[${i}]`);
      if (!weights.includes(name)) {
        throw new RangeError(
          `options.highlight[${i}] must name a weight of the rows, got ${describe(name)}; ` +
            `some weights are ${quoteList(weights.slice(0, 5))}`,
        );
      }
      return name;
    });
  } else {
    highlight = colorField === undefined && weights.length <= 10 ? weights : [];
  }
  const lit = new Set(highlight);
  const xTitle = checkString(options.xTitle ?? "λ", "options.xTitle", true);
  const x = lambdaAxis("lambda", values.map((v) => v.lambda as number), xTitle);
  const y = {
    field: "value",
    type: "quantitative",
    title: checkString(options.yTitle ?? "Weight", "options.yTitle", true),
  };
  const tooltip = [
    { field: "weight", type: "nominal" },
    { field: "lambda", type: "quantitative", title: "λ", format: "~g" },
    { field: "value", type: "quantitative", format: ".4~g" },
  ];
  const layer: Record<string, unknown>[] = [];
  const grey = values.filter((v) => colorField === undefined && !lit.has(v.weight as string));
  const coloured = colorField === undefined
    ? values.filter((v) => lit.has(v.weight as string))
    : values;
  if (grey.length > 0) {
    layer.push({
      name: "path_other",
      data: { values: grey },
      mark: { type: "line", strokeWidth: 1.2, color: "#9a9a9a", opacity: 0.7, point: false },
      encoding: { x, y, detail: { field: "weight", type: "nominal" }, tooltip },
    });
  }
  if (coloured.length > 0) {
    const field = colorField ?? "weight";
    const domain = colorField === undefined
      ? highlight
      : [...new Set(coloured.map((v) => v[field] as string | number))];
    layer.push({
      name: "path",
      data: { values: coloured },
      mark: { type: "line", strokeWidth: 2.5, point: { size: 28 } },
      encoding: {
        x,
        y,
        detail: { field: "weight", type: "nominal" },
        color: {
          field,
          type: "nominal",
          title: colorField ?? "Weight",
          scale: { domain },
          legend: domain.length > 16 ? null : { labelLimit: 260 },
        },
        tooltip: colorField === undefined
          ? tooltip
          : [...tooltip, { field: colorField, type: "nominal" }],
      },
    });
  }
  layer.push({
    name: "zero",
    data: { values: [{ zero: 0 }] },
    mark: { type: "rule", color: "#333333", strokeDash: [4, 3], strokeWidth: 1 },
    encoding: { y: { field: "zero", type: "quantitative" } },
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: titleOf(options.title ?? "Regularization path", options.subtitle),
    width: checkPositive(options.width ?? 520, "options.width"),
    height: checkPositive(options.height ?? 300, "options.height"),
    layer,
    config: chartConfig(),
  };
}
