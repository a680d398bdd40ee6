/**
 * Showing charts in a notebook. A chart is shown as one output bundle that carries the
 * Vega-Lite spec (rendered interactively by JupyterLab and VS Code), an SVG rendered here by
 * vega (for nbconvert, slides and GitHub) and a line of plain text. Outside the Deno Jupyter
 * kernel (`deno run`, `deno test`) the same calls do not throw: they print at most one line.
 *
 * Three ways in:
 * - `await show(spec)` displays a chart now;
 * - `chart(spec)` as the last expression of a cell renders through the kernel's
 *   `Symbol.for("Jupyter.display")` protocol;
 * - `liveChart()` / `progressLine()` make one display that is updated in place, for
 *   progress while a model trains; `notebookProgress(kind)` wraps them as a training
 *   callback (register it with the training module's `setProgressFactory`).
 *
 * @module
 */
import process from "node:process";
import type { VegaLiteSpec } from "./charts/_common.ts";
import { type EpochRecord, learningCurves } from "./charts/learning_curves.ts";

export type { VegaLiteSpec } from "./charts/_common.ts";

/** The MIME type of Vega-Lite v5 specs, rendered natively by JupyterLab 4 and VS Code. */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

/** The output bundle of a chart: the spec, its SVG rendering, and a line of text. */
export type ChartBundle = {
  /** The Vega-Lite spec, for interactive front ends. */
  "application/vnd.vegalite.v5+json": VegaLiteSpec;
  /** The chart rendered to SVG by vega, for static front ends. */
  "image/svg+xml": string;
  /** A short description such as the chart's title. */
  "text/plain": string;
};

/** Any Jupyter output bundle: MIME type to data. */
export type MediaBundle = { [mime: string]: string | object };

/** Options of {@link show}. */
export interface ShowOptions {
  /** A display id, so a later `show(spec, {displayId, update: true})` can replace it. @default undefined */
  displayId?: string;
  /** Replace the output that has `displayId` instead of adding a new one. @default false */
  update?: boolean;
}

/** What the kernel's display function receives besides the bundle. */
export interface DisplayCallOptions {
  /** Always true: the bundle is passed as is. */
  raw: true;
  /** The display id, if any. */
  display_id?: string;
  /** Whether this replaces an earlier output with the same display id. */
  update: boolean;
}

/** A function that sends a bundle to the front end (the kernel's, or a test's stand-in). */
export type DisplayFunction = (bundle: MediaBundle, options: DisplayCallOptions) => unknown;

let _hook: DisplayFunction | undefined;
let _clock: () => number = () => performance.now();

/** Replaces the millisecond clock the live displays throttle by (for tests); `undefined` restores it. */
export function _setClock(now: (() => number) | undefined): void {
  _clock = now ?? (() => performance.now());
}

/**
 * Replaces the kernel's display function (for tests): while set, lib behaves as if it ran in
 * the kernel and hands every bundle to `fn`. Pass `undefined` to restore.
 */
export function _setDisplayHook(fn: DisplayFunction | undefined): void {
  _hook = fn;
}

/**
 * Whether the code runs in the Deno Jupyter kernel. Deno defines `Deno.jupyter` only under
 * `deno jupyter`; elsewhere reading it throws, so lib reads it inside `try`.
 *
 * @returns True in the kernel (or while a test display hook is set).
 *
 * @example Outside the kernel
 * ```ts
 * import { inJupyter } from "./display.ts";
 * if (inJupyter()) throw new Error("deno test is not the kernel");
 * ```
 */
export function inJupyter(): boolean {
  if (_hook !== undefined) return true;
  try {
    const jupyter = (Deno as { jupyter?: { display?: unknown } }).jupyter;
    return typeof jupyter?.display === "function";
  } catch {
    return false;
  }
}

async function _send(bundle: MediaBundle, options: DisplayCallOptions): Promise<void> {
  if (_hook !== undefined) {
    await _hook(bundle, options);
    return;
  }
  await Deno.jupyter.display(bundle, options);
  // The Deno kernel publishes a display from a queue and can do so after the cell's "idle"
  // status when the cell ends right after it; Jupyter clients (nbclient, JupyterLab) drop
  // outputs that arrive after "idle". Waiting lets the message leave first; big bundles take
  // longer to serialize (measured: a 4 MB bundle was dropped after a 20 ms wait, never after
  // 100 ms), so the wait grows with the size.
  await new Promise((resolve) => setTimeout(resolve, _settleMs(bundle)));
}

/** How long to wait after publishing `bundle`: 20 ms plus 40 ms per MB of JSON. */
export function _settleMs(bundle: MediaBundle): number {
  return 20 + Math.ceil((40 * JSON.stringify(bundle).length) / 1e6);
}

type Vega = typeof import("vega");
type VegaLite = typeof import("vega-lite");
let _modules: Promise<{ vega: Vega; vl: VegaLite }> | undefined;

/**
 * Loads vega and vega-lite on first use. Their Node build pulls in a module that prints a
 * deprecation warning (`punycode`) on load; it is silenced for the import only.
 */
function _load(): Promise<{ vega: Vega; vl: VegaLite }> {
  _modules ??= (async () => {
    const proc = process as typeof process & { noDeprecation?: boolean };
    const previous = proc.noDeprecation;
    proc.noDeprecation = true;
    try {
      const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
      return { vega, vl };
    } finally {
      proc.noDeprecation = previous;
    }
  })();
  return _modules;
}

/** Throws unless `spec` is an object declaring a Vega-Lite v5 schema. */
function _checkSpec(spec: unknown, name = "spec"): VegaLiteSpec {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new TypeError(`${name} must be a Vega-Lite spec object, got ${_brief(spec)}`);
  }
  const schema = (spec as VegaLiteSpec).$schema;
  if (typeof schema !== "string" || !/\/schema\/vega-lite\/v5(\.\d+)*\.json$/.test(schema)) {
    throw new RangeError(
      `${name}.$schema must be a Vega-Lite v5 schema URL such as ` +
        `"https://vega.github.io/schema/vega-lite/v5.json", got ${_brief(schema)}`,
    );
  }
  return spec as VegaLiteSpec;
}

function _brief(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "object" && value !== null) return "an object";
  return String(value);
}

/** A compiled spec and the warnings vega-lite and vega reported on the way. */
export interface Compiled {
  /** The Vega spec vega-lite produced. */
  vegaSpec: object;
  /** Warnings, as text. */
  warnings: string[];
}

/** Compiles a Vega-Lite spec to Vega, collecting vega-lite's warnings instead of printing them. */
export async function _compile(spec: VegaLiteSpec): Promise<Compiled> {
  const { vl } = await _load();
  const warnings: string[] = [];
  type Args = Parameters<VegaLite["compile"]>;
  const options = { logger: _collectingLogger(warnings) } as unknown as Args[1];
  // A copy: vega tags the data rows it ingests with a symbol; the caller's spec stays as it was.
  const out = vl.compile(structuredClone(spec) as unknown as Args[0], options);
  return { vegaSpec: out.spec, warnings };
}

function _collectingLogger(warnings: string[]) {
  let level = 2;
  const logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: unknown[]) {
      warnings.push(`error: ${args.map(String).join(" ")}`);
      return logger;
    },
    warn(...args: unknown[]) {
      warnings.push(args.map(String).join(" "));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

/**
 * Rounds the coordinates in an SVG's geometry attributes to 2 decimals (a hundredth of a
 * pixel): vega writes them with up to 17 digits, which makes heat maps several times larger.
 */
export function _compactSvg(svg: string): string {
  return svg.replace(
    / (d|transform|x|y|x1|x2|y1|y2|dx|dy)="([^"]*)"/g,
    (_match, name: string, value: string) =>
      ` ${name}="${
        value.replace(/-?\d*\.\d{3,}(e-?\d+)?/g, (n) => {
          const r = Math.round(Number(n) * 100) / 100;
          return String(r === 0 ? 0 : r);
        })
      }"`,
  );
}

/**
 * Renders a spec to SVG and returns it with every warning vega-lite and vega reported (the
 * chart tests require there be none).
 */
export async function _renderWithWarnings(
  spec: VegaLiteSpec,
): Promise<{ svg: string; warnings: string[] }> {
  const { vega } = await _load();
  const { vegaSpec, warnings } = await _compile(spec);
  const view = new vega.View(vega.parse(vegaSpec as never), {
    renderer: "none",
    logger: _collectingLogger(warnings) as unknown as ReturnType<Vega["logger"]>,
    logLevel: vega.Warn,
  });
  try {
    const svg = _compactSvg(await view.toSVG());
    return { svg, warnings };
  } finally {
    view.finalize();
  }
}

/**
 * Renders a Vega-Lite spec to an SVG string: vega-lite compiles it to Vega, and a headless
 * vega View (renderer "none") draws it. Warnings are printed once each.
 *
 * @param spec A Vega-Lite v5 spec.
 * @returns The SVG document as text.
 *
 * @example
 * ```ts
 * import { renderSvg } from "./display.ts";
 * const svg = await renderSvg({
 *   $schema: "https://vega.github.io/schema/vega-lite/v5.json",
 *   data: { values: [{ a: 1, b: 2 }, { a: 2, b: 3 }] },
 *   mark: "line",
 *   encoding: { x: { field: "a", type: "quantitative" }, y: { field: "b", type: "quantitative" } },
 * });
 * if (!svg.startsWith("<svg")) throw new Error("not an SVG");
 * ```
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  _checkSpec(spec);
  const { svg, warnings } = await _renderWithWarnings(spec);
  for (const w of new Set(warnings)) console.warn(`vega-lite: ${w}`);
  return svg;
}

function _titleText(title: unknown): string {
  if (typeof title === "string") return title;
  if (Array.isArray(title)) return title.map(String).join(" ");
  if (typeof title === "object" && title !== null && "text" in title) {
    return _titleText((title as { text: unknown }).text);
  }
  return "";
}

/** A one-line description of a spec: its title, else its panels' titles. */
export function _describe(spec: VegaLiteSpec): string {
  let text = _titleText(spec.title);
  if (!text && typeof spec.description === "string") text = spec.description;
  if (!text) {
    const parts = (spec.hconcat ?? spec.vconcat ?? spec.concat) as unknown[] | undefined;
    if (Array.isArray(parts)) {
      text = parts.map((p) => _titleText((p as { title?: unknown })?.title)).filter(Boolean)
        .join(" | ");
    }
  }
  return text ? `Chart: ${text}` : "Chart";
}

/**
 * Builds a chart's output bundle: the spec under the Vega-Lite v5 MIME type, its SVG rendering
 * under image/svg+xml, and a one-line description under text/plain.
 *
 * @param spec A Vega-Lite v5 spec.
 * @returns The bundle, ready for `Deno.jupyter.display(bundle, {raw: true})`.
 *
 * @example
 * ```ts
 * import { bundle } from "./display.ts";
 * const b = await bundle({
 *   $schema: "https://vega.github.io/schema/vega-lite/v5.json",
 *   title: "Two bars",
 *   data: { values: [{ k: "a", v: 1 }, { k: "b", v: 2 }] },
 *   mark: "bar",
 *   encoding: { x: { field: "k", type: "nominal" }, y: { field: "v", type: "quantitative" } },
 * });
 * if (b["text/plain"] !== "Chart: Two bars") throw new Error(b["text/plain"]);
 * ```
 */
export async function bundle(spec: VegaLiteSpec): Promise<ChartBundle> {
  _checkSpec(spec);
  const svg = await renderSvg(spec);
  return { [VEGA_LITE_MIME]: spec, "image/svg+xml": svg, "text/plain": _describe(spec) };
}

/**
 * Shows a chart in the notebook as one output (spec, SVG and text). Outside the kernel it
 * prints one line naming the chart and renders nothing.
 *
 * @param spec A Vega-Lite v5 spec.
 * @param options A display id to update the same output later, and whether this call is such
 *   an update.
 * @returns Once the output has been sent (and, in the kernel, 20 ms later, so that it reaches
 *   the notebook before the cell ends).
 *
 * @example Outside the kernel this prints one line
 * ```ts
 * import { show } from "./display.ts";
 * await show({
 *   $schema: "https://vega.github.io/schema/vega-lite/v5.json",
 *   title: "Nothing to see",
 *   data: { values: [] },
 *   mark: "point",
 * });
 * ```
 */
export async function show(spec: VegaLiteSpec, options: ShowOptions = {}): Promise<void> {
  _checkSpec(spec);
  const { displayId, update = false } = options;
  if (displayId !== undefined && (typeof displayId !== "string" || displayId === "")) {
    throw new TypeError(`options.displayId must be a non-empty string, got ${_brief(displayId)}`);
  }
  if (typeof update !== "boolean") {
    throw new TypeError(`options.update must be a boolean, got ${_brief(update)}`);
  }
  if (update && displayId === undefined) {
    throw new TypeError("options.update needs options.displayId, got undefined");
  }
  if (!inJupyter()) {
    console.log(_describe(spec));
    return;
  }
  await _send(await bundle(spec), { raw: true, display_id: displayId, update });
}

/** The display protocol symbol the Deno kernel looks for on a cell's result. */
export const $display: unique symbol = Symbol.for("Jupyter.display") as typeof $display;

/** A chart that renders itself when it is the last expression of a notebook cell. */
export interface Chart {
  /** The Vega-Lite spec. */
  readonly spec: VegaLiteSpec;
  /** Called by the kernel: the chart's output bundle. */
  [$display](): Promise<ChartBundle>;
}

/**
 * Wraps a spec so that a notebook cell ending with it renders the chart (the kernel calls
 * `[Symbol.for("Jupyter.display")]()` and awaits the bundle). Handy when exploring; lessons
 * use `await show(spec)` instead, because the Deno kernel can publish a last expression's
 * result after the cell has finished, and headless runs (nbconvert, CI, the decks) drop it.
 *
 * @param spec A Vega-Lite v5 spec.
 * @returns A displayable chart holding the spec.
 *
 * @example
 * ```ts
 * import { $display, chart } from "./display.ts";
 * const c = chart({
 *   $schema: "https://vega.github.io/schema/vega-lite/v5.json",
 *   data: { values: [{ v: 1 }] },
 *   mark: "tick",
 *   encoding: { x: { field: "v", type: "quantitative" } },
 * });
 * const b = await c[$display]();
 * if (!b["image/svg+xml"].startsWith("<svg")) throw new Error("no SVG");
 * ```
 */
export function chart(spec: VegaLiteSpec): Chart {
  _checkSpec(spec);
  return {
    spec,
    [$display]: () => bundle(spec),
  };
}

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

interface LiveCore<T> {
  displayId: string;
  update(state: T): Promise<void>;
  done(state?: T): Promise<void>;
}

function _checkInterval(options: LiveOptions, fallback: number): number {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${_brief(options)}`);
  }
  const ms = options.minInterval ?? fallback;
  if (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms)) {
    throw new RangeError(
      `options.minInterval must be a non-negative number of milliseconds, got ${_brief(ms)}`,
    );
  }
  return ms;
}

/**
 * The machinery shared by live charts and progress lines: one display id, the first send
 * creates the output and later ones update it, refreshes are throttled, the final state is
 * always sent.
 */
function _live<T>(
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
    const t0 = _clock();
    const data = state === undefined ? placeholder : await makeBundle(state);
    await _send(data, { raw: true, display_id: displayId, update: created });
    created = true;
    nextAt = t0 + Math.max(minInterval, 5 * (_clock() - t0));
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
      if (busy !== undefined || _clock() < nextAt) return Promise.resolve();
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
 * import { liveChart } from "./display.ts";
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
  if (initialSpec !== undefined) _checkSpec(initialSpec, "initialSpec");
  const ms = _checkInterval(options, 500);
  const core = _live<VegaLiteSpec>(
    initialSpec,
    bundle,
    { "text/plain": "Waiting for the first update..." },
    ms,
    _describe,
  );
  return {
    displayId: core.displayId,
    update: (spec) => core.update(_checkSpec(spec)),
    done: (spec) => core.done(spec === undefined ? undefined : _checkSpec(spec)),
  };
}

function _escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** The state of a progress line: its text and, optionally, the completed fraction. */
export interface ProgressState {
  /** The text. */
  text: string;
  /** The completed fraction in [0, 1]. */
  fraction?: number;
}

function _checkProgress(text: unknown, fraction: unknown): ProgressState {
  if (typeof text !== "string") throw new TypeError(`text must be a string, got ${_brief(text)}`);
  if (
    fraction !== undefined && (typeof fraction !== "number" || !(fraction >= 0 && fraction <= 1))
  ) {
    throw new RangeError(`fraction must be a number in [0, 1], got ${_brief(fraction)}`);
  }
  return { text, fraction: fraction as number | undefined };
}

/** The bundle of a progress line: text/plain with a text bar, and text/html with a bar. */
export function _progressBundle(state: ProgressState): MediaBundle {
  const { text, fraction } = state;
  if (fraction === undefined) {
    return {
      "text/plain": text,
      "text/html": `<pre style="margin: 0">${_escapeHtml(text)}</pre>`,
    };
  }
  const filled = Math.round(fraction * 20);
  const percent = Math.round(fraction * 100);
  return {
    "text/plain": `[${"#".repeat(filled)}${".".repeat(20 - filled)}] ${percent}% ${text}`,
    "text/html": `<div style="font-family: monospace; white-space: pre">` +
      `<progress value="${fraction}" max="1" style="width: 14em; vertical-align: middle">` +
      `</progress> ${percent}% ${_escapeHtml(text)}</div>`,
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
 * @example
 * ```ts
 * import { progressLine } from "./display.ts";
 * const line = progressLine("starting");
 * for (let epoch = 1; epoch <= 3; epoch++) {
 *   await line.update(`epoch ${epoch}/3`, epoch / 3);
 * }
 * await line.done("trained 3 epochs");
 * ```
 */
export function progressLine(initialText = "", options: LiveOptions = {}): ProgressLine {
  const initial = _checkProgress(initialText, undefined);
  const ms = _checkInterval(options, 200);
  const core = _live<ProgressState>(
    initial,
    _progressBundle,
    { "text/plain": "" },
    ms,
    (s) => _progressBundle(s)["text/plain"] as string,
  );
  let last = initial;
  return {
    displayId: core.displayId,
    update(text: string, fraction?: number) {
      last = _checkProgress(text, fraction);
      return core.update(last);
    },
    done(text?: string, fraction?: number) {
      if (text === undefined && fraction === undefined) return core.done();
      return core.done(_checkProgress(text ?? last.text, fraction ?? last.fraction));
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

/** One epoch as a line: `epoch 5/20  loss 0.3124  acc 0.871  valLoss 0.3350  valAcc 0.860  1.2 s`. */
export function _epochLine(log: EpochRecord & { seconds?: number }, epochs: number): string {
  const parts = [`epoch ${log.epoch}/${epochs}`, `loss ${log.loss.toFixed(4)}`];
  if (log.acc !== undefined) parts.push(`acc ${log.acc.toFixed(3)}`);
  if (log.valLoss !== undefined) parts.push(`valLoss ${log.valLoss.toFixed(4)}`);
  if (log.valAcc !== undefined) parts.push(`valAcc ${log.valAcc.toFixed(3)}`);
  if (log.seconds !== undefined) parts.push(`${log.seconds.toFixed(1)} s`);
  return parts.join("  ");
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
 * import { notebookProgress } from "./display.ts";
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
  if (kind !== "line" && kind !== "chart") {
    throw new RangeError(`kind must be "line" or "chart", got ${_brief(kind)}`);
  }
  _checkInterval(options, 0);
  let line: ProgressLine | undefined;
  let live: LiveChart | undefined;
  const curves = (ctx: ProgressContext, title: string, subtitle?: string) =>
    learningCurves(ctx.history.epochs, { title, subtitle });
  return {
    onTrainBegin(ctx) {
      if (kind === "line") line = progressLine(`training for ${ctx.params.epochs} epochs`, options);
      else live = liveChart(undefined, options);
    },
    async onEpochEnd(log, ctx) {
      const epochs = ctx.params.epochs;
      if (line) await line.update(_epochLine(log, epochs), Math.min(1, log.epoch / epochs));
      if (live && ctx.history.epochs.length > 0) {
        await live.update(curves(ctx, `Training: epoch ${log.epoch} of ${epochs}`));
      }
    },
    async onTrainEnd(ctx) {
      const last = ctx.history.epochs[ctx.history.epochs.length - 1];
      const epochs = ctx.params.epochs;
      const text = [last ? _epochLine(last, epochs) : "no epoch finished", ctx.stopReason]
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
