/**
 * Distributions of weights (or any values) by group: box plot, density or histogram.
 *
 * @module
 */
import { chartConfig, round, titleOf, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./_common.ts";
import {
  checkNonEmptyArray,
  checkObject,
  checkOneOf,
  checkOptions,
  checkPositive,
  checkPositiveInt,
  checkString,
  describe,
} from "../_validate.ts";

/** A named set of values, e.g. the first-layer weights of one model. */
export interface ValueGroup {
  /** The group's name (legend and axis label). */
  name: string;
  /** Its values; a `Float32Array` from `tensor.dataSync()` works too. */
  values: ArrayLike<number>;
}

/** The chart kinds of {@link weightDistribution}. */
export type DistributionKind = "box" | "density" | "histogram";

const KINDS: readonly DistributionKind[] = ["box", "density", "histogram"];

/** Options of {@link weightDistribution}. */
export interface WeightDistributionOptions {
  /** Box plot, kernel density estimate, or histogram. @default "box" */
  kind?: DistributionKind;
  /** Chart title. @default "Weight distribution" */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /** Title of the value axis. @default "Weight value" */
  valueTitle?: string;
  /** Width in pixels. @default 460 */
  width?: number;
  /** Height in pixels (box plots: per group). @default 240 (box: 44 per group) */
  height?: number;
  /** Histogram: the largest number of bins. @default 40 */
  maxBins?: number;
  /**
   * Box plot whiskers: a multiple of the interquartile range (values beyond are drawn as
   * points), or "min-max" to reach the smallest and largest value.
   * @default 1.5
   */
  extent?: number | "min-max";
  /** Density: the kernel bandwidth; 0 picks it by Scott's rule. @default 0 */
  bandwidth?: number;
}

/** The option names WeightDistributionOptions allows, for the misspelling check. */
const WEIGHT_DISTRIBUTION_OPTIONS = Object.keys(
  {
    kind: true,
    title: true,
    subtitle: true,
    valueTitle: true,
    width: true,
    height: true,
    maxBins: true,
    extent: true,
    bandwidth: true,
  } satisfies Record<
    keyof WeightDistributionOptions,
    true
  >,
);

/**
 * The distribution of values in several groups, to compare for example the weights of a
 * plain and an L2-regularized model.
 *
 * - `"box"`: one horizontal box per group (quartiles, whiskers, outliers);
 * - `"density"`: a Gaussian kernel density estimate per group, as filled curves;
 * - `"histogram"`: overlaid histograms with shared bins, counts on the y axis.
 *
 * Values are rounded to 6 significant digits to keep the spec small.
 *
 * @param groups One `{name, values}` per group.
 * @param options The kind of chart, titles and size.
 * @returns A fresh Vega-Lite v5 spec.
 *
 * @example A box plot of two groups
 * ```ts
 * import { weightDistribution } from "./weight_distribution.ts";
 * const spec = weightDistribution([
 *   { name: "plain", values: [-2, -1, 0, 1, 2] },
 *   { name: "L2", values: [-0.4, -0.1, 0, 0.1, 0.3] },
 * ], { kind: "box" });
 * if ((spec.data as { values: unknown[] }).values.length !== 10) throw new Error("rows");
 * ```
 */
export function weightDistribution(
  groups: readonly ValueGroup[],
  options: WeightDistributionOptions = {},
): VegaLiteSpec {
  checkOptions(options, WEIGHT_DISTRIBUTION_OPTIONS);
  const kind = checkOneOf(options.kind ?? "box", "options.kind", KINDS);
  const items = checkNonEmptyArray<unknown>(groups, "groups", "{name, values} groups");
  const width = checkPositive(options.width ?? 460, "options.width");
  const valueTitle = checkString(options.valueTitle ?? "Weight value", "options.valueTitle", true);
  const names: string[] = [];
  const rows: { group: string; value: number }[] = [];
  let lo = Infinity, hi = -Infinity;
  items.forEach((item, g) => {
    const group = checkObject(item, `groups[${g}]`);
    const name = checkString(group.name, `groups[${g}].name`);
    if (names.includes(name)) {
      throw new RangeError(`groups[${g}].name must be unique, got ${describe(name)} twice`);
    }
    names.push(name);
    const values = group.values as ArrayLike<unknown>;
    if (
      typeof values !== "object" || values === null || typeof values.length !== "number"
    ) {
      throw new TypeError(
        `groups[${g}].values must be an array of numbers, got ${describe(values)}`,
      );
    }
    if (values.length === 0) {
      throw new RangeError(`groups[${g}].values must hold at least one number, got none`);
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new TypeError(
          `groups[${g}].values[${i}] must be a finite number, got ${describe(v)}`,
        );
      }
      const r = round(v);
      if (r < lo) lo = r;
      if (r > hi) hi = r;
      rows.push({ group: name, value: r });
    }
  });

  if (lo === hi) {
    // All values equal: widen the range so the axes are not degenerate.
    const pad = Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const color = {
    field: "group",
    type: "nominal",
    title: "Group",
    sort: [...names],
    scale: { domain: [...names] },
  };
  let view: Record<string, unknown>;
  if (kind === "box") {
    const extent = options.extent ?? 1.5;
    if (extent !== "min-max" && (typeof extent !== "number" || !(extent > 0))) {
      throw new RangeError(
        `options.extent must be a positive number or "min-max", got ${describe(extent)}`,
      );
    }
    const step = checkPositive(options.height ?? 44, "options.height");
    view = {
      name: "box",
      width,
      height: { step },
      mark: {
        type: "boxplot",
        extent,
        size: Math.max(8, Math.round(step * 0.55)),
        median: { color: "white", strokeWidth: 2 },
        outliers: { size: 14, opacity: 0.5 },
      },
      encoding: {
        y: { field: "group", type: "nominal", sort: [...names], title: null },
        // An explicit domain: with no outliers at all, a data-driven one would include the
        // empty outlier set's extent and vega would warn.
        x: {
          field: "value",
          type: "quantitative",
          title: valueTitle,
          scale: { domain: [lo, hi], nice: true, zero: false },
        },
        color: { ...color, legend: null },
      },
    };
  } else if (kind === "density") {
    const bandwidth = options.bandwidth ?? 0;
    if (typeof bandwidth !== "number" || !(bandwidth >= 0) || !Number.isFinite(bandwidth)) {
      throw new RangeError(
        `options.bandwidth must be a non-negative number, got ${describe(bandwidth)}`,
      );
    }
    const pad = (hi - lo) * 0.1 || Math.max(Math.abs(hi) * 0.1, 0.1);
    const encoding = {
      x: { field: "value", type: "quantitative", title: valueTitle },
      y: { field: "density", type: "quantitative", title: "Density", stack: null },
      color,
    };
    view = {
      width,
      height: checkPositive(options.height ?? 240, "options.height"),
      transform: [{
        density: "value",
        groupby: ["group"],
        extent: [round(lo - pad), round(hi + pad)],
        steps: 200,
        ...(bandwidth > 0 ? { bandwidth } : {}),
        as: ["value", "density"],
      }],
      layer: [
        { name: "density_area", mark: { type: "area", opacity: 0.25 }, encoding },
        { name: "density_line", mark: { type: "line", strokeWidth: 2.5 }, encoding },
      ],
    };
  } else {
    const maxBins = checkPositiveInt(options.maxBins ?? 40, "options.maxBins");
    view = {
      name: "histogram",
      width,
      height: checkPositive(options.height ?? 240, "options.height"),
      mark: { type: "bar", opacity: names.length > 1 ? 0.55 : 0.85, binSpacing: 0 },
      encoding: {
        x: { field: "value", type: "quantitative", bin: { maxbins: maxBins }, title: valueTitle },
        y: { aggregate: "count", type: "quantitative", title: "Count", stack: null },
        color,
      },
    };
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: titleOf(options.title ?? "Weight distribution", options.subtitle),
    data: { values: rows },
    ...view,
    config: chartConfig(),
  };
}
