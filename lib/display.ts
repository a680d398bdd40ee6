/**
 * Showing charts in a notebook. A chart is shown as one output bundle that carries the
 * Vega-Lite spec (rendered interactively by JupyterLab and VS Code), an SVG rendered here by
 * vega (for nbconvert, slides and GitHub) and a line of plain text. Outside the Deno Jupyter
 * kernel (`deno run`, `deno test`) the same calls do not throw: they print at most one line.
 *
 * Two ways in:
 * - `await show(spec)` displays a chart now;
 * - `chart(spec)` as the last expression of a cell renders through the kernel's
 *   `Symbol.for("Jupyter.display")` protocol.
 *
 * Displays updated in place while a model trains (`liveChart`, `progressLine`,
 * `notebookProgress`) are in `live.ts`.
 *
 * @module
 */
import type { VegaLiteSpec } from "./charts/_common.ts";
import { inJupyter as kernelInJupyter, sendDisplay } from "./_kernel.ts";
import { checkSpec, describeChart, renderWithWarnings } from "./_render.ts";
import { checkBoolean, checkOptions, checkString } from "./_validate.ts";

export type { VegaLiteSpec } from "./charts/_common.ts";
export type { DisplayCallOptions, DisplayFunction, MediaBundle } from "./_kernel.ts";
export type { Compiled } from "./_render.ts";

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

/** Options of {@link show}. */
export interface ShowOptions {
  /** A display id, so a later `show(spec, {displayId, update: true})` can replace it. @default undefined */
  displayId?: string;
  /** Replace the output that has `displayId` instead of adding a new one. @default false */
  update?: boolean;
}

const SHOW_OPTIONS = Object.keys(
  { displayId: true, update: true } satisfies Record<keyof ShowOptions, true>,
);

/**
 * Whether the code runs in the Deno Jupyter kernel, where charts are displayed; elsewhere
 * (`deno run`, `deno test`) lib prints a line instead.
 *
 * @returns True in the kernel (or while a test display hook is set, see `lib/testing.ts`).
 *
 * @example Outside the kernel
 * ```ts
 * import { inJupyter } from "./display.ts";
 * if (inJupyter()) throw new Error("deno test is not the kernel");
 * ```
 */
export function inJupyter(): boolean {
  return kernelInJupyter();
}

/**
 * Renders a Vega-Lite spec to an SVG string: vega-lite compiles it to Vega, and a headless
 * vega View (renderer "none") draws it. Warnings are printed once each.
 *
 * @param spec A Vega-Lite v5 spec.
 * @returns The SVG document as text.
 *
 * @example A two-point line
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
  checkSpec(spec);
  const { svg, warnings } = await renderWithWarnings(spec);
  for (const w of new Set(warnings)) console.warn(`vega-lite: ${w}`);
  return svg;
}

/**
 * Builds a chart's output bundle: the spec under the Vega-Lite v5 MIME type, its SVG rendering
 * under image/svg+xml, and a one-line description under text/plain.
 *
 * @param spec A Vega-Lite v5 spec.
 * @returns The bundle, ready for `Deno.jupyter.display(bundle, {raw: true})`.
 *
 * @example The text line names the chart
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
  checkSpec(spec);
  const svg = await renderSvg(spec);
  return { [VEGA_LITE_MIME]: spec, "image/svg+xml": svg, "text/plain": describeChart(spec) };
}

/**
 * Shows a chart in the notebook as one output (spec, SVG and text). Outside the kernel it
 * prints one line naming the chart and renders nothing.
 *
 * @param spec A Vega-Lite v5 spec.
 * @param options A display id to update the same output later, and whether this call is such
 *   an update.
 * @returns Once the output has been sent (in the kernel: once the kernel has published it,
 *   so that it reaches the notebook before the cell ends, in that cell).
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
  checkSpec(spec);
  const { displayId, update = false } = checkOptions(options, SHOW_OPTIONS);
  if (displayId !== undefined) checkString(displayId, "options.displayId");
  checkBoolean(update, "options.update");
  if (update && displayId === undefined) {
    throw new TypeError("options.update needs options.displayId, got undefined");
  }
  if (!inJupyter()) {
    console.log(describeChart(spec));
    return;
  }
  await sendDisplay(await bundle(spec), { raw: true, display_id: displayId, update });
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
 * @example What the kernel calls
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
  checkSpec(spec);
  return {
    spec,
    [$display]: () => bundle(spec),
  };
}
