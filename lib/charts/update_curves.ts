/**
 * Loss per update: the loss of every mini-batch step of one or more training runs, against
 * the update number, the training seconds or the (fractional) epoch, optionally smoothed.
 *
 * @module
 */
import { chartConfig, round, titleOf, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./_common.ts";
import {
  checkBoolean,
  checkInRange,
  checkIntAtLeast,
  checkInterval,
  checkNonEmptyArray,
  checkObject,
  checkOneOf,
  checkOptions,
  checkPositive,
  checkPositiveInt,
  checkString,
  describe,
} from "../_validate.ts";

/** One update of a training run (lib's `BatchLog`, from `fit(…, { recordBatches: true })`). */
export interface BatchRecord {
  /** Update number over the whole run, from 1. */
  step: number;
  /** Epoch number, from 1 (read for `x: "epoch"`). */
  epoch?: number;
  /** Examples in the batch (read for `x: "epoch"`). */
  size?: number;
  /** Loss on the batch. */
  loss: number;
  /** Training seconds since the run began, after this update (read for `x: "seconds"`). */
  seconds?: number;
}

/** A named run: its update records, directly or inside a `History`. */
export type UpdateRun =
  | { name: string; batches: readonly BatchRecord[] }
  | { name: string; history: { readonly batches: readonly BatchRecord[] } };

/** What the x axis counts: updates, training seconds or epochs. */
export type UpdateAxis = "update" | "seconds" | "epoch";

/** Options of {@link updateCurves}. */
export interface UpdateCurvesOptions {
  /** The x axis, or several: one panel each, side by side. @default "update" */
  x?: UpdateAxis | readonly UpdateAxis[];
  /**
   * β of the exponentially weighted average drawn over the raw losses, in [0, 1); 0 draws the
   * raw losses only. The effective window is about 1/(1 − β) updates.
   * @default 0
   */
  smooth?: number;
  /** With `smooth`, also draw the raw losses, as thin faint lines under the average. @default true */
  raw?: boolean;
  /** Log scale on the x axis. @default false */
  logX?: boolean;
  /** Log scale on the y axis (drawn losses must then be positive). @default false */
  logY?: boolean;
  /** The y axis range [lo, hi]; lines outside it are clipped. @default fitted to the data */
  yDomain?: readonly [number, number];
  /**
   * At most this many points (at least 2) per run and line: a longer run of n updates keeps
   * those at positions round(i·(n − 1)/(maxPoints − 1)), i = 0 … maxPoints − 1, evenly spread
   * from its first to its last update. The average is computed over all updates.
   * @default 500
   */
  maxPoints?: number;
  /** Chart title. @default after the x axis, e.g. "Loss per update" */
  title?: string;
  /** Subtitle. @default what the thin and thick lines are, when smoothing */
  subtitle?: string;
  /** y axis title. @default "Loss" */
  yTitle?: string;
  /** Width of one panel in pixels. @default 420 */
  width?: number;
  /** Height of one panel in pixels. @default 260 */
  height?: number;
}

/** The option names UpdateCurvesOptions allows, for the misspelling check. */
const UPDATE_CURVES_OPTIONS = Object.keys(
  {
    x: true,
    smooth: true,
    raw: true,
    logX: true,
    logY: true,
    yDomain: true,
    maxPoints: true,
    title: true,
    subtitle: true,
    yTitle: true,
    width: true,
    height: true,
  } satisfies Record<keyof UpdateCurvesOptions, true>,
);

const AXES: readonly UpdateAxis[] = ["update", "seconds", "epoch"];

const AXIS_TITLES: Record<UpdateAxis, string> = {
  update: "Update",
  seconds: "Training seconds",
  epoch: "Epoch",
};

const TITLES: Record<UpdateAxis, string> = {
  update: "Loss per update",
  seconds: "Loss against training time",
  epoch: "Loss per epoch",
};

/** One drawn point: the x values the panels need, the raw loss and its average. */
type Point = Record<string, string | number>;

/** The update records of `runs[i]`, from `batches` or `history.batches`. */
function _batchesOf(run: Record<string, unknown>, name: string): unknown[] {
  const hasBatches = run.batches !== undefined, hasHistory = run.history !== undefined;
  if (hasBatches && hasHistory) {
    throw new TypeError(`${name} must have batches or history, not both`);
  }
  if (hasBatches) {
    return checkNonEmptyArray<unknown>(run.batches, `${name}.batches`, "update records");
  }
  if (!hasHistory) {
    throw new TypeError(
      `${name} must have batches (update records) or history (a History), got ${describe(run)}`,
    );
  }
  const batches = checkObject(run.history, `${name}.history`).batches;
  if (!Array.isArray(batches)) {
    throw new TypeError(
      `${name}.history must be a History with batches, got ${describe(run.history)}`,
    );
  }
  if (batches.length === 0) {
    throw new RangeError(
      `${name}.history.batches is empty: train with fit(model, data, { recordBatches: true })`,
    );
  }
  return batches;
}

/** Checks the fields of one update record that the chosen axes read. */
function _checkRecord(
  value: unknown,
  name: string,
  axes: readonly UpdateAxis[],
): { step: number; epoch: number; size: number; seconds: number; loss: number } {
  const r = checkObject(value, name);
  const step = checkPositiveInt(r.step, `${name}.step`);
  if (typeof r.loss !== "number") {
    throw new TypeError(`${name}.loss must be a number, got ${describe(r.loss)}`);
  }
  const needEpoch = axes.includes("epoch"), needSeconds = axes.includes("seconds");
  const epoch = needEpoch ? checkPositiveInt(r.epoch, `${name}.epoch`) : 0;
  const size = needEpoch ? checkPositiveInt(r.size, `${name}.size`) : 0;
  let seconds = 0;
  if (needSeconds) {
    if (typeof r.seconds !== "number" || !Number.isFinite(r.seconds) || r.seconds < 0) {
      throw new (typeof r.seconds === "number" ? RangeError : TypeError)(
        `${name}.seconds must be a finite number >= 0 (x: "seconds"), got ${describe(r.seconds)}`,
      );
    }
    seconds = r.seconds;
  }
  return { step, epoch, size, seconds, loss: r.loss };
}

/**
 * Loss per update for one or more runs: the loss of each update's batch (lib's `BatchLog`,
 * recorded by `fit(model, data, { recordBatches: true })`) against the update number, the
 * training seconds or the epoch, one colour per run. With several x axes the panels stand side
 * by side and share the y axis.
 *
 * On the epoch axis an update sits at (e − 1) + s/S: e is its epoch, s the examples seen so far
 * in that epoch, this update's included, and S the examples in one epoch (the most any epoch of
 * the run saw), so the last update of epoch e sits at e.
 *
 * With `smooth: β` a thick line draws the bias-corrected exponentially weighted average of the
 * losses ℓ₁, ℓ₂, … in update order (lesson 10's EWMA):
 *
 *   v₀ = 0,   v_t = β·v_{t−1} + (1 − β)·ℓ_t,   v̂_t = v_t / (1 − β^t),
 *
 * which weights ℓ_k by (1 − β)·β^(t−k) and averages over about the last 1/(1 − β) updates; the
 * raw losses stay visible as thin faint lines (`raw: false` hides them). Losses that are not
 * finite (a diverged run) are left out of both lines and skipped by the average.
 *
 * @param runs Named runs, each `{ name, batches }` or `{ name, history }` (a `History` from a
 *   run with `recordBatches: true`).
 * @param options Axes, smoothing, log scales, y range, points per line, titles and size.
 * @returns A fresh Vega-Lite v5 spec.
 * @throws {TypeError} For runs or records of the wrong shape and misspelt options.
 * @throws {RangeError} For empty runs, repeated names, steps that do not increase, and
 *   non-positive values on a log axis.
 *
 * @example Two runs per update and against time, smoothed
 * ```ts
 * import { updateCurves } from "./update_curves.ts";
 * const log = (n: number, noise: number, secondsPerUpdate: number) =>
 *   Array.from({ length: n }, (_, i) => ({
 *     step: i + 1, epoch: 1, size: 32, seconds: (i + 1) * secondsPerUpdate,
 *     loss: 1 / Math.sqrt(i + 1) + noise * Math.sin(7 * i),
 *   }));
 * const spec = updateCurves(
 *   [{ name: "batch 32", batches: log(200, 0.1, 0.001) },
 *    { name: "full batch", batches: log(200, 0, 0.003) }],
 *   { x: ["update", "seconds"], smooth: 0.9 },
 * );
 * if ((spec.hconcat as unknown[]).length !== 2) throw new Error("expected two panels");
 * ```
 */
export function updateCurves(
  runs: readonly UpdateRun[],
  options: UpdateCurvesOptions = {},
): VegaLiteSpec {
  checkOptions(options, UPDATE_CURVES_OPTIONS);
  const xOption: unknown = options.x ?? "update";
  const axes: UpdateAxis[] = Array.isArray(xOption)
    ? checkNonEmptyArray<unknown>(xOption, "options.x", "axes").map((a, i) =>
      checkOneOf(a, `options.x[${i}]`, AXES)
    )
    : [checkOneOf(xOption, "options.x", AXES)];
  if (new Set(axes).size !== axes.length) {
    throw new RangeError(`options.x must not repeat an axis, got ${describe(xOption)}`);
  }
  const beta = checkInRange(options.smooth ?? 0, "options.smooth", 0, 1, { hi: true }, "β");
  const smoothing = beta > 0;
  const raw = checkBoolean(options.raw ?? true, "options.raw");
  if (!raw && !smoothing) {
    throw new RangeError("options.raw can be false only with options.smooth > 0, got smooth 0");
  }
  const logX = checkBoolean(options.logX ?? false, "options.logX");
  const logY = checkBoolean(options.logY ?? false, "options.logY");
  const yDomain = options.yDomain === undefined
    ? undefined
    : checkInterval(options.yDomain, "options.yDomain");
  if (logY && yDomain && yDomain[0] <= 0) {
    throw new RangeError(
      `options.yDomain must be positive for a log y axis, got [${yDomain.join(", ")}]`,
    );
  }
  const maxPoints = checkIntAtLeast(options.maxPoints ?? 500, "options.maxPoints", 2);
  const width = checkPositive(options.width ?? 420, "options.width");
  const height = checkPositive(options.height ?? 260, "options.height");
  const yTitle = checkString(options.yTitle ?? "Loss", "options.yTitle", true);

  const items = checkNonEmptyArray<unknown>(
    runs,
    "runs",
    "{name, batches} or {name, history} runs",
  );
  const names: string[] = [];
  const points: Point[] = [];
  items.forEach((item, i) => {
    const run = checkObject(item, `runs[${i}]`);
    const name = checkString(run.name, `runs[${i}].name`);
    if (names.includes(name)) {
      throw new RangeError(`runs[${i}].name must be unique, got ${describe(name)} twice`);
    }
    names.push(name);
    const where = run.batches !== undefined ? `runs[${i}].batches` : `runs[${i}].history.batches`;
    const records = _batchesOf(run, `runs[${i}]`).map((r, j) =>
      _checkRecord(r, `${where}[${j}]`, axes)
    );
    // Examples per epoch: the most any epoch saw; examples seen within each epoch so far.
    const perEpoch = new Map<number, number>();
    for (const r of records) perEpoch.set(r.epoch, (perEpoch.get(r.epoch) ?? 0) + r.size);
    const epochLength = Math.max(...perEpoch.values());
    const seenInEpoch = new Map<number, number>();
    const n = records.length;
    const kept = new Set<number>();
    for (let i = 0; i < Math.min(n, maxPoints); i++) {
      kept.add(n <= maxPoints ? i : Math.round((i * (n - 1)) / (maxPoints - 1)));
    }
    let v = 0, t = 0, drawn = 0;
    records.forEach((r, j) => {
      if (j > 0 && r.step <= records[j - 1].step) {
        throw new RangeError(
          `${where}[${j}].step must be larger than the update before it (${
            records[j - 1].step
          }), got ${r.step}`,
        );
      }
      const seen = (seenInEpoch.get(r.epoch) ?? 0) + r.size;
      seenInEpoch.set(r.epoch, seen);
      if (!Number.isFinite(r.loss)) return;
      if (logY && r.loss <= 0) {
        throw new RangeError(
          `${where}[${j}].loss must be positive for a log y axis, got ${r.loss}`,
        );
      }
      t += 1;
      v = beta * v + (1 - beta) * r.loss;
      if (!kept.has(j)) return;
      const point: Point = { run: name, loss: round(r.loss) };
      if (smoothing) point.smoothed = round(v / (1 - beta ** t));
      for (const axis of axes) {
        const x = axis === "update"
          ? r.step
          : axis === "seconds"
          ? r.seconds
          : r.epoch - 1 + seen / epochLength;
        if (logX && x <= 0) {
          throw new RangeError(
            `${where}[${j}] is at ${axis} ${x}, which a log x axis cannot show`,
          );
        }
        point[axis] = round(x);
      }
      points.push(point);
      drawn += 1;
    });
    if (drawn === 0) {
      throw new RangeError(`${where} must hold at least one finite loss, got none`);
    }
  });

  const yScale: Record<string, unknown> = logY ? { type: "log" } : { zero: false };
  if (yDomain) yScale.domain = [...yDomain];
  // The legend draws every run as a thick opaque stroke, whatever its raw line looks like.
  const color = {
    field: "run",
    type: "nominal",
    title: "Run",
    sort: names,
    legend: { symbolType: "stroke", symbolStrokeWidth: 3, symbolOpacity: 1, labelLimit: 240 },
  };
  const panel = (axis: UpdateAxis): Record<string, unknown> => {
    const x = {
      field: axis,
      type: "quantitative",
      title: AXIS_TITLES[axis],
      scale: logX ? { type: "log" } : { zero: false, nice: false },
    };
    const line = (field: string, thin: boolean) => ({
      name: `${field === "loss" ? "raw" : "smoothed"}_${axis}`,
      mark: {
        type: "line",
        clip: true,
        strokeWidth: thin ? 1 : 2.5,
        ...(thin ? { opacity: 0.3 } : {}),
      },
      encoding: {
        x: structuredClone(x),
        y: { field, type: "quantitative", title: yTitle, scale: structuredClone(yScale) },
        color: structuredClone(color),
        tooltip: [
          { field: "run", type: "nominal", title: "Run" },
          { field: axis, type: "quantitative", title: AXIS_TITLES[axis] },
          { field, type: "quantitative", title: field === "loss" ? "Loss" : "Average" },
        ],
      },
    });
    const layer = [
      ...(raw ? [line("loss", smoothing)] : []),
      ...(smoothing ? [line("smoothed", false)] : []),
    ];
    return { width, height, layer };
  };

  const subtitle = options.subtitle ??
    (smoothing
      ? `${raw ? "thin: the loss of each update's batch; thick: " : ""}` +
        `exponentially weighted average, β = ${beta}`
      : undefined);
  const title = titleOf(
    options.title ?? (axes.length === 1 ? TITLES[axes[0]] : "Training loss"),
    subtitle,
  );
  const body: Record<string, unknown> = axes.length === 1 ? panel(axes[0]) : {
    hconcat: axes.map((axis) => ({
      title: { text: TITLES[axis], fontSize: 15 },
      ...panel(axis),
    })),
    resolve: { scale: { y: "shared" } },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title ? { title } : {}),
    data: { values: points },
    ...body,
    config: chartConfig(),
  };
}
