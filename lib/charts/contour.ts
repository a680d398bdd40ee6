/**
 * A loss surface as a shaded contour map with optimizer paths drawn over it: the chart of
 * lesson 10's trajectories on the ravine and on Rosenbrock's valley.
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
import { contourSegments } from "./_grid.ts";
import {
  checkBoolean,
  checkFinite,
  checkIntAtLeast,
  checkNonEmptyArray,
  checkObject,
  checkOptions,
  checkPositive,
  checkString,
  describe,
} from "../_validate.ts";

/** A surface evaluated on a regular grid (what `contourGrid` in `surfaces.ts` returns). */
export interface ContourGrid {
  /** Grid x values, ascending and evenly spaced. */
  xs: readonly number[];
  /** Grid y values, ascending and evenly spaced. */
  ys: readonly number[];
  /** f at (xs[i], ys[j]) is `values[j][i]`. */
  values: readonly (readonly number[])[];
  /** The surface's name. @default undefined */
  name?: string;
  /** Whether the contours read better on a log scale. @default false */
  logScale?: boolean;
  /** The surface's minimum, marked with a cross. @default undefined */
  minimum?: readonly [number, number];
}

/** One optimizer's path: its points in order (a `trajectory` result fits as is). */
export interface ContourPath {
  /** The legend entry. */
  name: string;
  /** The points, from the start on; a `loss` is shown in the tooltip. */
  points: readonly { x: number; y: number; loss?: number }[];
}

/** Options of {@link contourChart}. */
export interface ContourChartOptions {
  /** Paths drawn over the surface, one colour each. @default [] */
  trajectories?: readonly ContourPath[];
  /**
   * Contour lines: how many, evenly spaced between the grid's smallest and largest value
   * (evenly in log(1 + f − min) on a log scale), or the levels themselves.
   * @default 12
   */
  levels?: number | readonly number[];
  /** Shade and space the contours on a log scale (a symlog colour scale). @default grid.logScale */
  logScale?: boolean;
  /** Draw a point at every step of the paths (the last one larger). @default true */
  points?: boolean;
  /** Chart title. @default the grid's name */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /** Title of the x axis. @default "x" */
  xTitle?: string;
  /** Title of the y axis. @default "y" */
  yTitle?: string;
  /** Title of the colour legend of the surface. @default "f(x, y)" */
  valueTitle?: string;
  /** Title of the legend of the paths. @default "optimizer" */
  pathTitle?: string;
  /** Width in pixels. @default 480 */
  width?: number;
  /**
   * Height in pixels.
   * @default width × (y range / x range), kept within [0.4, 1.5] × width
   */
  height?: number;
}

/** The option names ContourChartOptions allows, for the misspelling check. */
const CONTOUR_OPTIONS = Object.keys(
  {
    trajectories: true,
    levels: true,
    logScale: true,
    points: true,
    title: true,
    subtitle: true,
    xTitle: true,
    yTitle: true,
    valueTitle: true,
    pathTitle: true,
    width: true,
    height: true,
  } satisfies Record<keyof ContourChartOptions, true>,
);

/** Light greys for the surface (low values lightest), so coloured paths stand out on it. */
const SURFACE_SCHEME = { name: "greys", extent: [0.03, 0.6] };

/** Checks that `values` is ascending; returns it as numbers. */
function checkAxis(value: unknown, name: string): number[] {
  const axis = checkNonEmptyArray<unknown>(value, name, "numbers").map((v, i) =>
    checkFinite(v, `${name}[${i}]`)
  );
  if (axis.length < 2) {
    throw new RangeError(`${name} must have at least 2 values, got ${axis.length}`);
  }
  for (let i = 1; i < axis.length; i++) {
    if (!(axis[i] > axis[i - 1])) {
      throw new RangeError(`${name} must be ascending, got ${axis[i]} after ${axis[i - 1]}`);
    }
  }
  return axis;
}

/** Checks a grid: axes ascending, one finite value per (x, y). */
function checkGrid(grid: unknown): { xs: number[]; ys: number[]; values: number[][] } {
  const g = checkObject(grid, "grid");
  const xs = checkAxis(g.xs, "grid.xs");
  const ys = checkAxis(g.ys, "grid.ys");
  const rows = g.values;
  if (!Array.isArray(rows) || rows.length !== ys.length) {
    throw new RangeError(
      `grid.values must have ${ys.length} rows (one per y), got ${
        Array.isArray(rows) ? rows.length : describe(rows)
      }`,
    );
  }
  const values = rows.map((row, j) => {
    if (!Array.isArray(row) || row.length !== xs.length) {
      throw new RangeError(
        `grid.values[${j}] must have ${xs.length} values (one per x), got ${
          Array.isArray(row) ? row.length : describe(row)
        }`,
      );
    }
    return row.map((v, i) => checkFinite(v, `grid.values[${j}][${i}]`));
  });
  return { xs, ys, values };
}

/** symlog-like transform s(v) = log(1 + v − min), and back. */
function logLevels(lo: number, hi: number, n: number): number[] {
  const top = Math.log1p(hi - lo);
  return Array.from({ length: n }, (_, k) => lo + Math.expm1((top * (k + 1)) / (n + 1)));
}

/**
 * Legend values for a symlog scale: 0 and the powers of ten from 1 up (with their negatives)
 * in range; below 1 the scale is nearly linear, and ticks there would overlap.
 */
function logTicks(lo: number, hi: number): number[] {
  const powers = Array.from({ length: 13 }, (_, k) => 10 ** k);
  const ticks = [...powers.map((p) => -p).reverse(), 0, ...powers].filter((v) =>
    v >= lo && v <= hi
  );
  return ticks.length >= 2 ? ticks : [round(lo, 3), round(hi, 3)];
}

/** The contour levels: explicit, or n evenly spaced strictly inside (lo, hi). */
function levelsOf(levels: unknown, lo: number, hi: number, logScale: boolean): number[] {
  if (Array.isArray(levels)) {
    return checkNonEmptyArray<unknown>(levels, "options.levels", "levels").map((v, i) =>
      checkFinite(v, `options.levels[${i}]`)
    );
  }
  const n = checkIntAtLeast(levels, "options.levels", 1);
  if (!(hi > lo)) return [];
  return logScale
    ? logLevels(lo, hi, n)
    : Array.from({ length: n }, (_, k) => lo + ((hi - lo) * (k + 1)) / (n + 1));
}

/** The paths checked and flattened into rows {name, step, x, y, loss?, end}. */
function pathRows(value: unknown): { names: string[]; rows: Record<string, unknown>[] } {
  if (!Array.isArray(value)) {
    throw new TypeError(
      `options.trajectories must be an array of { name, points }, got ${describe(value)}`,
    );
  }
  const names: string[] = [];
  const rows: Record<string, unknown>[] = [];
  value.forEach((path, k) => {
    const where = `options.trajectories[${k}]`;
    const p = checkObject(path, where);
    const name = checkString(p.name, `${where}.name`);
    if (names.includes(name)) {
      throw new RangeError(
        `options.trajectories must have distinct names, got ${describe(name)} twice`,
      );
    }
    names.push(name);
    const pts = p.points;
    if (!Array.isArray(pts)) {
      throw new TypeError(`${where}.points must be an array of {x, y}, got ${describe(pts)}`);
    }
    pts.forEach((pt: unknown, step: number) => {
      const o = checkObject(pt, `${where}.points[${step}]`);
      const row: Record<string, unknown> = {
        name,
        step,
        x: round(checkFinite(o.x, `${where}.points[${step}].x`)),
        y: round(checkFinite(o.y, `${where}.points[${step}].y`)),
        end: step === pts.length - 1,
      };
      if (typeof o.loss === "number" && Number.isFinite(o.loss)) row.loss = round(o.loss, 5);
      rows.push(row);
    });
  });
  return { names, rows };
}

/**
 * Draws a loss surface as a grey-shaded map with contour lines, and optimizer paths over it:
 * each path a coloured line through its points in step order, with a point per step (the
 * last one larger) and a legend entry, and the surface's minimum marked with a cross. Paths
 * that leave the grid are clipped at its edge. The contour lines come from the grid by
 * marching squares, at `levels` evenly spaced values (on a log scale: evenly spaced in
 * log(1 + f − min f), which suits surfaces whose values span decades, like Rosenbrock's).
 *
 * @param grid The surface on a grid, e.g. `contourGrid(ravine())`.
 * @param options Paths, levels, scale, titles and size.
 * @returns A fresh Vega-Lite v5 spec.
 * @throws {RangeError} For a grid whose values do not match its axes, non-finite values or
 *   points, or paths with the same name.
 *
 * @example Two short paths on a bowl
 * ```ts
 * import { contourChart } from "./contour.ts";
 * const xs = [-1, 0, 1], ys = [-1, 0, 1];
 * const values = ys.map((y) => xs.map((x) => x * x + 4 * y * y));
 * const spec = contourChart({ xs, ys, values, minimum: [0, 0] }, {
 *   trajectories: [
 *     { name: "gd", points: [{ x: -1, y: 1 }, { x: -0.8, y: -0.6 }] },
 *     { name: "adam", points: [{ x: -1, y: 1 }, { x: -0.9, y: 0.9 }] },
 *   ],
 * });
 * if ((spec.datasets as { paths: unknown[] }).paths.length !== 4) throw new Error();
 * ```
 */
export function contourChart(grid: ContourGrid, options: ContourChartOptions = {}): VegaLiteSpec {
  const { xs, ys, values } = checkGrid(grid);
  checkOptions(options, CONTOUR_OPTIONS);
  const logScale = checkBoolean(options.logScale ?? grid.logScale ?? false, "options.logScale");
  const points = checkBoolean(options.points ?? true, "options.points");
  const width = checkPositive(options.width ?? 480, "options.width");
  const spanX = xs[xs.length - 1] - xs[0], spanY = ys[ys.length - 1] - ys[0];
  const height = options.height === undefined
    ? Math.round(width * Math.min(1.5, Math.max(0.4, spanY / spanX)))
    : checkPositive(options.height, "options.height");
  const xTitle = checkString(options.xTitle ?? "x", "options.xTitle", true);
  const yTitle = checkString(options.yTitle ?? "y", "options.yTitle", true);
  const valueTitle = checkString(options.valueTitle ?? "f(x, y)", "options.valueTitle", true);
  const pathTitle = checkString(options.pathTitle ?? "optimizer", "options.pathTitle", true);
  const { names, rows } = pathRows(options.trajectories ?? []);
  const flat = values.flat();
  const lo = Math.min(...flat), hi = Math.max(...flat);
  const levels = levelsOf(options.levels ?? 12, lo, hi, logScale);

  // Half a cell, slightly more so neighbouring rects overlap and leave no hairline gaps.
  const hx = (spanX / (xs.length - 1)) * 0.51, hy = (spanY / (ys.length - 1)) * 0.51;
  const cells = values.flatMap((row, j) =>
    row.map((f, i) => ({ x: round(xs[i], 5), y: round(ys[j], 5), f: round(f, 4) }))
  );
  const scale = (domain: number[]) => ({ domain, nice: false, zero: false });
  const layer: Record<string, unknown>[] = [{
    name: "surface",
    data: { values: cells },
    transform: [
      { calculate: `datum.x - ${hx}`, as: "x0" },
      { calculate: `datum.x + ${hx}`, as: "x1" },
      { calculate: `datum.y - ${hy}`, as: "y0" },
      { calculate: `datum.y + ${hy}`, as: "y1" },
    ],
    mark: { type: "rect", clip: true, aria: false },
    encoding: {
      x: { field: "x0", type: "quantitative", title: xTitle, scale: scale([xs[0], xs.at(-1)!]) },
      x2: { field: "x1" },
      y: { field: "y0", type: "quantitative", title: yTitle, scale: scale([ys[0], ys.at(-1)!]) },
      y2: { field: "y1" },
      color: {
        field: "f",
        type: "quantitative",
        title: valueTitle,
        scale: { scheme: SURFACE_SCHEME, ...(logScale ? { type: "symlog" } : {}) },
        legend: {
          gradientLength: Math.min(200, height - 40),
          format: ".4~g",
          ...(logScale ? { values: logTicks(lo, hi) } : {}),
        },
      },
    },
  }];
  const segments = levels.flatMap((level) =>
    contourSegments({ xs, ys, values }, level).map((s) => ({ ...s, level: round(level) }))
  );
  layer.push({
    name: "contours",
    data: { values: segments },
    mark: { type: "rule", color: "#4d4d4d", strokeWidth: 0.8, opacity: 0.7, clip: true },
    encoding: {
      x: { field: "xa", type: "quantitative" },
      y: { field: "ya", type: "quantitative" },
      x2: { field: "xb" },
      y2: { field: "yb" },
      tooltip: { field: "level", type: "quantitative", title: valueTitle, format: ".4~g" },
    },
  });
  if (names.length > 0) {
    const color = {
      field: "name",
      type: "nominal",
      title: pathTitle,
      scale: { domain: names, range: CATEGORY_COLORS.slice(0, Math.max(1, names.length)) },
      legend: { labelLimit: 360, symbolType: "stroke", symbolStrokeWidth: 3 },
    };
    const pathLayers: Record<string, unknown>[] = [{
      name: "paths",
      mark: { type: "line", strokeWidth: 2.5, clip: true },
      encoding: {
        x: { field: "x", type: "quantitative" },
        y: { field: "y", type: "quantitative" },
        order: { field: "step", type: "quantitative" },
        color,
      },
    }];
    if (points) {
      pathLayers.push({
        name: "path_points",
        mark: { type: "point", shape: "circle", filled: true, opacity: 1, clip: true },
        encoding: {
          x: { field: "x", type: "quantitative" },
          y: { field: "y", type: "quantitative" },
          color,
          size: { condition: { test: "datum.end", value: 120 }, value: 22 },
          tooltip: [
            { field: "name", type: "nominal", title: pathTitle },
            { field: "step", type: "quantitative" },
            { field: "x", type: "quantitative", format: ".4~g" },
            { field: "y", type: "quantitative", format: ".4~g" },
            ...(rows.some((r) => "loss" in r)
              ? [{ field: "loss", type: "quantitative", format: ".4~g" }]
              : []),
          ],
        },
      });
    }
    layer.push({ data: { name: "paths" }, layer: pathLayers });
  }
  if (grid.minimum !== undefined) {
    const [mx, my] = grid.minimum;
    layer.push({
      name: "minimum",
      data: {
        values: [{
          x: round(checkFinite(mx, "grid.minimum[0]")),
          y: round(checkFinite(my, "grid.minimum[1]")),
        }],
      },
      mark: {
        type: "point",
        shape: "cross",
        filled: true,
        size: 160,
        color: "#111111",
        stroke: "white",
        strokeWidth: 1,
        clip: true,
      },
      encoding: {
        x: { field: "x", type: "quantitative" },
        y: { field: "y", type: "quantitative" },
        tooltip: [
          { field: "x", type: "quantitative", title: "minimum x" },
          { field: "y", type: "quantitative", title: "minimum y" },
        ],
      },
    });
  }
  const title = titleOf(options.title ?? grid.name, options.subtitle);
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title ? { title } : {}),
    ...(names.length > 0 ? { datasets: { paths: rows } } : {}),
    width,
    height,
    layer,
    resolve: { scale: { color: "independent" } },
    config: chartConfig(),
  };
}
