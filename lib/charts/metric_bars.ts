/**
 * Grouped bars: one group per model, one bar per metric (e.g. train and test accuracy).
 *
 * @module
 */
import {
  chartConfig,
  checkAngle,
  round,
  titleOf,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
} from "./_common.ts";
import {
  checkFinite,
  checkNonEmptyArray,
  checkObject,
  checkOptions,
  checkPositive,
  checkString,
  describe,
} from "../_validate.ts";

/** One bar: a model, a metric and its value. */
export interface MetricRow {
  /** The model (a name, or a number such as a layer width). */
  model: string | number;
  /** The metric, e.g. "train accuracy". */
  metric: string;
  /** Its value. */
  value: number;
}

/** Options of {@link metricBars}. */
export interface MetricBarsOptions {
  /** Chart title. @default undefined */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /** Title of the model axis. @default "Model" */
  modelTitle?: string;
  /** Title of the value axis. @default "Value" */
  valueTitle?: string;
  /** The value axis range; the default starts at zero. @default undefined */
  valueDomain?: readonly [number, number];
  /** d3 number format of the labels on the bars; "" for no labels. @default ".2f" */
  format?: string;
  /** Height in pixels. @default 280 */
  height?: number;
  /** Width of one bar in pixels (bars of a model stand side by side). @default 32 */
  barWidth?: number;
  /** Angle of the model labels in degrees, e.g. -45 for long names. @default 0 */
  labelAngle?: number;
}

/** The option names MetricBarsOptions allows, for the misspelling check. */
const METRIC_BARS_OPTIONS = Object.keys(
  {
    title: true,
    subtitle: true,
    modelTitle: true,
    valueTitle: true,
    valueDomain: true,
    format: true,
    height: true,
    barWidth: true,
    labelAngle: true,
  } satisfies Record<
    keyof MetricBarsOptions,
    true
  >,
);

/**
 * Grouped bars comparing metrics across models, e.g. train and test accuracy per hidden-layer
 * width. Models keep the order in which they first appear in `rows`, metrics too; each bar
 * carries its value as a label.
 *
 * @param rows One `{model, metric, value}` per bar; each (model, metric) pair at most once.
 * @param options Titles, axis range, label format and size.
 * @returns A fresh Vega-Lite v5 spec.
 *
 * @example Train and test accuracy of two widths
 * ```ts
 * import { metricBars } from "./metric_bars.ts";
 * const spec = metricBars([
 *   { model: 10, metric: "train", value: 0.9 }, { model: 10, metric: "test", value: 0.88 },
 *   { model: 1000, metric: "train", value: 1 }, { model: 1000, metric: "test", value: 0.86 },
 * ], { title: "Accuracy by width", modelTitle: "Hidden units" });
 * if (spec.title === undefined) throw new Error("title missing");
 * ```
 */
export function metricBars(
  rows: readonly MetricRow[],
  options: MetricBarsOptions = {},
): VegaLiteSpec {
  checkOptions(options, METRIC_BARS_OPTIONS);
  const items = checkNonEmptyArray<unknown>(rows, "rows", "{model, metric, value} rows");
  const models: (string | number)[] = [];
  const metrics: string[] = [];
  const seen = new Set<string>();
  const values = items.map((item, i) => {
    const row = checkObject(item, `rows[${i}]`);
    const model = row.model;
    if (typeof model === "number" ? !Number.isFinite(model) : typeof model !== "string") {
      throw new TypeError(
        `rows[${i}].model must be a string or a finite number, got ${describe(model)}`,
      );
    }
    const metric = checkString(row.metric, `rows[${i}].metric`);
    const value = checkFinite(row.value, `rows[${i}].value`);
    const key = JSON.stringify([model, metric]);
    if (seen.has(key)) {
      throw new RangeError(
        `rows must hold each (model, metric) pair once, got (${describe(model)}, ${
          describe(metric)
        }) twice at rows[${i}]`,
      );
    }
    seen.add(key);
    if (!models.includes(model as string | number)) models.push(model as string | number);
    if (!metrics.includes(metric)) metrics.push(metric);
    return { model, metric, value: round(value) };
  });
  const format = options.format ?? ".2f";
  if (typeof format !== "string") {
    throw new TypeError(`options.format must be a d3 format string, got ${describe(format)}`);
  }
  const height = checkPositive(options.height ?? 280, "options.height");
  const barWidth = checkPositive(options.barWidth ?? 32, "options.barWidth");
  const labelAngle = checkAngle(options.labelAngle ?? 0, "options.labelAngle");
  let scale: Record<string, unknown> = {};
  if (options.valueDomain !== undefined) {
    const d = options.valueDomain as unknown;
    if (
      !Array.isArray(d) || d.length !== 2 || !d.every(Number.isFinite) || !(d[0] < d[1])
    ) {
      throw new RangeError(
        `options.valueDomain must be two increasing finite numbers, got ${describe(d)}`,
      );
    }
    scale = { domain: [d[0], d[1]], clamp: true };
  }
  const encoding = {
    x: {
      field: "model",
      type: "nominal",
      sort: [...models],
      title: checkString(options.modelTitle ?? "Model", "options.modelTitle", true),
      axis: { labelAngle },
    },
    xOffset: { field: "metric", type: "nominal", sort: [...metrics] },
    y: {
      field: "value",
      type: "quantitative",
      title: checkString(options.valueTitle ?? "Value", "options.valueTitle", true),
      scale,
    },
  };
  const layer: Record<string, unknown>[] = [{
    name: "bars",
    mark: { type: "bar" },
    encoding: {
      ...encoding,
      color: { field: "metric", type: "nominal", sort: [...metrics], title: "Metric" },
      tooltip: [
        { field: "model", type: "nominal", title: "Model" },
        { field: "metric", type: "nominal", title: "Metric" },
        { field: "value", type: "quantitative", title: "Value", format: ".4f" },
      ],
    },
  }];
  if (format !== "") {
    layer.push({
      name: "bar_labels",
      mark: { type: "text", baseline: "bottom", dy: -3, fontSize: 12, color: "#333333" },
      encoding: {
        ...structuredClone(encoding),
        text: { field: "value", type: "quantitative", format },
      },
    });
  }
  const title = titleOf(options.title, options.subtitle);
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title ? { title } : {}),
    data: { values },
    width: { step: barWidth },
    height,
    layer,
    config: chartConfig(),
  };
}
