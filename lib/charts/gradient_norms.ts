/**
 * Gradient norms per layer, one line per run, on a log scale: the picture of vanishing and
 * exploding gradients.
 *
 * @module
 */
import {
  CATEGORY_COLORS,
  chartConfig,
  round,
  titleOf,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
} from "./_common.ts";
import {
  checkBoolean,
  checkFinite,
  checkNonEmptyArray,
  checkObject,
  checkOptions,
  checkPositive,
  checkPositiveInt,
  checkString,
  describe,
} from "../_validate.ts";

/** One layer's gradient norm (lib's `KernelGradientStats` has this shape). */
export interface GradientNormLayer {
  /** l: 1 for the first layer with a kernel, 2 for the next, … */
  depth: number;
  /** ‖∂L/∂W[l]‖. */
  norm: number;
  /** The layer's name, for the tooltip. @default undefined */
  layer?: string;
}

/** One run's layers, e.g. a sigmoid network with Glorot weights. */
export interface GradientNormRun {
  /** The run's name in the legend. */
  name: string;
  /** Its layers (from `gradientStats(...).kernels`). */
  layers: readonly GradientNormLayer[];
}

/** Options of {@link gradientNormChart}. */
export interface GradientNormChartOptions {
  /** Chart title. @default "Gradient norm per layer" */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /** Title of the x axis. @default "layer l (input side first)" */
  xTitle?: string;
  /** Title of the y axis. @default "‖∂L/∂W[l]‖" */
  yTitle?: string;
  /** Log scale on the norm axis (every norm must then be > 0). @default true */
  logY?: boolean;
  /** Width in pixels. @default 460 */
  width?: number;
  /** Height in pixels. @default 260 */
  height?: number;
}

/** The option names GradientNormChartOptions allows, for the misspelling check. */
const GRADIENT_NORM_OPTIONS = Object.keys(
  {
    title: true,
    subtitle: true,
    xTitle: true,
    yTitle: true,
    logY: true,
    width: true,
    height: true,
  } satisfies Record<keyof GradientNormChartOptions, true>,
);

/**
 * Draws the norm of each layer's gradient, ‖∂L/∂W[l]‖ = √(Σ g²), against the layer number l,
 * one coloured line (with a point per layer) per run, on a log scale by default. Gradients that
 * vanish make a line that falls by orders of magnitude towards the input (l = 1); exploding
 * ones rise; a good initialization keeps the line about flat.
 *
 * @param runs One run as an array of layers, or several named runs (for instance
 *   `{ name: "sigmoid, Glorot", layers: gradientStats(model, data).kernels }`).
 * @param options Titles, log scale and size.
 * @returns A fresh Vega-Lite v5 spec.
 * @throws {RangeError} For repeated run names or layer numbers, a norm that is not a finite
 *   number >= 0, or a norm of 0 on a log scale.
 *
 * @example Two runs of three layers
 * ```ts
 * import { gradientNormChart } from "./gradient_norms.ts";
 * const spec = gradientNormChart([
 *   { name: "sigmoid, Glorot", layers: [1e-5, 1e-3, 1e-1].map((norm, i) => ({ depth: i + 1, norm })) },
 *   { name: "ReLU, He", layers: [0.4, 0.5, 0.6].map((norm, i) => ({ depth: i + 1, norm })) },
 * ]);
 * if ((spec.data as { values: unknown[] }).values.length !== 6) throw new Error("rows");
 * ```
 */
export function gradientNormChart(
  runs: readonly GradientNormLayer[] | readonly GradientNormRun[],
  options: GradientNormChartOptions = {},
): VegaLiteSpec {
  checkOptions(options, GRADIENT_NORM_OPTIONS);
  const items = checkNonEmptyArray<unknown>(runs, "runs", "layers or { name, layers } runs");
  const first = checkObject(items[0], "runs[0]");
  const named = Array.isArray(first.layers)
    ? items.map((item, i) => {
      const run = checkObject(item, `runs[${i}]`);
      return {
        name: checkString(run.name, `runs[${i}].name`),
        layers: checkNonEmptyArray<unknown>(run.layers, `runs[${i}].layers`, "layers"),
        where: `runs[${i}].layers`,
      };
    })
    : [{ name: "gradient", layers: items, where: "runs" }];
  const logY = checkBoolean(options.logY ?? true, "options.logY");
  const width = checkPositive(options.width ?? 460, "options.width");
  const height = checkPositive(options.height ?? 260, "options.height");
  const xTitle = checkString(
    options.xTitle ?? "layer l (input side first)",
    "options.xTitle",
    true,
  );
  const yTitle = checkString(options.yTitle ?? "‖∂L/∂W[l]‖", "options.yTitle", true);
  const names: string[] = [];
  let maxDepth = 1;
  const rows = named.flatMap(({ name, layers, where }, r) => {
    if (names.includes(name)) {
      throw new RangeError(`runs[${r}].name must be unique, got ${describe(name)} twice`);
    }
    names.push(name);
    const depths = new Set<number>();
    return layers.map((item, j) => {
      const at = `${where}[${j}]`;
      const o = checkObject(item, at);
      const depth = checkPositiveInt(o.depth, `${at}.depth`);
      if (depths.has(depth)) {
        throw new RangeError(`${at}.depth must be unique within its run, got ${depth} twice`);
      }
      depths.add(depth);
      maxDepth = Math.max(maxDepth, depth);
      const norm = checkFinite(o.norm, `${at}.norm`);
      if (norm < 0) throw new RangeError(`${at}.norm must be >= 0, got ${norm}`);
      if (logY && norm === 0) {
        throw new RangeError(
          `${at}.norm must be > 0 on a log scale, got 0; pass options.logY: false to draw it`,
        );
      }
      const layer = o.layer === undefined ? `layer ${depth}` : checkString(o.layer, `${at}.layer`);
      return { run: name, depth, layer, norm: round(norm) };
    });
  });
  const title = titleOf(options.title ?? "Gradient norm per layer", options.subtitle);
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title ? { title } : {}),
    data: { values: rows },
    width,
    height,
    encoding: {
      x: {
        field: "depth",
        type: "quantitative",
        title: xTitle,
        scale: { domain: [1, Math.max(2, maxDepth)], nice: false },
        axis: { tickMinStep: 1, format: "d" },
      },
      y: {
        field: "norm",
        type: "quantitative",
        title: yTitle,
        ...(logY ? { scale: { type: "log" }, axis: { format: "~e" } } : {}),
      },
      color: {
        field: "run",
        type: "nominal",
        title: "run",
        scale: { domain: names, range: CATEGORY_COLORS.slice(0, names.length) },
        legend: { labelLimit: 360, symbolType: "stroke", symbolStrokeWidth: 3 },
      },
      tooltip: [
        { field: "run", type: "nominal", title: "run" },
        { field: "layer", type: "nominal", title: "layer" },
        { field: "depth", type: "quantitative", title: "l" },
        { field: "norm", type: "quantitative", title: "norm", format: ".3~e" },
      ],
    },
    layer: [{
      name: "norms",
      mark: { type: "line", strokeWidth: 2.5, point: { size: 50 } },
    }],
    config: chartConfig(),
  };
}
