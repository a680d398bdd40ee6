/**
 * Histograms of activations, one small panel per layer, several runs overlaid.
 *
 * @module
 */
import { chartConfig, round, titleOf, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./_common.ts";
import {
  checkFinite,
  checkNonEmptyArray,
  checkObject,
  checkOptions,
  checkPositive,
  checkPositiveInt,
  checkString,
  describe,
} from "../_validate.ts";

/** A precomputed histogram of one layer (lib's `LayerActivationStats` has this shape). */
export interface LayerHistogram {
  /** The layer's name. */
  layer: string;
  /** Its bins: values in [start, end) and their count. */
  histogram: readonly { start: number; end: number; count: number }[];
}

/** One run's layers, e.g. a model with or without batch norm. */
export interface HistogramRun {
  /** The run's name in the legend. */
  name: string;
  /** Its layers, input side first. */
  layers: readonly LayerHistogram[];
}

/** Options of {@link activationHistograms}. */
export interface ActivationHistogramsOptions {
  /** Chart title. @default "Activations per layer" */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /**
   * Panel titles, one per layer position; by default the first run's layer names. With
   * several runs whose layers differ in name (e.g. `hidden1` and `hidden1_tanh`), panels are
   * matched by position.
   * @default the first run's layer names
   */
  panelTitles?: readonly string[];
  /** Title of the value axis. @default "Activation" */
  valueTitle?: string;
  /** Panels per row. @default 4 */
  columns?: number;
  /** Width of one panel in pixels. @default 150 */
  width?: number;
  /** Height of one panel in pixels. @default 100 */
  height?: number;
  /** Give each panel its own y scale (the share of values per bin varies a lot between layers). @default true */
  independentY?: boolean;
}

/** The option names ActivationHistogramsOptions allows, for the misspelling check. */
const ACTIVATION_HISTOGRAMS_OPTIONS = Object.keys(
  {
    title: true,
    subtitle: true,
    panelTitles: true,
    valueTitle: true,
    columns: true,
    width: true,
    height: true,
    independentY: true,
  } satisfies Record<
    keyof ActivationHistogramsOptions,
    true
  >,
);

/**
 * Histograms of per-layer values (activations of a batch, for instance), one panel per layer
 * in order, with the runs overlaid in their colours. The bars show the share of the layer's
 * values in each bin, so runs with different batch sizes compare directly. The bins are
 * precomputed (see `activationStats`), which keeps the spec small however many values there
 * were.
 *
 * @param runs One run as an array of layers, or several named runs.
 * @param options Titles, panel layout and size.
 * @returns A fresh Vega-Lite v5 spec (a wrapped facet).
 *
 * @example Two layers of one run
 * ```ts
 * import { activationHistograms } from "./activation_histograms.ts";
 * const bins = (c: number[]) => c.map((count, i) => ({ start: i, end: i + 1, count }));
 * const spec = activationHistograms([
 *   { layer: "hidden1", histogram: bins([1, 4, 1]) },
 *   { layer: "hidden2", histogram: bins([0, 6, 0]) },
 * ]);
 * if ((spec.data as { values: unknown[] }).values.length !== 6) throw new Error("rows");
 * ```
 */
export function activationHistograms(
  runs: readonly LayerHistogram[] | readonly HistogramRun[],
  options: ActivationHistogramsOptions = {},
): VegaLiteSpec {
  checkOptions(options, ACTIVATION_HISTOGRAMS_OPTIONS);
  const items = checkNonEmptyArray<unknown>(runs, "runs", "layers or {name, layers} runs");
  const first = checkObject(items[0], "runs[0]");
  const named: { name: string; layers: unknown[]; where: string }[] = Array.isArray(first.layers)
    ? items.map((item, i) => {
      const run = checkObject(item, `runs[${i}]`);
      return {
        name: checkString(run.name, `runs[${i}].name`),
        layers: checkNonEmptyArray<unknown>(run.layers, `runs[${i}].layers`, "layer histograms"),
        where: `runs[${i}].layers`,
      };
    })
    : [{ name: "model", layers: items, where: "runs" }];
  const names = named.map((r) => r.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) {
      throw new RangeError(`runs[${i}].name must be unique, got ${describe(n)} twice`);
    }
  });
  const numPanels = Math.max(...named.map((r) => r.layers.length));
  const firstNames = named[0].layers.map((l, j) =>
    checkString(checkObject(l, `${named[0].where}[${j}]`).layer, `${named[0].where}[${j}].layer`)
  );
  let titles: string[];
  if (options.panelTitles !== undefined) {
    titles = checkNonEmptyArray<unknown>(options.panelTitles, "options.panelTitles", "titles")
      .map((t, i) => checkString(t, `options.panelTitles[${i}]`));
    if (titles.length !== numPanels) {
      throw new RangeError(
        `options.panelTitles must have one title per layer position (${numPanels}), got ${titles.length}`,
      );
    }
  } else {
    titles = Array.from({ length: numPanels }, (_, j) => firstNames[j] ?? `layer ${j + 1}`);
  }
  if (new Set(titles).size !== titles.length) {
    throw new RangeError("panel titles must be unique; pass options.panelTitles");
  }

  const rows: Record<string, unknown>[] = [];
  for (const run of named) {
    run.layers.forEach((item, j) => {
      const where = `${run.where}[${j}]`;
      const layer = checkObject(item, where);
      checkString(layer.layer, `${where}.layer`);
      const bins = checkNonEmptyArray<unknown>(layer.histogram, `${where}.histogram`, "bins");
      let total = 0;
      const parsed = bins.map((b, k) => {
        const bin = checkObject(b, `${where}.histogram[${k}]`);
        const start = checkFinite(bin.start, `${where}.histogram[${k}].start`);
        const end = checkFinite(bin.end, `${where}.histogram[${k}].end`);
        const count = checkFinite(bin.count, `${where}.histogram[${k}].count`);
        if (!(end > start)) {
          throw new RangeError(
            `${where}.histogram[${k}] must have end > start, got [${start}, ${end}]`,
          );
        }
        if (count < 0) {
          throw new RangeError(`${where}.histogram[${k}].count must be >= 0, got ${count}`);
        }
        total += count;
        return { start, end, count };
      });
      for (const { start, end, count } of parsed) {
        rows.push({
          run: run.name,
          panel: titles[j],
          start: round(start),
          end: round(end),
          share: total > 0 ? round(count / total) : 0,
        });
      }
    });
  }
  const columns = checkPositiveInt(options.columns ?? 4, "options.columns");
  const independentY = options.independentY ?? true;
  if (typeof independentY !== "boolean") {
    throw new TypeError(`options.independentY must be a boolean, got ${describe(independentY)}`);
  }
  const several = named.length > 1;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: titleOf(options.title ?? "Activations per layer", options.subtitle),
    data: { values: rows },
    facet: { field: "panel", type: "nominal", sort: [...titles], title: null },
    columns: Math.min(columns, titles.length),
    spec: {
      name: "histogram",
      width: checkPositive(options.width ?? 150, "options.width"),
      height: checkPositive(options.height ?? 100, "options.height"),
      // rect, not bar: a bar with x and x2 would be read as a horizontal ranged bar
      mark: { type: "rect", opacity: several ? 0.55 : 0.85 },
      encoding: {
        x: {
          field: "start",
          type: "quantitative",
          title: checkString(options.valueTitle ?? "Activation", "options.valueTitle", true),
          axis: { tickCount: 4 },
          scale: { padding: 0, zero: false },
        },
        x2: { field: "end" },
        y: {
          field: "share",
          type: "quantitative",
          title: "Share of values",
          stack: null,
          scale: { padding: 0, zero: true },
          axis: { format: ".0%", tickCount: 3 },
        },
        y2: { datum: 0 },
        color: several
          ? { field: "run", type: "nominal", title: "Run", sort: [...names] }
          : { value: "#1f77b4" },
        tooltip: [
          ...(several ? [{ field: "run", type: "nominal", title: "Run" }] : []),
          { field: "start", type: "quantitative", title: "From", format: ".3f" },
          { field: "end", type: "quantitative", title: "To", format: ".3f" },
          { field: "share", type: "quantitative", title: "Share", format: ".1%" },
        ],
      },
    },
    // each panel draws its own x axis: a shared one sits in a footer, detached from the panels
    resolve: {
      scale: { y: independentY ? "independent" : "shared" },
      axis: { x: "independent" },
    },
    config: chartConfig(),
  };
}
