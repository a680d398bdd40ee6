/**
 * A decision boundary's grid: checking that predictions cover a full regular grid, and the
 * p = 0.5 contour of such a grid by marching squares.
 *
 * @module
 */
import { checkFinite, checkNonEmptyArray, checkObject, describe } from "../_validate.ts";
import { round } from "./_common.ts";

/** What {@link gridInfo} learns about a grid. */
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
export function gridInfo(grid: unknown, name: string): GridInfo {
  const points = checkNonEmptyArray<unknown>(grid, name, "{x1, x2, p} points");
  const xSet = new Set<number>();
  const ySet = new Set<number>();
  const rows = points.map((pt, k) => {
    const o = checkObject(pt, `${name}[${k}]`);
    const x1 = checkFinite(o.x1, `${name}[${k}].x1`);
    const x2 = checkFinite(o.x2, `${name}[${k}].x2`);
    const p = o.p;
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
      throw new RangeError(`${name}[${k}].p must be a probability in [0, 1], got ${describe(p)}`);
    }
    const label = o.label;
    if (
      label !== undefined && (typeof label !== "number" || !Number.isInteger(label) || label < 0)
    ) {
      throw new TypeError(
        `${name}[${k}].label must be a class index (an integer ≥ 0), got ${describe(label)}`,
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
export function contourSegments(info: GridInfo, level = 0.5): Segment[] {
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
        segments.push({ xa: round(xa), ya: round(ya), xb: round(xb), yb: round(yb) });
      }
    }
  }
  return segments;
}
