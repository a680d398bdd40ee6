/**
 * Text in charts rendered headless: widths measured with Helvetica's metrics (the charts' font;
 * Arial and Liberation Sans share them) instead of vega's canvas-less estimate, renderings that
 * lay text out with those widths, and titles wrapped at a width.
 *
 * @module
 */
import process from "node:process";
import { renderWithWarnings } from "../lib/_render.ts";
import type { VegaLiteSpec } from "../lib/charts/_common.ts";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Advance widths of Helvetica (the charts' font; Arial and Liberation Sans share them) for the
 * printable ASCII characters from space to `~`, in thousandths of the font size.
 */
// deno-fmt-ignore
const HELVETICA_WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 to ?
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ to O
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P to _
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` to o
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p to ~
];
/** Width of characters outside printable ASCII (Greek letters, math symbols), per font size. */
const OTHER_WIDTH = 0.6;
/** Bold text is wider than regular by about this factor (Helvetica Bold against Helvetica). */
const BOLD_FACTOR = 1.08;

/**
 * The width in px of `text` in the charts' font: Helvetica's advance widths, which the
 * browser's Helvetica, Arial or Liberation Sans reproduce. Without a canvas, vega would
 * estimate every character at 0.8 of the font size, half again as wide as Helvetica's
 * average, and lay out a slide chart around titles and labels far wider than they are drawn.
 *
 * @param text One line of text.
 * @param fontSize The font size in px.
 * @param bold Whether the text is bold.
 * @returns The width in px.
 *
 * @example "Hello" at 20 px: H, e, l, l, o are 722 + 556 + 222 + 222 + 556 thousandths of an em
 * ```ts
 * import { textWidth } from "./_chart_text.ts";
 * if (Math.abs(textWidth("Hello", 20) - 45.56) > 1e-9) throw new Error("width");
 * ```
 */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    // Combining marks (the prime in f′ is not one) take no width.
    if (code >= 0x300 && code < 0x370) continue;
    em += code >= 32 && code <= 126 ? HELVETICA_WIDTHS[code - 32] / 1000 : OTHER_WIDTH;
  }
  return em * fontSize * (bold ? BOLD_FACTOR : 1);
}

/**
 * Whether a vega font weight is bold.
 *
 * @param weight A font weight: a name or a number.
 * @returns True for `bold`, `bolder` and 600 or more.
 *
 * @example
 * ```ts
 * import { isBold } from "./_chart_text.ts";
 * if (!isBold("bold") || !isBold(700) || isBold("normal")) throw new Error("bold");
 * ```
 */
export function isBold(weight: unknown): boolean {
  return weight === "bold" || weight === "bolder" || (typeof weight === "number" && weight >= 600);
}

type VegaModule = typeof import("vega");
interface TextMetrics {
  width: (item: Json, text?: unknown) => number;
}
let vegaModule: Promise<VegaModule> | undefined;

/** vega, loaded once (silencing the deprecation warning its Node build prints on load). */
function loadVega(): Promise<VegaModule> {
  vegaModule ??= (async () => {
    const proc = process as typeof process & { noDeprecation?: boolean };
    const previous = proc.noDeprecation;
    proc.noDeprecation = true;
    try {
      return await import("vega");
    } finally {
      proc.noDeprecation = previous;
    }
  })();
  return vegaModule;
}

/** vega's own text measure while renderings with {@linkcode textWidth} run, and how many. */
let measuring: { previous: TextMetrics["width"]; count: number } | undefined;

/** vega's text measure for slide charts: {@linkcode textWidth} at the item's font. */
function measureItem(item: Json, text?: unknown): number {
  return textWidth(
    String(text ?? "").trim(),
    typeof item.fontSize === "number" ? item.fontSize : 11,
    isBold(item.fontWeight),
  );
}

/**
 * Renders a spec with vega measuring text by {@linkcode textWidth} (the hook vega offers for
 * headless text measurement), then puts vega's own measure back once no such rendering runs
 * (renderings may overlap).
 *
 * @param spec A Vega-Lite v5 spec.
 * @returns The SVG and the warnings vega-lite and vega reported.
 *
 * @example A title's width follows Helvetica, not vega's estimate
 * ```ts
 * import { renderMeasured } from "./_chart_text.ts";
 * const { svg, warnings } = await renderMeasured({
 *   $schema: "https://vega.github.io/schema/vega-lite/v5.json",
 *   title: "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii",
 *   data: { values: [{ a: 1 }] },
 *   width: 50,
 *   height: 50,
 *   mark: "point",
 *   encoding: { x: { field: "a", type: "quantitative" } },
 * });
 * const width = Number(svg.match(/width="([\d.]+)"/)![1]);
 * if (warnings.length > 0 || width > 200) throw new Error(`width ${width}`);
 * ```
 */
export async function renderMeasured(
  spec: VegaLiteSpec,
): Promise<{ svg: string; warnings: string[] }> {
  const vega = await loadVega();
  const metrics = (vega as unknown as { textMetrics: TextMetrics }).textMetrics;
  if (measuring === undefined) {
    measuring = { previous: metrics.width, count: 0 };
    metrics.width = measureItem;
  }
  measuring.count++;
  try {
    return await renderWithWarnings(spec);
  } finally {
    if (--measuring.count === 0) {
      metrics.width = measuring.previous;
      measuring = undefined;
    }
  }
}

/**
 * A title's text broken into lines no wider than `maxWidth` px (at word boundaries; a word
 * wider than that gets a line of its own). Lines already given are broken further if needed.
 */
function wrapText(text: unknown, maxWidth: number, fontSize: number, bold: boolean): unknown {
  const lines = typeof text === "string" ? [text] : Array.isArray(text) ? text.map(String) : null;
  if (lines === null) return text;
  const out: string[] = [];
  for (const line of lines) {
    let current = "";
    for (const word of line.split(/ +/)) {
      const candidate = current ? `${current} ${word}` : word;
      if (current && textWidth(candidate, fontSize, bold) > maxWidth) {
        out.push(current);
        current = word;
      } else {
        current = candidate;
      }
    }
    out.push(current);
  }
  if (out.length === lines.length) return text;
  return out;
}

/**
 * A view's title (and subtitle) wrapped to `maxWidth` px at the font sizes it will be drawn
 * with: its own, else the config's title sizes, else `sizes`.
 *
 * @param title A Vega-Lite title: text, lines, or an object with `text` and `subtitle`.
 * @param maxWidth The widest a line may be, in px.
 * @param config The spec's config (its `title` part gives the default sizes and weight).
 * @param sizes The title and subtitle sizes when neither title nor config sets them.
 * @returns The title with its text (and subtitle) as lines where one line is too wide.
 *
 * @example Four words at 20 px, wrapped at 100 px
 * ```ts
 * import { wrapTitle } from "./_chart_text.ts";
 * const lines = wrapTitle("Loss against the epoch", 100, {}, { title: 20, subtitle: 16 });
 * if (!Array.isArray(lines) || lines.join(" ") !== "Loss against the epoch") throw new Error();
 * ```
 */
export function wrapTitle(
  title: unknown,
  maxWidth: number,
  config: Json,
  sizes: { title: number; subtitle: number },
): unknown {
  const defaults = isObject(config.title) ? config.title : {};
  const size = (v: unknown, fallback: number) => (typeof v === "number" ? v : fallback);
  if (typeof title === "string" || Array.isArray(title)) {
    const fontSize = size(defaults.fontSize, sizes.title);
    return wrapText(
      title,
      maxWidth,
      fontSize,
      !("fontWeight" in defaults) || isBold(defaults.fontWeight),
    );
  }
  if (!isObject(title)) return title;
  const out = { ...title };
  const weight = "fontWeight" in title ? title.fontWeight : defaults.fontWeight ?? "bold";
  out.text = wrapText(
    title.text,
    maxWidth,
    size(title.fontSize, size(defaults.fontSize, sizes.title)),
    isBold(weight),
  );
  if (title.subtitle !== undefined) {
    const subWeight = title.subtitleFontWeight ?? defaults.subtitleFontWeight;
    out.subtitle = wrapText(
      title.subtitle,
      maxWidth,
      size(title.subtitleFontSize, size(defaults.subtitleFontSize, sizes.subtitle)),
      isBold(subWeight),
    );
  }
  return out;
}
