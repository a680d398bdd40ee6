/**
 * Decision boundaries: a model's predicted probability on a grid as a heat map, its 0.5
 * contour, and the data on top; several models side by side.
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
import { contourSegments, gridInfo } from "./_grid.ts";
import { classColors, readPoints } from "./_points.ts";

/** One grid point with the model's prediction there. */
export interface GridCell {
  /** First feature. */
  x1: number;
  /** Second feature. */
  x2: number;
  /** Binary: predicted probability of class 1. Multiclass: probability of the predicted class. */
  p: number;
  /** Predicted class (needed to colour cells by class). */
  label?: number;
}

/** One data point with its class label. */
export interface LabeledPoint {
  /** First feature. */
  x1: number;
  /** Second feature. */
  x2: number;
  /** Class label (a number such as 0 or 1, or a class name). */
  label: number | string;
}

/** Data points given as a data set: features `X` (first two columns used) and labels `y`. */
export interface PointSet {
  /** Rows of features; columns 0 and 1 are drawn. */
  X: readonly (readonly number[])[];
  /** One label per row. */
  y: readonly number[];
  /** Names of the classes, indexed by label. */
  classNames?: readonly string[];
}

/** One model's panel. */
export interface BoundaryPanel {
  /** Panel title, e.g. the model's name. */
  title: string;
  /** Predictions on a full regular grid (every x1 value with every x2 value). */
  grid: readonly GridCell[];
  /** Data points drawn on top. @default [] */
  points?: readonly LabeledPoint[] | PointSet;
}

/** Options of {@link decisionBoundary}. */
export interface DecisionBoundaryOptions {
  /** Panels per row. @default min(number of panels, 5) */
  columns?: number;
  /** Width of one panel in pixels. @default 220 */
  width?: number;
  /**
   * Height of one panel in pixels.
   * @default width × (x2 range / x1 range), kept within [0.6, 1.5] × width
   */
  height?: number;
  /** Overall title. @default undefined */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /**
   * Colour the cells by the probability of class 1 (binary) or by the predicted class
   * (multiclass; grid points then need a `label`).
   * @default "class" when a grid predicts a label above 1, else "probability"
   */
  colorBy?: "probability" | "class";
  /** Draw the p = 0.5 contour line (probability colouring only). @default true */
  contour?: boolean;
  /** Axis titles for x1 and x2. @default ["x₁", "x₂"] */
  axisTitles?: readonly [string, string];
  /** Legend title of the heat map. @default "P(y = 1)" */
  probabilityTitle?: string;
  /** Area of a data point's circle in square pixels. @default 30 */
  pointSize?: number;
}

/** The option names DecisionBoundaryOptions allows, for the misspelling check. */
const DECISION_BOUNDARY_OPTIONS = Object.keys(
  {
    columns: true,
    width: true,
    height: true,
    title: true,
    subtitle: true,
    colorBy: true,
    contour: true,
    axisTitles: true,
    probabilityTitle: true,
    pointSize: true,
  } satisfies Record<
    keyof DecisionBoundaryOptions,
    true
  >,
);

/** Light diverging colours for p in [0, 0.5, 1]. */
const HEAT_RANGE = ["#8fb3de", "#f7f7f7", "#eb9d8f"];

/** A colour mixed with white: `amount` 0 keeps it, 1 gives white. */
function lighten(hex: string, amount: number): string {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return "#" +
    channels.map((c) => Math.round(c + (255 - c) * amount).toString(16).padStart(2, "0")).join("");
}

/**
 * Decision boundaries of one or more classifiers, side by side. For a binary classifier each
 * panel shows the predicted probability p = P(y = 1 | x) on a grid as a heat map with a
 * diverging colour scale centred on p = 0.5 (white), the p = 0.5 contour as a black line
 * (marching squares on the grid), and the data points on top, coloured by class (class 0 at
 * the p = 0 end). For a multiclass classifier the cells take a light shade of the predicted
 * class's colour.
 *
 * @param panels One `{title, grid, points}` per model; `grid` is a full regular grid such as
 *   `predictGrid` returns, `points` are `{x1, x2, label}` records or a data set `{X, y}`.
 * @param options Layout (columns, panel size), titles, contour and point size.
 * @returns A fresh Vega-Lite v5 spec: a concatenation of layered panels (heat map, contour, points).
 *
 * @example Two panels on a 3 × 3 grid
 * ```ts
 * import { decisionBoundary } from "./decision_boundary.ts";
 * const grid = [0, 1, 2].flatMap((x1) => [0, 1, 2].map((x2) => ({ x1, x2, p: x1 / 2 })));
 * const points = [{ x1: 0.2, x2: 1, label: 0 }, { x1: 1.8, x2: 1, label: 1 }];
 * const spec = decisionBoundary([{ title: "a", grid, points }, { title: "b", grid, points }]);
 * if ((spec.concat as unknown[]).length !== 2) throw new Error("expected two panels");
 * ```
 */
export function decisionBoundary(
  panels: readonly BoundaryPanel[],
  options: DecisionBoundaryOptions = {},
): VegaLiteSpec {
  checkOptions(options, DECISION_BOUNDARY_OPTIONS);
  const items = checkNonEmptyArray<unknown>(panels, "panels", "{title, grid, points} panels");
  const columns = checkPositiveInt(
    options.columns ?? Math.min(items.length, 5),
    "options.columns",
  );
  const width = checkPositive(options.width ?? 220, "options.width");
  const contour = options.contour ?? true;
  if (typeof contour !== "boolean") {
    throw new TypeError(`options.contour must be a boolean, got ${describe(contour)}`);
  }
  const pointSize = checkPositive(options.pointSize ?? 30, "options.pointSize");
  const axisTitles = options.axisTitles ?? ["x₁", "x₂"];
  if (!Array.isArray(axisTitles) || axisTitles.length !== 2) {
    throw new TypeError(`options.axisTitles must be two strings, got ${describe(axisTitles)}`);
  }
  axisTitles.forEach((t, i) => checkString(t, `options.axisTitles[${i}]`, true));
  const probabilityTitle = checkString(
    options.probabilityTitle ?? "P(y = 1)",
    "options.probabilityTitle",
    true,
  );

  const parsed = items.map((item, k) => {
    const panel = checkObject(item, `panels[${k}]`);
    const title = checkString(panel.title, `panels[${k}].title`, true);
    const info = gridInfo(panel.grid, `panels[${k}].grid`);
    const points = readPoints(panel.points, `panels[${k}].points`);
    const classNames = (panel.points as { classNames?: unknown } | undefined)?.classNames;
    const nameOf = (c: number): string | number =>
      Array.isArray(classNames) && c < classNames.length ? String(classNames[c]) : c;
    return { title, info, points, nameOf };
  });
  const multiclass = parsed.some(({ info }) => info.classes?.some((row) => row.some((c) => c > 1)));
  const colorBy = checkOneOf(
    options.colorBy ?? (multiclass ? "class" : "probability"),
    "options.colorBy",
    ["probability", "class"] as const,
  );
  if (colorBy === "class") {
    const k = parsed.findIndex(({ info }) => info.classes === undefined);
    if (k >= 0) {
      throw new RangeError(
        `options.colorBy "class" needs grid points with a label, got none in panels[${k}].grid`,
      );
    }
  }

  const first = parsed[0].info;
  const spanX = first.xs[first.xs.length - 1] - first.xs[0];
  const spanY = first.ys[first.ys.length - 1] - first.ys[0];
  const height = options.height === undefined
    ? Math.round(width * Math.min(1.5, Math.max(0.6, spanY / spanX)))
    : checkPositive(options.height, "options.height");

  // Class colours follow the class index (0 at the p = 0 end, 1 at the p = 1 end): names from
  // a data set's classNames keep its order; other labels are sorted.
  const named: string[] = [];
  for (const item of items) {
    const names = (item as { points?: { classNames?: unknown } }).points?.classNames;
    if (Array.isArray(names)) {
      for (const n of names) if (!named.includes(String(n))) named.push(String(n));
    }
  }
  const others: (string | number)[] = [];
  const see = (label: string | number) => {
    if (!others.includes(label) && !named.includes(label as string)) others.push(label);
  };
  for (const { points, info, nameOf } of parsed) {
    for (const { label } of points) see(label);
    if (colorBy === "class") {
      for (const row of info.classes!) for (const c of row) see(nameOf(c));
    }
  }
  others.sort((a, b) =>
    typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b))
  );
  const labels: (string | number)[] = [...named, ...others];
  const classRange = classColors(labels.length);

  // Panels that show the same points share one named data set.
  const datasets: Record<string, LabeledPoint[]> = {};
  const datasetOf = new Map<string, string>();
  const concat = parsed.map(({ title, info, points, nameOf }, k) => {
    const { xs, ys } = info;
    // Half a cell, slightly more so neighbouring rects overlap and leave no hairline gaps.
    const hx = ((xs[xs.length - 1] - xs[0]) / (xs.length - 1)) * 0.51;
    const hy = ((ys[ys.length - 1] - ys[0]) / (ys.length - 1)) * 0.51;
    const domainX = [round(xs[0] - hx / 1.02), round(xs[xs.length - 1] + hx / 1.02)];
    const domainY = [round(ys[0] - hy / 1.02), round(ys[ys.length - 1] + hy / 1.02)];
    const gridRows: Record<string, unknown>[] = [];
    info.values.forEach((row, j) =>
      row.forEach((p, i) => {
        const cell: Record<string, unknown> = {
          x1: round(xs[i]),
          x2: round(ys[j]),
          p: round(p, 4),
        };
        if (colorBy === "class") cell.label = nameOf(info.classes![j][i]);
        gridRows.push(cell);
      })
    );
    const color = colorBy === "probability"
      ? {
        field: "p",
        type: "quantitative",
        title: probabilityTitle,
        scale: { domain: [0, 0.5, 1], range: [...HEAT_RANGE] },
        legend: { gradientLength: 140, values: [0, 0.25, 0.5, 0.75, 1], format: ".2~f" },
      }
      : {
        field: "label",
        type: "nominal",
        title: "Class",
        scale: { domain: [...labels], range: classRange.map((c) => lighten(c, 0.6)) },
      };
    const layer: Record<string, unknown>[] = [{
      name: `heatmap_${k}`,
      data: { values: gridRows },
      transform: [
        { calculate: `datum.x1 - ${hx}`, as: "x1a" },
        { calculate: `datum.x1 + ${hx}`, as: "x1b" },
        { calculate: `datum.x2 - ${hy}`, as: "x2a" },
        { calculate: `datum.x2 + ${hy}`, as: "x2b" },
      ],
      mark: { type: "rect", clip: true, aria: false },
      encoding: {
        x: {
          field: "x1a",
          type: "quantitative",
          title: axisTitles[0],
          scale: { domain: domainX, nice: false, zero: false },
        },
        x2: { field: "x1b" },
        y: {
          field: "x2a",
          type: "quantitative",
          title: axisTitles[1],
          scale: { domain: domainY, nice: false, zero: false },
        },
        y2: { field: "x2b" },
        color,
      },
    }];
    if (contour && colorBy === "probability") {
      const segments = contourSegments(info);
      if (segments.length > 0) {
        layer.push({
          name: `contour_${k}`,
          data: { values: segments },
          mark: {
            type: "rule",
            color: "#111111",
            strokeWidth: 2,
            strokeCap: "round",
            clip: true,
            aria: false,
          },
          encoding: {
            x: { field: "xa", type: "quantitative" },
            y: { field: "ya", type: "quantitative" },
            x2: { field: "xb" },
            y2: { field: "yb" },
          },
        });
      }
    }
    if (points.length > 0) {
      const key = JSON.stringify(points);
      let dataName = datasetOf.get(key);
      if (dataName === undefined) {
        dataName = `points_${datasetOf.size}`;
        datasetOf.set(key, dataName);
        datasets[dataName] = points;
      }
      layer.push({
        name: `points_${k}`,
        data: { name: dataName },
        mark: {
          type: "point",
          shape: "circle",
          filled: true,
          size: pointSize,
          stroke: "white",
          strokeWidth: 0.6,
          opacity: 0.9,
          clip: true,
          aria: false,
        },
        encoding: {
          x: { field: "x1", type: "quantitative" },
          y: { field: "x2", type: "quantitative" },
          fill: {
            field: "label",
            type: "nominal",
            title: "Class",
            scale: { domain: [...labels], range: [...classRange] },
          },
        },
      });
    }
    return { title: { text: title, fontSize: 15 }, width, height, layer };
  });

  const title = titleOf(options.title, options.subtitle);
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title ? { title } : {}),
    ...(datasetOf.size > 0 ? { datasets } : {}),
    columns,
    concat,
    config: chartConfig(),
  };
}
