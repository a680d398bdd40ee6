/**
 * Decision boundaries: a model's predicted probability on a grid as a heat map, its 0.5
 * contour, and the data on top; several models side by side.
 *
 * @module
 */
import {
  _checkFinite,
  _checkNonEmptyArray,
  _checkObject,
  _checkOneOf,
  _checkPositive,
  _checkPositiveInt,
  _checkString,
  _config,
  _round,
  _show,
  _title,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
} from "./_common.ts";

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

/** Light diverging colours for p in [0, 0.5, 1]. */
const HEAT_RANGE = ["#8fb3de", "#f7f7f7", "#eb9d8f"];
/** Saturated colours for the two classes, matching the ends of the heat map. */
const CLASS_COLORS = ["#174a8b", "#a50f15"];
const MANY_CLASS_COLORS = ["#174a8b", "#a50f15", "#1b7837", "#762a83", "#e08214", "#35978f"];

/** The colours of `count` classes, in class order (blue and red for two). */
export function _classColors(count: number): string[] {
  return count <= 2
    ? CLASS_COLORS.slice(0, count)
    : Array.from({ length: count }, (_, i) => MANY_CLASS_COLORS[i % MANY_CLASS_COLORS.length]);
}

/** A colour mixed with white: `amount` 0 keeps it, 1 gives white. */
export function _lighten(hex: string, amount: number): string {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return "#" +
    channels.map((c) => Math.round(c + (255 - c) * amount).toString(16).padStart(2, "0")).join("");
}

/** What {@link _gridInfo} learns about a grid. */
export interface GridInfo {
  /** Sorted distinct x1 values. */
  xs: number[];
  /** Sorted distinct x2 values. */
  ys: number[];
  /** p at (xs[i], ys[j]) is `values[j][i]`. */
  values: number[][];
  /** The predicted class at (xs[i], ys[j]), when the grid points carry labels. */
  classes?: number[][];
}

/** Checks that `grid` is a full regular grid and returns its axes and values. */
export function _gridInfo(grid: unknown, name: string): GridInfo {
  const points = _checkNonEmptyArray<unknown>(grid, name, "{x1, x2, p} points");
  const xSet = new Set<number>();
  const ySet = new Set<number>();
  const rows = points.map((pt, k) => {
    const o = _checkObject(pt, `${name}[${k}]`);
    const x1 = _checkFinite(o.x1, `${name}[${k}].x1`);
    const x2 = _checkFinite(o.x2, `${name}[${k}].x2`);
    const p = o.p;
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
      throw new RangeError(`${name}[${k}].p must be a probability in [0, 1], got ${_show(p)}`);
    }
    const label = o.label;
    if (
      label !== undefined && (typeof label !== "number" || !Number.isInteger(label) || label < 0)
    ) {
      throw new TypeError(
        `${name}[${k}].label must be a class index (an integer ≥ 0), got ${_show(label)}`,
      );
    }
    xSet.add(x1);
    ySet.add(x2);
    return { x1, x2, p, label };
  });
  const labelled = rows.filter((r) => r.label !== undefined).length;
  if (labelled !== 0 && labelled !== rows.length) {
    throw new TypeError(
      `${name} must give a label to every point or to none, got ${labelled} of ${rows.length}`,
    );
  }
  const xs = [...xSet].sort((a, b) => a - b);
  const ys = [...ySet].sort((a, b) => a - b);
  if (xs.length < 2 || ys.length < 2 || xs.length * ys.length !== rows.length) {
    throw new RangeError(
      `${name} must be a full regular grid (every x1 value with every x2 value, at least 2 of ` +
        `each), got ${rows.length} points for ${xs.length} x1 values × ${ys.length} x2 values`,
    );
  }
  for (const [axis, vals] of [["x1", xs], ["x2", ys]] as const) {
    const step = (vals[vals.length - 1] - vals[0]) / (vals.length - 1);
    for (let i = 1; i < vals.length; i++) {
      if (Math.abs(vals[i] - vals[i - 1] - step) > 1e-6 * Math.max(1, Math.abs(step)) + 1e-9) {
        throw new RangeError(
          `${name} must be evenly spaced in ${axis}, got a step of ${
            vals[i] - vals[i - 1]
          } where ${step} was expected`,
        );
      }
    }
  }
  const xi = new Map(xs.map((v, i) => [v, i]));
  const yi = new Map(ys.map((v, j) => [v, j]));
  const values = ys.map(() => new Array<number>(xs.length).fill(NaN));
  const classes = labelled > 0 ? ys.map(() => new Array<number>(xs.length).fill(0)) : undefined;
  for (const { x1, x2, p, label } of rows) {
    const i = xi.get(x1)!, j = yi.get(x2)!;
    if (!Number.isNaN(values[j][i])) {
      throw new RangeError(`${name} must list each (x1, x2) once, got (${x1}, ${x2}) twice`);
    }
    values[j][i] = p;
    if (classes) classes[j][i] = label!;
  }
  return classes ? { xs, ys, values, classes } : { xs, ys, values };
}

/** A line segment of the contour, from (xa, ya) to (xb, yb). */
export interface Segment {
  /** Start x1. */
  xa: number;
  /** Start x2. */
  ya: number;
  /** End x1. */
  xb: number;
  /** End x2. */
  yb: number;
}

/**
 * The `level` contour of a grid by marching squares: in each cell whose corners lie on both
 * sides of the level, the crossing points on its edges are found by linear interpolation and
 * joined; a saddle cell is resolved by the mean of its four corners.
 */
export function _contour(info: GridInfo, level = 0.5): Segment[] {
  const { xs, ys, values } = info;
  const segments: Segment[] = [];
  const above = (v: number) => v > level;
  const cross = (xa: number, ya: number, va: number, xb: number, yb: number, vb: number) => {
    const t = (level - va) / (vb - va);
    return [xa + t * (xb - xa), ya + t * (yb - ya)] as const;
  };
  for (let j = 0; j + 1 < ys.length; j++) {
    for (let i = 0; i + 1 < xs.length; i++) {
      const x0 = xs[i], x1 = xs[i + 1], y0 = ys[j], y1 = ys[j + 1];
      const a = values[j][i], b = values[j][i + 1], c = values[j + 1][i + 1], d = values[j + 1][i];
      // Edges in order: bottom (a-b), right (b-c), top (c-d), left (d-a).
      const edges: (readonly [number, number] | null)[] = [
        above(a) !== above(b) ? cross(x0, y0, a, x1, y0, b) : null,
        above(b) !== above(c) ? cross(x1, y0, b, x1, y1, c) : null,
        above(c) !== above(d) ? cross(x1, y1, c, x0, y1, d) : null,
        above(d) !== above(a) ? cross(x0, y1, d, x0, y0, a) : null,
      ];
      const hits = edges.filter((e) => e !== null).length;
      let pairs: [number, number][];
      if (hits === 2) {
        const idx = edges.flatMap((e, k) => (e === null ? [] : [k]));
        pairs = [[idx[0], idx[1]]];
      } else if (hits === 4) {
        const centreAboveLikeA = above((a + b + c + d) / 4) === above(a);
        // If the centre joins a and c, the lines cut off corners b and d; else a and c.
        pairs = centreAboveLikeA ? [[0, 1], [2, 3]] : [[3, 0], [1, 2]];
      } else {
        continue;
      }
      for (const [s, t] of pairs) {
        const [xa, ya] = edges[s]!, [xb, yb] = edges[t]!;
        segments.push({ xa: _round(xa), ya: _round(ya), xb: _round(xb), yb: _round(yb) });
      }
    }
  }
  return segments;
}

/** Reads a panel's points (records or a data set) into records. */
export function _points(value: unknown, name: string): LabeledPoint[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) {
    return value.map((pt, k) => {
      const o = _checkObject(pt, `${name}[${k}]`);
      const label = o.label;
      if (typeof label !== "number" && typeof label !== "string") {
        throw new TypeError(
          `${name}[${k}].label must be a number or a string, got ${_show(label)}`,
        );
      }
      return {
        x1: _round(_checkFinite(o.x1, `${name}[${k}].x1`)),
        x2: _round(_checkFinite(o.x2, `${name}[${k}].x2`)),
        label,
      };
    });
  }
  const set = _checkObject(value, name);
  if (!Array.isArray(set.X) || !Array.isArray(set.y)) {
    throw new TypeError(
      `${name} must be an array of {x1, x2, label} or a data set {X, y}, got ${_show(value)}`,
    );
  }
  const X = set.X as unknown[], y = set.y as unknown[];
  if (X.length !== y.length) {
    throw new RangeError(
      `${name}.y must have one label per row of ${name}.X (${X.length}), got ${y.length}`,
    );
  }
  const classNames = set.classNames as string[] | undefined;
  return X.map((row, k) => {
    if (!Array.isArray(row) || row.length < 2) {
      throw new RangeError(
        `${name}.X[${k}] must be a row with at least 2 features, got ${_show(row)}`,
      );
    }
    const label = y[k];
    if (typeof label !== "number") {
      throw new TypeError(`${name}.y[${k}] must be a number, got ${_show(label)}`);
    }
    return {
      x1: _round(_checkFinite(row[0], `${name}.X[${k}][0]`)),
      x2: _round(_checkFinite(row[1], `${name}.X[${k}][1]`)),
      label: classNames?.[label] ?? label,
    };
  });
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
  _checkObject(options, "options");
  const items = _checkNonEmptyArray<unknown>(panels, "panels", "{title, grid, points} panels");
  const columns = _checkPositiveInt(
    options.columns ?? Math.min(items.length, 5),
    "options.columns",
  );
  const width = _checkPositive(options.width ?? 220, "options.width");
  const contour = options.contour ?? true;
  if (typeof contour !== "boolean") {
    throw new TypeError(`options.contour must be a boolean, got ${_show(contour)}`);
  }
  const pointSize = _checkPositive(options.pointSize ?? 30, "options.pointSize");
  const axisTitles = options.axisTitles ?? ["x₁", "x₂"];
  if (!Array.isArray(axisTitles) || axisTitles.length !== 2) {
    throw new TypeError(`options.axisTitles must be two strings, got ${_show(axisTitles)}`);
  }
  axisTitles.forEach((t, i) => _checkString(t, `options.axisTitles[${i}]`, true));
  const probabilityTitle = _checkString(
    options.probabilityTitle ?? "P(y = 1)",
    "options.probabilityTitle",
    true,
  );

  const parsed = items.map((item, k) => {
    const panel = _checkObject(item, `panels[${k}]`);
    const title = _checkString(panel.title, `panels[${k}].title`, true);
    const info = _gridInfo(panel.grid, `panels[${k}].grid`);
    const points = _points(panel.points, `panels[${k}].points`);
    const classNames = (panel.points as { classNames?: unknown } | undefined)?.classNames;
    const nameOf = (c: number): string | number =>
      Array.isArray(classNames) && c < classNames.length ? String(classNames[c]) : c;
    return { title, info, points, nameOf };
  });
  const multiclass = parsed.some(({ info }) => info.classes?.some((row) => row.some((c) => c > 1)));
  const colorBy = _checkOneOf(
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
    : _checkPositive(options.height, "options.height");

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
  const classRange = _classColors(labels.length);

  // Panels that show the same points share one named data set.
  const datasets: Record<string, LabeledPoint[]> = {};
  const datasetOf = new Map<string, string>();
  const concat = parsed.map(({ title, info, points, nameOf }, k) => {
    const { xs, ys } = info;
    // Half a cell, slightly more so neighbouring rects overlap and leave no hairline gaps.
    const hx = ((xs[xs.length - 1] - xs[0]) / (xs.length - 1)) * 0.51;
    const hy = ((ys[ys.length - 1] - ys[0]) / (ys.length - 1)) * 0.51;
    const domainX = [_round(xs[0] - hx / 1.02), _round(xs[xs.length - 1] + hx / 1.02)];
    const domainY = [_round(ys[0] - hy / 1.02), _round(ys[ys.length - 1] + hy / 1.02)];
    const gridRows: Record<string, unknown>[] = [];
    info.values.forEach((row, j) =>
      row.forEach((p, i) => {
        const cell: Record<string, unknown> = {
          x1: _round(xs[i]),
          x2: _round(ys[j]),
          p: _round(p, 4),
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
        scale: { domain: [...labels], range: classRange.map((c) => _lighten(c, 0.6)) },
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
      const segments = _contour(info);
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

  const title = _title(options.title, options.subtitle);
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title ? { title } : {}),
    ...(datasetOf.size > 0 ? { datasets } : {}),
    columns,
    concat,
    config: _config(),
  };
}
