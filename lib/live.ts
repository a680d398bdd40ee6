/**
 * Live displays: one notebook output that is updated in place, for progress while a model
 * trains. `liveChart()` redraws a chart, `progressLine()` rewrites a line of text with a bar,
 * and `notebookProgress(kind)` wraps them as a training callback (register it with the
 * training module's `setProgressFactory`). `liveCurves(title)` is a training callback that
 * draws one run's learning curves under a title of its own, and `liveRuns()` draws a series of
 * runs in one output titled with the run being trained. Refreshes are throttled so that
 * drawing does not slow training, and the final state is always shown. Outside the Deno
 * Jupyter kernel updates do nothing and `done()` prints one line (`liveCurves` and `liveRuns`
 * show nothing).
 *
 * @module
 */
import type { Callback, CallbackContext } from "./callbacks.ts";
import { type EpochRecord, learningCurves } from "./charts/learning_curves.ts";
import type { VegaLiteSpec } from "./charts/_common.ts";
import { bundle, inJupyter } from "./display.ts";
import { formatEpochLine } from "./_format.ts";
import { type MediaBundle, now, sendDisplay } from "./_kernel.ts";
import { progressBundle, type ProgressState } from "./_progress.ts";
import { checkSpec, describeChart } from "./_render.ts";
import {
  checkBoolean,
  checkInRange,
  checkNonEmptyArray,
  checkNonNegative,
  checkOneOf,
  checkOptions,
  checkPositiveInt,
  checkString,
} from "./_validate.ts";

export type { ProgressState } from "./_progress.ts";

/** Options of the live displays. */
export interface LiveOptions {
  /**
   * The shortest time between two refreshes in milliseconds. A refresh also waits at least
   * five times as long as the previous one took, so rendering costs at most about a fifth of
   * the time. The final state is always shown.
   * @default 500 for charts, 200 for progress lines
   */
  minInterval?: number;
}

/** A chart that is one output in the notebook, redrawn in place. */
export interface LiveChart {
  /** The Jupyter display id of the output. */
  readonly displayId: string;
  /**
   * Sets the chart to `spec`. It is drawn now unless a refresh is running or the last one was
   * too recent (see {@link LiveOptions.minInterval}); the latest spec is then drawn at the next
   * refresh or at {@link LiveChart.done}. Never rejects: a rendering error is printed once and
   * raised by `done()`.
   */
  update(spec: VegaLiteSpec): Promise<void>;
  /** Draws the final state (`spec` if given, else the latest update) and closes the display. */
  done(spec?: VegaLiteSpec): Promise<void>;
}

/** A line of progress text (with an optional bar) that is one output, rewritten in place. */
export interface ProgressLine {
  /** The Jupyter display id of the output. */
  readonly displayId: string;
  /** Sets the text and, optionally, the completed fraction in [0, 1] (drawn as a bar). */
  update(text: string, fraction?: number): Promise<void>;
  /** Writes the final text (`text` if given, else the latest) and closes the display. */
  done(text?: string, fraction?: number): Promise<void>;
}

const LIVE_OPTIONS = Object.keys({ minInterval: true } satisfies Record<keyof LiveOptions, true>);

/** Checks the options of a live display; returns the refresh interval (`fallback` if unset). */
function minIntervalOf(options: LiveOptions, fallback: number): number {
  const { minInterval = fallback } = checkOptions(options, LIVE_OPTIONS);
  return checkNonNegative(minInterval, "options.minInterval");
}

/** Checks a progress line's text and fraction. */
function progressState(text: unknown, fraction: unknown): ProgressState {
  checkString(text, "text", true);
  if (fraction !== undefined) checkInRange(fraction, "fraction", 0, 1);
  return { text: text as string, fraction: fraction as number | undefined };
}

/** The handle {@link liveDisplay} returns, for states of type `T`. */
interface LiveCore<T> {
  displayId: string;
  update(state: T): Promise<void>;
  done(state?: T): Promise<void>;
}

/**
 * The machinery shared by live charts and progress lines: one display id, the first send
 * creates the output and later ones update it, refreshes are throttled, the final state is
 * always sent.
 */
function liveDisplay<T>(
  initial: T | undefined,
  makeBundle: (state: T) => MediaBundle | Promise<MediaBundle>,
  placeholder: MediaBundle,
  minInterval: number,
  finalLine: (state: T) => string,
): LiveCore<T> {
  const displayId = `lib-${crypto.randomUUID()}`;
  const kernel = inJupyter();
  let latest = initial;
  let dirty = false;
  let created = false;
  let closed = false;
  let nextAt = 0;
  let busy: Promise<void> | undefined;
  let failure: unknown;

  const send = async (state: T | undefined): Promise<void> => {
    const t0 = now();
    const data = state === undefined ? placeholder : await makeBundle(state);
    await sendDisplay(data, { raw: true, display_id: displayId, update: created });
    created = true;
    nextAt = t0 + Math.max(minInterval, 5 * (now() - t0));
  };
  const flush = (): Promise<void> => {
    const state = latest;
    dirty = false;
    const run = send(state).catch((error) => {
      if (failure === undefined) console.error(`live display: ${String(error)}`);
      failure = error;
    }).finally(() => {
      if (busy === run) busy = undefined;
    });
    busy = run;
    return run;
  };
  if (kernel) flush();

  return {
    displayId,
    update(state: T): Promise<void> {
      if (closed || !kernel) return Promise.resolve();
      latest = state;
      dirty = true;
      if (busy !== undefined || now() < nextAt) return Promise.resolve();
      return flush();
    },
    async done(state?: T): Promise<void> {
      if (closed) return;
      closed = true;
      if (state !== undefined) {
        latest = state;
        dirty = true;
      }
      if (!kernel) {
        if (latest !== undefined) console.log(finalLine(latest));
        return;
      }
      while (busy !== undefined) await busy;
      if (dirty) await flush();
      if (failure !== undefined) throw failure;
    },
  };
}

/** A one-line chart in place of learning curves when no value is finite. */
function divergedChart(numEpochs: number, title: string): VegaLiteSpec {
  const text = `no finite loss to draw after ${numEpochs} epoch${numEpochs === 1 ? "" : "s"}: ` +
    "the run diverged (every loss is NaN or infinite)";
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    width: 520,
    height: 40,
    data: { values: [{ text }] },
    mark: { type: "text", fontSize: 14, align: "center" },
    encoding: { text: { field: "text", type: "nominal" } },
  };
}

/**
 * Creates a chart output that is redrawn in place: call `update(spec)` as often as you like
 * (for example after every epoch) and `done()` at the end. Drawing is throttled (see
 * {@link LiveOptions}) so it does not slow training; the final state is always drawn.
 * Outside the kernel updates do nothing and `done()` prints one line.
 *
 * @param initialSpec A spec to show at once; without it the output says it is waiting.
 * @param options The shortest time between refreshes.
 * @returns The live chart's handle.
 *
 * @example A training loop's view of it
 * ```ts
 * import { liveChart } from "./live.ts";
 * const live = liveChart();
 * for (let epoch = 1; epoch <= 3; epoch++) {
 *   await live.update({
 *     $schema: "https://vega.github.io/schema/vega-lite/v5.json",
 *     title: `epoch ${epoch}`,
 *     data: { values: [] },
 *     mark: "line",
 *   });
 * }
 * await live.done();
 * ```
 */
export function liveChart(initialSpec?: VegaLiteSpec, options: LiveOptions = {}): LiveChart {
  if (initialSpec !== undefined) checkSpec(initialSpec, "initialSpec");
  const ms = minIntervalOf(options, 500);
  const core = liveDisplay<VegaLiteSpec>(
    initialSpec,
    bundle,
    { "text/plain": "Waiting for the first update..." },
    ms,
    describeChart,
  );
  return {
    displayId: core.displayId,
    update: (spec) => core.update(checkSpec(spec)),
    done: (spec) => core.done(spec === undefined ? undefined : checkSpec(spec)),
  };
}

/**
 * Creates a one-line progress output, rewritten in place, with an optional progress bar.
 * Outside the kernel updates do nothing and `done()` prints the final line.
 *
 * @param initialText Text to show at once. @default ""
 * @param options The shortest time between refreshes.
 * @returns The progress line's handle.
 *
 * @example Three epochs
 * ```ts
 * import { progressLine } from "./live.ts";
 * const line = progressLine("starting");
 * for (let epoch = 1; epoch <= 3; epoch++) {
 *   await line.update(`epoch ${epoch}/3`, epoch / 3);
 * }
 * await line.done("trained 3 epochs");
 * ```
 */
export function progressLine(initialText = "", options: LiveOptions = {}): ProgressLine {
  const initial = progressState(initialText, undefined);
  const ms = minIntervalOf(options, 200);
  const core = liveDisplay<ProgressState>(
    initial,
    progressBundle,
    { "text/plain": "" },
    ms,
    (s) => progressBundle(s)["text/plain"] as string,
  );
  let last = initial;
  return {
    displayId: core.displayId,
    update(text: string, fraction?: number) {
      last = progressState(text, fraction);
      return core.update(last);
    },
    done(text?: string, fraction?: number) {
      if (text === undefined && fraction === undefined) return core.done();
      return core.done(progressState(text ?? last.text, fraction ?? last.fraction));
    },
  };
}

/** What the progress callbacks read from a training run's context. */
export interface ProgressContext {
  /** The run's settings: the epoch limit. */
  readonly params: { readonly epochs: number };
  /** The records so far, one per finished epoch. */
  readonly history: { readonly epochs: readonly EpochRecord[] };
  /** Why training stopped, if a callback stopped it. */
  readonly stopReason?: string;
}

/** A training callback that shows progress (the hooks `fit` calls). */
export interface ProgressCallback {
  /** Opens the display. */
  onTrainBegin(ctx: ProgressContext): void;
  /** Shows the epoch just finished. */
  onEpochEnd(log: EpochRecord & { seconds?: number }, ctx: ProgressContext): Promise<void>;
  /** Shows the final state and closes the display. */
  onTrainEnd(ctx: ProgressContext): Promise<void>;
}

/**
 * A training callback that shows a run's progress in one notebook output, updated in place:
 * `"line"` a progress bar with the latest epoch's numbers, `"chart"` the learning curves so
 * far. Refreshes are throttled as {@link liveChart} describes and the final state is always
 * shown, with the reason training stopped, if any. It has the shape of the training module's
 * progress factory, so `setProgressFactory(notebookProgress)` makes `fit` use it.
 *
 * @param kind "line" or "chart".
 * @param options The shortest time between refreshes.
 * @returns The callback (one per training run).
 *
 * @example Driven by hand the way `fit` drives it
 * ```ts
 * import { notebookProgress } from "./live.ts";
 * const cb = notebookProgress("chart");
 * const epochs: { epoch: number; loss: number }[] = [];
 * const ctx = { params: { epochs: 3 }, history: { epochs } };
 * cb.onTrainBegin(ctx);
 * for (let epoch = 1; epoch <= 3; epoch++) {
 *   epochs.push({ epoch, loss: 1 / epoch });
 *   await cb.onEpochEnd(epochs[epochs.length - 1], ctx);
 * }
 * await cb.onTrainEnd(ctx);
 * ```
 */
export function notebookProgress(
  kind: "line" | "chart",
  options: LiveOptions = {},
): ProgressCallback {
  checkOneOf(kind, "kind", ["line", "chart"]);
  minIntervalOf(options, 0);
  let line: ProgressLine | undefined;
  let live: LiveChart | undefined;
  // A diverged run (every value NaN or infinite) has no line to draw: say so instead.
  const curves = (ctx: ProgressContext, title: string, subtitle?: string) =>
    runCurves(ctx.history.epochs, { logLoss: false }, title, subtitle);
  return {
    onTrainBegin(ctx) {
      if (kind === "line") line = progressLine(`training for ${ctx.params.epochs} epochs`, options);
      else live = liveChart(undefined, options);
    },
    async onEpochEnd(log, ctx) {
      const epochs = ctx.params.epochs;
      if (line) await line.update(formatEpochLine(log, epochs), Math.min(1, log.epoch / epochs));
      if (live && ctx.history.epochs.length > 0) {
        await live.update(curves(ctx, `Training: epoch ${log.epoch} of ${epochs}`));
      }
    },
    async onTrainEnd(ctx) {
      const last = ctx.history.epochs[ctx.history.epochs.length - 1];
      const epochs = ctx.params.epochs;
      const text = [last ? formatEpochLine(last, epochs) : "no epoch finished", ctx.stopReason]
        .filter(Boolean).join("  |  ");
      if (line) await line.done(text, last ? Math.min(1, last.epoch / epochs) : 0);
      if (live) {
        await live.done(
          last ? curves(ctx, "Learning curves", ctx.stopReason || undefined) : undefined,
        );
      }
      line = undefined;
      live = undefined;
    },
  };
}

/** Options of {@link liveCurves} and {@link liveRuns}. */
export interface LiveCurvesOptions extends LiveOptions {
  /**
   * Draw after every `every`-th epoch (a positive integer). The run's last epoch and its end
   * are always drawn. @default 1
   */
  every?: number;
  /**
   * Metrics to draw, one panel each, as in `learningCurves`. A named metric whose values are
   * all NaN or infinite is left out while another one has values to draw.
   * @default ["loss", "acc"] (those the records have)
   */
  metrics?: readonly string[];
  /** Draw the loss axis on a log scale (losses must then be positive). @default false */
  logLoss?: boolean;
  /**
   * A line under the title of every chart, before what the run is doing (the epoch or why it
   * stopped), separated by " · ". @default none
   */
  subtitle?: string;
}

const LIVE_CURVES_OPTIONS = Object.keys(
  {
    minInterval: true,
    every: true,
    metrics: true,
    logLoss: true,
    subtitle: true,
  } satisfies Record<keyof LiveCurvesOptions, true>,
);

/** The checked options of {@link liveCurves} and {@link liveRuns}, defaults filled in. */
interface CurvesSettings {
  minInterval: number;
  every: number;
  metrics?: readonly string[];
  logLoss: boolean;
  subtitle?: string;
}

/** Checks the options of {@link liveCurves} and {@link liveRuns}. */
function curvesSettings(options: LiveCurvesOptions): CurvesSettings {
  const o = checkOptions(options, LIVE_CURVES_OPTIONS);
  const metrics = o.metrics === undefined ? undefined : checkNonEmptyArray<unknown>(
    o.metrics,
    "options.metrics",
    "metric names",
  ).map((m, i) => checkString(m, `options.metrics[${i}]`));
  return {
    minInterval: checkNonNegative(o.minInterval ?? 500, "options.minInterval"),
    every: checkPositiveInt(o.every ?? 1, "options.every"),
    metrics,
    logLoss: checkBoolean(o.logLoss ?? false, "options.logLoss"),
    subtitle: o.subtitle === undefined ? undefined : checkString(o.subtitle, "options.subtitle"),
  };
}

/** The parts of a subtitle that are set, joined by " · "; undefined when none is. */
function joinSubtitle(...parts: (string | undefined)[]): string | undefined {
  const set = parts.filter((p): p is string => p !== undefined && p !== "");
  return set.length === 0 ? undefined : set.join(" · ");
}

/**
 * The learning curves of one run under `title`, or the diverged stand-in when none of the
 * metrics to draw has a finite value. A named metric that the records hold but never as a
 * finite number is left out; one the records do not hold at all is kept, so that
 * `learningCurves` reports the misspelling.
 */
function runCurves(
  epochs: readonly EpochRecord[],
  settings: Pick<CurvesSettings, "metrics" | "logLoss">,
  title: string,
  subtitle: string | undefined,
): VegaLiteSpec {
  const records = epochs as unknown as readonly Record<string, unknown>[];
  const fields = (m: string) => [m, `val${m.charAt(0).toUpperCase()}${m.slice(1)}`];
  const finite = (m: string) =>
    records.some((r) => fields(m).some((f) => Number.isFinite(r[f] as number)));
  const present = (m: string) => records.some((r) => fields(m).some((f) => f in r));
  const unknown = settings.metrics?.filter((m) => !present(m)) ?? [];
  const metrics = (settings.metrics ?? ["loss", "acc"]).filter((m) => finite(m) || !present(m));
  if (unknown.length === 0 && !metrics.some(finite)) {
    return divergedChart(epochs.length, title);
  }
  return learningCurves(epochs, {
    title,
    subtitle,
    logLoss: settings.logLoss,
    ...(settings.metrics === undefined ? {} : { metrics }),
  });
}

/** Whether the epoch just finished is drawn: every `every`-th one and the epoch limit. */
function isDrawn(epoch: number, ctx: CallbackContext, every: number): boolean {
  return epoch % every === 0 || epoch >= ctx.params.epochs;
}

/**
 * A training callback that draws one run's learning curves, live, in a notebook output of its
 * own, under `title`. While the run trains the subtitle says `training: epoch N of M`; when it
 * ends the chart shows every epoch and, as subtitle, the reason training stopped (if a
 * callback such as early stopping stopped it). A run whose values are all NaN or infinite
 * shows a one-line chart saying it diverged. Pass it to `fit` in `callbacks`, with
 * `progress: false` so the default display does not draw the run a second time; use a new one
 * for every run. Refreshes are throttled as {@link liveChart} describes. Outside the Deno
 * Jupyter kernel it shows nothing.
 *
 * @param title The chart's title (a non-empty string), e.g. the run's name.
 * @param options How often to draw, the metrics, a log loss axis, a subtitle line.
 * @returns The callback.
 *
 * @example One run of `fit`, drawn every 5 epochs
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { mlp } from "./model.ts";
 * import { fit } from "./train.ts";
 * import { liveCurves } from "./live.ts";
 * const X = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]), y = tf.tensor2d([[0], [1], [1], [0]]);
 * const model = mlp(2, { hidden: [8], seed: 1 });
 * const history = await fit(model, { X, y }, {
 *   epochs: 20,
 *   seed: 1,
 *   progress: false, // the chart replaces the default progress display
 *   callbacks: [liveCurves("XOR, seed 1: learning curves", { every: 5 })],
 * });
 * if (history.epochs.length !== 20) throw new Error(`${history.epochs.length} epochs`);
 * tf.dispose([X, y]);
 * model.dispose();
 * ```
 */
export function liveCurves(title: string, options: LiveCurvesOptions = {}): Callback {
  checkString(title, "title");
  const settings = curvesSettings(options);
  let live: LiveChart | undefined;
  const open = () => {
    if (live === undefined && inJupyter()) {
      live = liveChart(undefined, { minInterval: settings.minInterval });
    }
    return live;
  };
  return {
    onTrainBegin() {
      open();
    },
    async onEpochEnd(log, ctx) {
      const chart = open();
      if (chart === undefined || !isDrawn(log.epoch, ctx, settings.every)) return;
      const state = `training: epoch ${log.epoch} of ${ctx.params.epochs}`;
      await chart.update(
        runCurves(ctx.history.epochs, settings, title, joinSubtitle(settings.subtitle, state)),
      );
    },
    async onTrainEnd(ctx) {
      const chart = live;
      live = undefined;
      if (chart === undefined) return;
      const epochs = ctx.history.epochs;
      await chart.done(
        epochs.length === 0
          ? undefined
          : runCurves(epochs, settings, title, joinSubtitle(settings.subtitle, ctx.stopReason)),
      );
    },
  };
}

/** A series of training runs drawn in one output: see {@link liveRuns}. */
export interface LiveRuns {
  /**
   * The training callback of the run called `name` (a non-empty string): pass it to that
   * run's `fit`. Throws once {@link LiveRuns.done} was called.
   */
  run(name: string): Callback;
  /** Draws the last state (the end of the last run) and closes the output. */
  done(): Promise<void>;
}

/**
 * One notebook output for a series of training runs (a sweep over settings, seeds or folds):
 * the learning curves of the run being trained, redrawn in place, titled
 * `<name>: epoch N of M`. When a run ends its chart shows every epoch it trained and, as
 * subtitle, the reason it stopped, if a callback stopped it; the next run then takes the
 * output over. `done()` leaves the last run's chart. A run whose values are all NaN or
 * infinite shows a one-line chart saying it diverged. Refreshes are throttled as
 * {@link liveChart} describes. Outside the Deno Jupyter kernel it shows nothing.
 *
 * @param options How often to draw, the metrics, a log loss axis, a subtitle line.
 * @returns `run(name)` for each run's callbacks and `done()` for the end of the series.
 *
 * @example A width sweep in one output, drawn every 10 epochs
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { mlp } from "./model.ts";
 * import { fit } from "./train.ts";
 * import { liveRuns } from "./live.ts";
 * const X = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]), y = tf.tensor2d([[0], [1], [1], [0]]);
 * const live = liveRuns({ every: 10 });
 * for (const width of [2, 8]) {
 *   const model = mlp(2, { hidden: [width], seed: 1 });
 *   await fit(model, { X, y }, {
 *     epochs: 30,
 *     seed: 1,
 *     progress: false,
 *     callbacks: [live.run(`Training width ${width}, seed 1`)], // "…: epoch 10 of 30"
 *   });
 *   model.dispose();
 * }
 * await live.done();
 * tf.dispose([X, y]);
 * ```
 */
export function liveRuns(options: LiveCurvesOptions = {}): LiveRuns {
  const settings = curvesSettings(options);
  let live: LiveChart | undefined;
  let closed = false;
  const open = () => {
    if (live === undefined && !closed && inJupyter()) {
      live = liveChart(undefined, { minInterval: settings.minInterval });
    }
    return live;
  };
  return {
    run(name: string): Callback {
      checkString(name, "name");
      if (closed) {
        throw new Error(
          `liveRuns: cannot start run ${JSON.stringify(name)}, done() was already called`,
        );
      }
      let drawn = 0; // the epoch drawn last
      const draw = (ctx: CallbackContext, epoch: number, subtitle?: string) => {
        drawn = epoch;
        return open()?.update(runCurves(
          ctx.history.epochs,
          settings,
          `${name}: epoch ${epoch} of ${ctx.params.epochs}`,
          joinSubtitle(settings.subtitle, subtitle),
        ));
      };
      return {
        onTrainBegin() {
          drawn = 0;
          open();
        },
        async onEpochEnd(log, ctx) {
          if (isDrawn(log.epoch, ctx, settings.every)) await draw(ctx, log.epoch);
        },
        async onTrainEnd(ctx) {
          // The end: every epoch and why the run stopped, unless the last draw showed it all.
          const last = ctx.history.epochs.at(-1);
          if (last !== undefined && (last.epoch !== drawn || ctx.stopReason)) {
            await draw(ctx, last.epoch, ctx.stopReason);
          }
        },
      };
    },
    async done() {
      closed = true;
      const chart = live;
      live = undefined;
      await chart?.done();
    },
  };
}
