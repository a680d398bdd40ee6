/**
 * Metrics (training and test accuracy, sparsity, …) against the penalty strength λ.
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
} from "../_validate.ts";
import { checkLambda, lambdaAxis } from "./_lambda.ts";

/** Options of {@link accuracyVsLambda}. */
export interface AccuracyVsLambdaOptions {
  /** Fields of the rows to draw, one line each. @default ["train", "test"] */
  metrics?: readonly string[];
  /** Field holding λ. @default "lambda" */
  lambdaField?: string;
  /** Chart title. @default "Accuracy against λ" */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /** Title of the λ axis (say which convention). @default "λ" */
  xTitle?: string;
  /** Title of the value axis. @default "Accuracy" */
  yTitle?: string;
  /** Legend title. @default "Data" */
  colorTitle?: string;
  /** Width in pixels. @default 460 */
  width?: number;
  /** Height in pixels. @default 260 */
  height?: number;
}

/** The option names AccuracyVsLambdaOptions allows, for the misspelling check. */
const ACCURACY_VS_LAMBDA_OPTIONS = Object.keys(
  {
    metrics: true,
    lambdaField: true,
    title: true,
    subtitle: true,
    xTitle: true,
    yTitle: true,
    colorTitle: true,
    width: true,
    height: true,
  } satisfies Record<
    keyof AccuracyVsLambdaOptions,
    true
  >,
);

/**
 * One line per metric against λ, a point at every λ, on a log λ axis (symmetric-log when
 * λ = 0 is among the rows, so the unregularized model shows at the left end). Made for a λ
 * sweep: training accuracy falls as λ grows, test accuracy rises and then falls, and the gap
 * between them closes.
 *
 * @param rows One row per λ, e.g. `{ lambda: 0.01, train: 0.93, test: 0.91 }`.
 * @param options Which fields, titles and size.
 * @returns A fresh Vega-Lite v5 spec.
 *
 * @example A sweep that starts at λ = 0
 * ```ts
 * import { accuracyVsLambda } from "./lambda_sweep.ts";
 * const spec = accuracyVsLambda([
 *   { lambda: 0, train: 1, test: 0.86 },
 *   { lambda: 0.01, train: 0.93, test: 0.9 },
 *   { lambda: 1, train: 0.5, test: 0.5 },
 * ], { xTitle: "λ (keras)" });
 * if ((spec.data as { values: unknown[] }).values.length !== 6) throw new Error("rows");
 * ```
 */
export function accuracyVsLambda(
  rows: readonly object[],
  options: AccuracyVsLambdaOptions = {},
): VegaLiteSpec {
  checkOptions(options, ACCURACY_VS_LAMBDA_OPTIONS);
  const items = checkNonEmptyArray<unknown>(rows, "rows", "records with λ and metric fields");
  const lambdaField = checkString(options.lambdaField ?? "lambda", "options.lambdaField");
  const metrics = checkNonEmptyArray<unknown>(
    options.metrics ?? ["train", "test"],
    "options.metrics",
    "field names",
  ).map((m, i) => checkString(m, `options.metrics[${i}]`));
  if (new Set(metrics).size !== metrics.length) {
    throw new RangeError(`options.metrics must not repeat a field, got ${describe(metrics)}`);
  }
  const values: { lambda: number; metric: string; value: number }[] = [];
  items.forEach((item, i) => {
    const r = checkObject(item, `rows[${i}]`);
    const lambda = checkLambda(r[lambdaField], `rows[${i}].${lambdaField}`);
    for (const m of metrics) {
      const v = r[m];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new TypeError(
          `rows[${i}].${m} must be a finite number (a metric), got ${describe(v)}`,
        );
      }
      values.push({ lambda, metric: m, value: round(v) });
    }
  });
  const xTitle = checkString(options.xTitle ?? "λ", "options.xTitle", true);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: titleOf(options.title ?? "Accuracy against λ", options.subtitle),
    name: "metrics",
    data: { values },
    width: checkPositive(options.width ?? 460, "options.width"),
    height: checkPositive(options.height ?? 260, "options.height"),
    mark: { type: "line", strokeWidth: 2.5, point: { size: 60, filled: true } },
    encoding: {
      x: lambdaAxis("lambda", values.map((v) => v.lambda), xTitle),
      y: {
        field: "value",
        type: "quantitative",
        title: checkString(options.yTitle ?? "Accuracy", "options.yTitle", true),
        scale: { zero: false },
      },
      color: {
        field: "metric",
        type: "nominal",
        title: checkString(options.colorTitle ?? "Data", "options.colorTitle", true),
        sort: metrics,
        scale: { domain: metrics },
      },
      tooltip: [
        { field: "metric", type: "nominal" },
        { field: "lambda", type: "quantitative", title: "λ", format: "~g" },
        { field: "value", type: "quantitative", format: ".4~g" },
      ],
    },
    config: chartConfig(),
  };
}
