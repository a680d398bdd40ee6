/**
 * Two-dimensional loss surfaces for watching optimizers move: an ill-conditioned quadratic
 * ravine ({@link ravine}), a saddle ({@link saddle}) and Rosenbrock's banana-shaped valley
 * ({@link rosenbrock}), each with its exact gradient; {@link contourGrid} evaluates a surface
 * on a grid for `contourChart`, {@link trajectory} runs an update rule written in plain
 * TypeScript from a starting point, and {@link tfjsTrajectory} runs a tfjs optimizer on the
 * same surface and the same gradients, so the two paths can be compared point by point.
 *
 * A surface is a plain object: any `{ name, f, grad, domain }` with a correct gradient works
 * with these functions, not only the three built in.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  checkFinite,
  checkFunction,
  checkIntBetween,
  checkInterval,
  checkObject,
  checkOptions,
  checkPositive,
  checkString,
  describe,
  LIMITS,
} from "./_validate.ts";

/** A point (x, y) of the plane. */
export type Point2D = readonly [number, number];

/** A loss surface f(x, y) with its gradient and where to look at it. */
export interface Surface {
  /** A name for titles and legends. */
  readonly name: string;
  /** The loss at (x, y). */
  f(x: number, y: number): number;
  /** The gradient [∂f/∂x, ∂f/∂y] at (x, y). */
  grad(x: number, y: number): [number, number];
  /** The region worth drawing: x in [lo, hi], y in [lo, hi]. */
  readonly domain: { readonly x: Point2D; readonly y: Point2D };
  /** Where f is smallest, when it has a minimum. */
  readonly minimum?: Point2D;
  /** A starting point that shows the surface's difficulty. */
  readonly start?: Point2D;
  /** Whether its contours read better on a log scale (values spanning decades). */
  readonly logScale?: boolean;
}

/** Options of {@link ravine}. */
export interface RavineOptions {
  /** Curvature along the ravine's floor (> 0). @default 1 */
  a?: number;
  /** Curvature across the ravine (> 0); b/a is the condition number. @default 50 */
  b?: number;
  /** Angle in degrees by which the ravine's axes are turned from x and y. @default 0 */
  angle?: number;
}

/**
 * An ill-conditioned quadratic ravine f(x, y) = ½(a·u² + b·v²), where (u, v) are x and y
 * turned by `angle`: u = x cos θ + y sin θ, v = −x sin θ + y cos θ. Its Hessian has the
 * eigenvalues a and b, so the condition number is b/a: gradient descent needs α < 2/b to
 * stay stable across the ravine and then crawls along it at the rate (1 − α·a) per step,
 * which momentum and Adam beat. Minimum 0 at the origin; domain x ∈ [−10, 10], y ∈ [−5, 5]; suggested start (−9, 4).
 *
 * @param options Curvatures a and b, and the angle of the axes.
 * @returns The surface.
 * @throws {RangeError} For a or b not positive, or an angle that is not finite.
 *
 * @example A ravine with condition number 20
 * ```ts
 * import { ravine } from "./surfaces.ts";
 * const r = ravine({ a: 1, b: 20 });
 * if (r.f(0, 1) !== 10 || r.grad(2, 0)[0] !== 2) throw new Error();
 * ```
 */
export function ravine(options: RavineOptions = {}): Surface {
  checkOptions(options, ["a", "b", "angle"]);
  const a = checkPositive(options.a ?? 1, "a");
  const b = checkPositive(options.b ?? 50, "b");
  const angle = checkFinite(options.angle ?? 0, "angle");
  const theta = (angle * Math.PI) / 180;
  // exact for the quarter turns, so that angle 90 swaps the axes exactly
  const c = angle % 90 === 0 ? Math.round(Math.cos(theta)) : Math.cos(theta);
  const s = angle % 90 === 0 ? Math.round(Math.sin(theta)) : Math.sin(theta);
  return {
    name: `ravine (a = ${a}, b = ${b}${angle === 0 ? "" : `, ${angle}°`})`,
    f: (x, y) => {
      const u = x * c + y * s, v = -x * s + y * c;
      return 0.5 * (a * u * u + b * v * v);
    },
    grad: (x, y) => {
      const u = x * c + y * s, v = -x * s + y * c;
      return [a * u * c - b * v * s, a * u * s + b * v * c];
    },
    domain: { x: [-10, 10], y: [-5, 5] },
    minimum: [0, 0],
    start: [-9, 4],
  };
}

/**
 * A saddle f(x, y) = x² − y²: the gradient (2x, −2y) vanishes at the origin, which is a
 * minimum along x and a maximum along y. Gradient descent started on the x axis stops there;
 * a start just off it escapes along y, slowly at first. No minimum; domain [−2, 2]²;
 * suggested start (1.5, 0.01).
 *
 * @returns The surface.
 *
 * @example Flat at the origin, downhill along y
 * ```ts
 * import { saddle } from "./surfaces.ts";
 * const s = saddle();
 * if (s.f(0, 1) !== -1 || s.grad(0, 0)[1] !== 0) throw new Error();
 * ```
 */
export function saddle(): Surface {
  return {
    name: "saddle",
    f: (x, y) => x * x - y * y,
    grad: (x, y) => [2 * x, -2 * y],
    domain: { x: [-2, 2], y: [-2, 2] },
    start: [1.5, 0.01],
  };
}

/** Options of {@link rosenbrock}. */
export interface RosenbrockOptions {
  /** The minimum's x (any finite number). @default 1 */
  a?: number;
  /** Steepness of the valley's walls (> 0). @default 100 */
  b?: number;
}

/**
 * Rosenbrock's valley f(x, y) = (a − x)² + b·(y − x²)², with gradient
 * (−2(a − x) − 4b·x·(y − x²), 2b·(y − x²)): a narrow curved valley along y = x² whose floor
 * falls gently to the minimum 0 at (a, a²). Values span several decades, so its contours are
 * drawn on a log scale. Domain x ∈ [−2, 2], y ∈ [−1, 3] (widened to hold the minimum);
 * suggested start (−1.5, 2).
 *
 * @param options a and b.
 * @returns The surface.
 * @throws {RangeError} For a not finite or b not positive.
 *
 * @example The classic valley, minimum at (1, 1)
 * ```ts
 * import { rosenbrock } from "./surfaces.ts";
 * const r = rosenbrock();
 * if (r.f(1, 1) !== 0 || r.f(0, 0) !== 1) throw new Error();
 * ```
 */
export function rosenbrock(options: RosenbrockOptions = {}): Surface {
  checkOptions(options, ["a", "b"]);
  const a = checkFinite(options.a ?? 1, "a");
  const b = checkPositive(options.b ?? 100, "b");
  return {
    name: a === 1 && b === 100 ? "Rosenbrock" : `Rosenbrock (a = ${a}, b = ${b})`,
    f: (x, y) => (a - x) ** 2 + b * (y - x * x) ** 2,
    grad: (x, y) => [-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)],
    domain: {
      x: [Math.min(-2, a - 1), Math.max(2, a + 1)],
      y: [Math.min(-1, a * a - 1), Math.max(3, a * a + 1)],
    },
    minimum: [a, a * a],
    start: [-1.5, 2],
    logScale: true,
  };
}

/** Checks that `value` has what a surface needs (name, f, grad, domain). */
function checkSurface(value: unknown): Surface {
  const s = checkObject(value, "surface");
  checkString(s.name, "surface.name");
  checkFunction(s.f, "surface.f");
  checkFunction(s.grad, "surface.grad");
  const domain = checkObject(s.domain, "surface.domain");
  checkInterval(domain.x, "surface.domain.x");
  checkInterval(domain.y, "surface.domain.y");
  return value as Surface;
}

/** A point checked to be [x, y] with finite x and y. */
function checkPoint(value: unknown, name: string): [number, number] {
  if (
    !Array.isArray(value) || value.length !== 2 ||
    !value.every((v) => typeof v === "number" && Number.isFinite(v))
  ) {
    throw new TypeError(
      `${name} must be a point [x, y] of two finite numbers, got ${describe(value)}`,
    );
  }
  return [value[0], value[1]];
}

/** Options of {@link contourGrid}. */
export interface ContourGridOptions {
  /** Grid points per axis (2 to 1000). @default 61 */
  resolution?: number;
  /** Draw the contours on a log scale. @default the surface's `logScale`, else false */
  logScale?: boolean;
  /** The region to cover. @default the surface's domain */
  domain?: { x: Point2D; y: Point2D };
}

/** A surface evaluated on a grid: what `contourChart` draws. */
export interface SurfaceGrid {
  /** The surface's name. */
  name: string;
  /** Grid x values, ascending and evenly spaced. */
  xs: number[];
  /** Grid y values, ascending and evenly spaced. */
  ys: number[];
  /** f at (xs[i], ys[j]) is `values[j][i]`. */
  values: number[][];
  /** Whether the contours are meant for a log scale. */
  logScale: boolean;
  /** The surface's minimum, if it has one. */
  minimum?: Point2D;
}

/** `n` evenly spaced values from lo to hi, both included. */
function linspace([lo, hi]: Point2D, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? hi : lo + ((hi - lo) * i) / (n - 1)));
}

/**
 * Evaluates a surface on a regular grid: `resolution` evenly spaced points per axis over its
 * domain, f(xs[i], ys[j]) in `values[j][i]`.
 *
 * @param surface The surface.
 * @param options Grid resolution, log scale and domain.
 * @returns The grid, ready for `contourChart`.
 * @throws {RangeError} For a resolution outside [2, 1000], a bad domain or an f that is not
 *   finite on the grid.
 *
 * @example Rosenbrock's valley on a 41 × 41 grid
 * ```ts
 * import { contourGrid, rosenbrock } from "./surfaces.ts";
 * const grid = contourGrid(rosenbrock(), { resolution: 41 });
 * if (grid.values.length !== 41 || !grid.logScale) throw new Error();
 * ```
 */
export function contourGrid(surface: Surface, options: ContourGridOptions = {}): SurfaceGrid {
  checkSurface(surface);
  checkOptions(options, ["resolution", "logScale", "domain"]);
  const n = checkIntBetween(
    options.resolution ?? 61,
    "resolution",
    2,
    LIMITS.gridResolution,
    "points per axis",
  );
  const domain = options.domain === undefined
    ? surface.domain
    : checkObject(options.domain, "domain") as { x: unknown; y: unknown };
  const xs = linspace(checkInterval(domain.x, "domain.x"), n);
  const ys = linspace(checkInterval(domain.y, "domain.y"), n);
  const logScale = options.logScale ?? surface.logScale ?? false;
  if (typeof logScale !== "boolean") {
    throw new TypeError(`logScale must be true or false, got ${describe(logScale)}`);
  }
  const values = ys.map((y) =>
    xs.map((x) => {
      const v = surface.f(x, y);
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new RangeError(
          `surface.f must return a finite number, got ${describe(v)} at (${x}, ${y})`,
        );
      }
      return v;
    })
  );
  const grid: SurfaceGrid = { name: surface.name, xs, ys, values, logScale };
  if (surface.minimum !== undefined) grid.minimum = checkPoint(surface.minimum, "surface.minimum");
  return grid;
}

/**
 * An update rule: the new parameters [x, y] from the current ones, their gradient and the
 * update number t (from 1, as in Adam's bias correction 1 − βᵗ).
 */
export type StepFunction = (params: number[], grad: number[], t: number) => number[];

/** Options of {@link trajectory} and {@link tfjsTrajectory}. */
export interface TrajectoryOptions {
  /** The starting point [x, y]. @default the surface's `start` */
  start?: Point2D;
  /** Number of updates (1 to 1000000). */
  steps: number;
}

/** One point of a trajectory: after `step` updates (0 is the start). */
export interface TrajectoryPoint {
  /** Updates done. */
  step: number;
  /** x after them. */
  x: number;
  /** y after them. */
  y: number;
  /** f(x, y). */
  loss: number;
}

/** The most updates a trajectory runs. */
const MAX_STEPS = 1_000_000;

/** Checks the surface and options shared by both runners; returns the start and step count. */
function checkRun(
  surface: Surface,
  options: TrajectoryOptions,
): { start: [number, number]; steps: number } {
  checkSurface(surface);
  checkObject(options, "options");
  checkOptions(options, ["start", "steps"]);
  const steps = checkIntBetween(options.steps, "steps", 1, MAX_STEPS, "updates");
  const start = checkPoint(options.start ?? surface.start, "start");
  const loss = surface.f(start[0], start[1]);
  if (typeof loss !== "number" || !Number.isFinite(loss)) {
    throw new RangeError(
      `surface.f must return a finite number at the start, got ${describe(loss)} at (${start})`,
    );
  }
  return { start, steps };
}

/** The point after `step` updates, or undefined when x, y or f(x, y) is not finite. */
function pointAt(surface: Surface, step: number, x: number, y: number) {
  const loss = surface.f(x, y);
  return Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(loss)
    ? { step, x, y, loss }
    : undefined;
}

/**
 * Runs an update rule on a surface: from `start`, `steps` times p ← step(p, ∇f(p), t) for
 * t = 1, 2, …. The rule gets fresh arrays and may keep its own state (a velocity, moment
 * estimates) between calls. The run stops early, keeping the points so far, once a point or
 * its loss is no longer finite (the rule diverged).
 *
 * @param surface The surface.
 * @param step The update rule.
 * @param options The start and the number of updates.
 * @returns The points from the start (step 0) on, each with its loss.
 * @throws {TypeError} For a rule that does not return two numbers.
 *
 * @example Gradient descent on the ravine
 * ```ts
 * import { ravine, trajectory } from "./surfaces.ts";
 * const alpha = 0.03; // below 2/b = 0.04, the stability limit across the ravine
 * const points = trajectory(ravine(), (p, g) => [p[0] - alpha * g[0], p[1] - alpha * g[1]], {
 *   start: [-9, 4],
 *   steps: 50,
 * });
 * if (points.length !== 51 || !(points[50].loss < points[0].loss)) throw new Error();
 * ```
 */
export function trajectory(
  surface: Surface,
  step: StepFunction,
  options: TrajectoryOptions,
): TrajectoryPoint[] {
  checkFunction(step, "step");
  const { start, steps } = checkRun(surface, options);
  let [x, y] = start;
  const points = [pointAt(surface, 0, x, y)!];
  for (let t = 1; t <= steps; t++) {
    const next = step([x, y], [...surface.grad(x, y)], t);
    if (!Array.isArray(next) || next.length !== 2 || !next.every((v) => typeof v === "number")) {
      throw new TypeError(
        `step must return the new point [x, y], got ${describe(next)} at t = ${t}`,
      );
    }
    [x, y] = next;
    const point = pointAt(surface, t, x, y);
    if (point === undefined) break;
    points.push(point);
  }
  return points;
}

/**
 * Runs a tfjs optimizer on a surface: the point is a float32 variable [x, y], and each
 * update hands the surface's gradient there to `optimizer.applyGradients`, so the path
 * differs from {@link trajectory}'s with the same rule only by float32 rounding. Give each
 * run a fresh optimizer (tfjs keeps its state by position, not by variable) and dispose it
 * afterwards; the variable is freed here. Stops early like {@link trajectory}.
 *
 * @param surface The surface.
 * @param optimizer A tfjs optimizer, e.g. `tf.train.adam(0.05)` or `tfjsOptimizer("adam", 0.05)`.
 * @param options The start and the number of updates.
 * @returns The points from the start (step 0) on, each with its loss.
 * @throws {TypeError} For an optimizer that is not a tf.Optimizer.
 *
 * @example tfjs's momentum on the ravine
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { ravine, tfjsTrajectory } from "./surfaces.ts";
 * const opt = tf.train.momentum(0.01, 0.9);
 * const points = tfjsTrajectory(ravine(), opt, { start: [-9, 4], steps: 100 });
 * opt.dispose();
 * if (!(points[100].loss < 0.01 * points[0].loss)) throw new Error();
 * ```
 */
export function tfjsTrajectory(
  surface: Surface,
  optimizer: tf.Optimizer,
  options: TrajectoryOptions,
): TrajectoryPoint[] {
  if (typeof optimizer !== "object" || optimizer === null || !(optimizer instanceof tf.Optimizer)) {
    throw new TypeError(`optimizer must be a tf.Optimizer, got ${describe(optimizer)}`);
  }
  const { start, steps } = checkRun(surface, options);
  const p = tf.tidy(() => tf.variable(tf.tensor1d(start, "float32")));
  try {
    let [x, y] = p.dataSync();
    const points = [pointAt(surface, 0, x, y)!];
    for (let t = 1; t <= steps; t++) {
      const g = surface.grad(x, y);
      tf.tidy(() => optimizer.applyGradients({ [p.name]: tf.tensor1d(g, "float32") }));
      [x, y] = p.dataSync();
      const point = pointAt(surface, t, x, y);
      if (point === undefined) break;
      points.push(point);
    }
    return points;
  } finally {
    p.dispose();
  }
}
