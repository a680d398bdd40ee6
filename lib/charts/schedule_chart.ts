/**
 * Learning-rate schedules drawn as α against the update number, to compare how fast each
 * one decays.
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
  checkFunction,
  checkNonEmptyArray,
  checkObject,
  checkOptions,
  checkPositive,
  checkPositiveInt,
  checkString,
  describe,
} from "../_validate.ts";

/** A schedule with its legend entry. */
export interface NamedSchedule {
  /** The legend entry. */
  name: string;
  /** α as a function of the update number t, from 0 (see `schedules.ts`). */
  schedule: (step: number) => number;
}

/** Options of {@link scheduleChart}. */
export interface ScheduleChartOptions {
  /** The last update number drawn (the x axis runs from 0 to it). */
  steps: number;
  /** Log scale on the rate axis (every rate must then be > 0). @default false */
  logY?: boolean;
  /** Chart title. @default undefined */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /** Title of the x axis. @default "update t" */
  xTitle?: string;
  /** Title of the y axis. @default "learning rate α" */
  yTitle?: string;
  /** Width in pixels. @default 460 */
  width?: number;
  /** Height in pixels. @default 260 */
  height?: number;
}

/** The option names ScheduleChartOptions allows, for the misspelling check. */
const SCHEDULE_CHART_OPTIONS = Object.keys(
  {
    steps: true,
    logY: true,
    title: true,
    subtitle: true,
    xTitle: true,
    yTitle: true,
    width: true,
    height: true,
  } satisfies Record<keyof ScheduleChartOptions, true>,
);

/** Most points drawn per schedule: every update up to this many, evenly spread beyond. */
const MAX_POINTS = 1001;

/** The update numbers sampled: all of 0..steps, or MAX_POINTS of them evenly spread. */
function sampleSteps(steps: number): number[] {
  if (steps < MAX_POINTS) return Array.from({ length: steps + 1 }, (_, t) => t);
  const out: number[] = [];
  for (let k = 0; k < MAX_POINTS; k++) {
    const t = Math.round((steps * k) / (MAX_POINTS - 1));
    if (t !== out.at(-1)) out.push(t);
  }
  return out;
}

/**
 * Draws learning-rate schedules: α(t) against the update number t from 0 to `steps`, one
 * coloured line per schedule. Up to 1000 updates every one is drawn (so a step decay's drops
 * are steep lines one update wide); beyond, 1001 evenly spread ones.
 *
 * @param schedules The schedules, each with a name for the legend.
 * @param options The number of updates, log scale, titles and size.
 * @returns A fresh Vega-Lite v5 spec.
 * @throws {RangeError} For a schedule that returns a rate that is not a finite number >= 0,
 *   repeated names, or a rate of 0 on a log scale.
 *
 * @example Step decay against exponential decay over 300 updates
 * ```ts
 * import { scheduleChart } from "./schedule_chart.ts";
 * const spec = scheduleChart([
 *   { name: "step", schedule: (t) => 0.1 * 0.5 ** Math.floor(t / 100) },
 *   { name: "exponential", schedule: (t) => 0.1 * 0.5 ** (t / 100) },
 * ], { steps: 300 });
 * if ((spec.data as { values: unknown[] }).values.length !== 2 * 301) throw new Error();
 * ```
 */
export function scheduleChart(
  schedules: readonly NamedSchedule[],
  options: ScheduleChartOptions,
): VegaLiteSpec {
  const items = checkNonEmptyArray<unknown>(schedules, "schedules", "{ name, schedule }");
  checkObject(options, "options");
  checkOptions(options, SCHEDULE_CHART_OPTIONS);
  const steps = checkPositiveInt(options.steps, "options.steps");
  const logY = checkBoolean(options.logY ?? false, "options.logY");
  const width = checkPositive(options.width ?? 460, "options.width");
  const height = checkPositive(options.height ?? 260, "options.height");
  const xTitle = checkString(options.xTitle ?? "update t", "options.xTitle", true);
  const yTitle = checkString(options.yTitle ?? "learning rate α", "options.yTitle", true);
  const ts = sampleSteps(steps);
  const names: string[] = [];
  const rows = items.flatMap((item, k) => {
    const where = `schedules[${k}]`;
    const o = checkObject(item, where);
    const name = checkString(o.name, `${where}.name`);
    if (names.includes(name)) {
      throw new RangeError(`schedules must have distinct names, got ${describe(name)} twice`);
    }
    names.push(name);
    const schedule = checkFunction<(t: number) => unknown>(o.schedule, `${where}.schedule`);
    return ts.map((step) => {
      const lr = schedule(step);
      if (typeof lr !== "number" || !(lr >= 0) || lr === Infinity) {
        throw new RangeError(
          `${where}.schedule must return a finite number >= 0, got ${describe(lr)} at step ${step}`,
        );
      }
      if (logY && lr === 0) {
        throw new RangeError(
          `options.logY needs rates > 0, but ${where} (${describe(name)}) gives 0 at step ${step}`,
        );
      }
      return { name, step, lr: round(lr) };
    });
  });
  const title = titleOf(options.title, options.subtitle);
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title ? { title } : {}),
    data: { values: rows },
    width,
    height,
    encoding: {
      x: { field: "step", type: "quantitative", title: xTitle, scale: { domain: [0, steps] } },
      y: {
        field: "lr",
        type: "quantitative",
        title: yTitle,
        ...(logY ? { scale: { type: "log" } } : {}),
      },
      color: {
        field: "name",
        type: "nominal",
        title: "schedule",
        scale: { domain: names, range: CATEGORY_COLORS.slice(0, names.length) },
        legend: { labelLimit: 360, symbolType: "stroke", symbolStrokeWidth: 3 },
      },
      tooltip: [
        { field: "name", type: "nominal", title: "schedule" },
        { field: "step", type: "quantitative", title: xTitle },
        { field: "lr", type: "quantitative", title: yTitle, format: ".4~g" },
      ],
    },
    layer: [{
      name: "schedules",
      mark: { type: "line", strokeWidth: 2.5 },
    }],
    config: chartConfig(),
  };
}
