/**
 * Charts re-rendered for slides. A chart output in a notebook carries an SVG drawn at notebook
 * size with 12–15 px text; a deck scales that SVG down to fit a 1280 × 720 slide, and its text
 * ends up far too small to read from the back of a room. Here the chart is drawn again from the
 * Vega-Lite spec in the same output: every font raised to a slide size (never below
 * {@linkcode SLIDE_CHART_FONTS}`.min`) and every panel scaled by one factor so that the whole
 * chart fills the slide's body, then shown at its own size.
 *
 * Text does not grow with the panels, so the factor is found by rendering a few times: the first
 * rendering measures the chart at its own size, the next ones solve `size = fixed + f × panels`
 * for the factor `f` that fills the box. Panels never shrink below
 * {@linkcode SLIDE_PANEL_FLOOR_PX} nor grow beyond {@linkcode SLIDE_MAX_ENLARGE} times their size;
 * a chart that is still larger than the box at the floor is reported as not fitting.
 *
 * @module
 */
import type { VegaLiteSpec } from "../lib/charts/_common.ts";
import { isBold, renderMeasured, textWidth, wrapTitle } from "./_chart_text.ts";
import { isVegaLiteMime, type Notebook, SVG_MIME } from "./_notebook.ts";

/**
 * Font sizes (px) used for charts on slides: every text at least `min`. The other fields are
 * the sizes of the chart's default styling (axes, legends, facet headers, titles, text marks);
 * a size set inside a spec grows by {@linkcode SLIDE_FONT_RATIO} and never ends below `min`.
 */
export const SLIDE_CHART_FONTS = {
  /** No text of a slide chart is smaller. */
  min: 18,
  /** Axis tick labels. */
  axisLabel: 18,
  /** Axis titles. */
  axisTitle: 20,
  /** Legend entries. */
  legendLabel: 18,
  /** Legend titles. */
  legendTitle: 20,
  /** Facet headers (labels and titles). */
  header: 20,
  /** Chart and panel titles. */
  title: 26,
  /** Subtitles. */
  subtitle: 20,
  /** Text marks. */
  text: 18,
} as const;

/** How much a font size set inside a spec grows on a slide: the notebook's 13 px labels to 18 px. */
export const SLIDE_FONT_RATIO: number = SLIDE_CHART_FONTS.min / 13;

/** The slide body under a title on a 1280 × 720 slide, in px: the default box of a chart. */
export const SLIDE_CHART_BOX: { readonly width: number; readonly height: number } = {
  width: 1192,
  height: 560,
};

/**
 * No panel of a slide chart shrinks below this width or height (px), nor a band step below a
 * tenth of it; a panel already smaller keeps its size.
 */
export const SLIDE_PANEL_FLOOR_PX = 60;

/** The largest factor by which a small chart's panels grow to fill a slide. */
export const SLIDE_MAX_ENLARGE = 2.5;

/** A chart rendered for a slide. */
export interface SlideChart {
  /** The SVG, `width` × `height` px. */
  svg: string;
  /** The SVG's width in px. */
  width: number;
  /** The SVG's height in px. */
  height: number;
  /** Whether the SVG fits the box it was made for. */
  fits: boolean;
  /** The smallest font size of any text in the SVG, in px (Infinity without text). */
  smallestFontPx: number;
  /** The factor every panel's width and height were scaled by. */
  scale: number;
  /** Warnings vega-lite and vega reported while rendering the final SVG. */
  warnings: string[];
}

/** The charts of a notebook prepared for its deck. */
export interface SlideCharts {
  /** A copy of the notebook whose Vega-Lite outputs carry slide SVGs. */
  notebook: Notebook;
  /** How many chart outputs were re-rendered. */
  charts: number;
  /** The charts that do not fit the box even with their panels at the floor size: `cell N: title`. */
  unfit: string[];
  /** Warnings vega-lite and vega reported, each prefixed with its chart: `cell N: title: warning`. */
  warnings: string[];
}

type Json = Record<string, unknown>;

/** Keys of a font size anywhere in a spec (titles, axes, legends, headers, marks, config). */
const FONT_KEYS = new Set(["fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize"]);
/** Keys of a text length limit in px: they grow with the fonts so labels are not cut sooner. */
const LIMIT_KEYS = new Set(["labelLimit", "titleLimit", "limit"]);
/** Keys that hold data, never styling. */
const DATA_KEYS = new Set(["data", "datasets", "values", "usermeta", "transform", "params"]);
/** Channels that place a mark in px when their scale is null, or when they hold a number. */
const POSITION_CHANNELS = ["x", "y", "x2", "y2"];

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function checkBox(box: unknown, name: string): { width: number; height: number } {
  if (!isObject(box)) {
    throw new TypeError(
      `${name} must be an object {width, height} in px, got ${describeValue(box)}`,
    );
  }
  for (const key of ["width", "height"]) {
    const v = box[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new RangeError(
        `${name}.${key} must be a positive finite number of px, got ${describeValue(v)}`,
      );
    }
  }
  return { width: box.width as number, height: box.height as number };
}

/** A font size set in a spec, raised for a slide. */
function slideFont(size: number): number {
  return Math.max(SLIDE_CHART_FONTS.min, Math.round(size * SLIDE_FONT_RATIO));
}

/** Raises every numeric font size and text limit found in `node`, outside data (in place). */
function raiseFontsIn(node: unknown, parentKey = ""): void {
  if (Array.isArray(node)) {
    for (const item of node) raiseFontsIn(item, parentKey);
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (DATA_KEYS.has(key)) continue;
    if (typeof value === "number") {
      if (FONT_KEYS.has(key)) node[key] = slideFont(value);
      else if (LIMIT_KEYS.has(key) && value > 0) node[key] = Math.round(value * SLIDE_FONT_RATIO);
    } else if (key === "encoding" && isObject(value)) {
      // A text mark's font size may come from the size channel as a constant.
      const size = value.size;
      const mark = typeof node.mark === "string"
        ? node.mark
        : (node.mark as Json | undefined)?.type;
      if (mark === "text" && isObject(size) && typeof size.value === "number") {
        value.size = { ...size, value: slideFont(size.value) };
      }
      raiseFontsIn(value, key);
    } else {
      raiseFontsIn(value, key);
    }
  }
}

/** Sets `obj[key]` to at least `size`. */
function atLeast(obj: Json, key: string, size: number): void {
  const v = obj[key];
  obj[key] = typeof v === "number" ? Math.max(v, size) : size;
}

function configPart(config: Json, key: string): Json {
  const part = isObject(config[key]) ? { ...(config[key] as Json) } : {};
  config[key] = part;
  return part;
}

/**
 * A copy of `spec` with slide fonts: every font size set in the spec raised by
 * {@linkcode SLIDE_FONT_RATIO} (never below the minimum), and the config's defaults for axes,
 * legends, headers, titles and text marks at least {@linkcode SLIDE_CHART_FONTS}.
 */
function withSlideFonts(spec: VegaLiteSpec): VegaLiteSpec {
  const out = structuredClone(spec) as VegaLiteSpec;
  raiseFontsIn(out);
  const config = isObject(out.config) ? out.config : {};
  out.config = config;
  const F = SLIDE_CHART_FONTS;
  const axis = configPart(config, "axis");
  atLeast(axis, "labelFontSize", F.axisLabel);
  atLeast(axis, "titleFontSize", F.axisTitle);
  // Labels are cut at a length in px (vega's defaults: 180 on axes, 160 in legends): the
  // limits grow with the fonts, so a label is cut no sooner than in the notebook.
  atLeast(axis, "labelLimit", Math.round(180 * SLIDE_FONT_RATIO));
  const legend = configPart(config, "legend");
  atLeast(legend, "labelLimit", Math.round(160 * SLIDE_FONT_RATIO));
  atLeast(legend, "labelFontSize", F.legendLabel);
  atLeast(legend, "titleFontSize", F.legendTitle);
  // A gradient legend's end labels are centred on its ends: room for half a label under the title.
  atLeast(legend, "titlePadding", Math.ceil(F.legendLabel / 2) + 4);
  const header = configPart(config, "header");
  atLeast(header, "labelFontSize", F.header);
  atLeast(header, "titleFontSize", F.header);
  const title = configPart(config, "title");
  atLeast(title, "fontSize", F.title);
  atLeast(title, "subtitleFontSize", F.subtitle);
  for (const mark of ["text", "mark"]) atLeast(configPart(config, mark), "fontSize", F.text);
  // Axis variants (axisX, axisLeft, axisBand, ...) and header variants override the defaults.
  for (const [key, value] of Object.entries(config)) {
    if (!isObject(value)) continue;
    if (/^axis./.test(key)) {
      if ("labelFontSize" in value) atLeast(value, "labelFontSize", F.axisLabel);
      if ("titleFontSize" in value) atLeast(value, "titleFontSize", F.axisTitle);
    } else if (/^header./.test(key)) {
      if ("labelFontSize" in value) atLeast(value, "labelFontSize", F.header);
      if ("titleFontSize" in value) atLeast(value, "titleFontSize", F.header);
    }
  }
  return out;
}

/** The numeric panel sizes and band steps of a spec, to bound how far it may shrink. */
interface PanelSizes {
  sizes: number[];
  steps: number[];
}

function markType(view: Json): string | undefined {
  const mark = view.mark;
  return typeof mark === "string" ? mark : isObject(mark) ? mark.type as string : undefined;
}

/** Whether a layer (or a unit) draws an `image` mark: its px positions are a picture's layout. */
function hasImageMark(view: Json): boolean {
  if (markType(view) === "image") return true;
  return Array.isArray(view.layer) && view.layer.some((v) => isObject(v) && hasImageMark(v));
}

const CHILD_LISTS = ["layer", "hconcat", "vconcat", "concat"];

/** Collects the panel sizes and band steps of `view` and everything under it. */
function collectSizes(view: Json, config: Json, into: PanelSizes): void {
  for (const key of ["width", "height"]) {
    const v = view[key];
    if (typeof v === "number") into.sizes.push(v);
    else if (isObject(v) && typeof v.step === "number") into.steps.push(v.step);
  }
  for (const list of CHILD_LISTS) {
    if (Array.isArray(view[list])) {
      for (const child of view[list] as unknown[]) {
        if (isObject(child)) collectSizes(child, config, into);
      }
    }
  }
  if (isObject(view.spec)) collectSizes(view.spec, config, into);
}

/** Rounds a size to a tenth of a px. */
function r1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** A width or height (number, `{step}` or `"container"`) scaled by `f`. */
function scaleSize(value: unknown, f: number, container: number): unknown {
  if (typeof value === "number") return r1(value * f);
  if (value === "container") return r1(container * f);
  if (isObject(value) && typeof value.step === "number") {
    return { ...value, step: r1(value.step * f) };
  }
  return value;
}

/**
 * A picture: a layer drawn in px (an image grid), where marks are placed with null scales.
 * Images keep their size ratio to the panels (`f`), but their columns and rows may spread
 * further apart (a factor ≥ `f`) so that captions, which grow more than the images, do not
 * run into each other or into the next row: a position `v` in the cell starting at `o`
 * becomes `o × spread + (v − o) × f`.
 */
interface Picture {
  /** The grid of image columns, if the images stand in evenly spaced columns. */
  x?: PictureGrid;
  /** The grid of image rows, likewise. */
  y?: PictureGrid;
}

/** Evenly spaced image positions along one axis of a picture. */
interface PictureGrid {
  /** The first cell's start, in px. */
  start: number;
  /** The distance between cells, in px. */
  step: number;
  /** The last cell's start, in px. */
  last: number;
  /** The factor for the distances between cells. */
  spread: number;
}

/** Space (px) kept between two neighbouring captions in a picture, and under a caption. */
const CAPTION_GAP = 10;

function dataRows(view: Json): Json[] | undefined {
  const data = view.data;
  if (isObject(data) && Array.isArray(data.values)) {
    return data.values.filter(isObject);
  }
  return undefined;
}

function children(view: Json): Json[] {
  return Array.isArray(view.layer) ? view.layer.filter(isObject) : [];
}

/** Evenly spaced cell starts from the values of `field` in `rows`, or undefined. */
function gridOf(rows: Json[], field: unknown): Omit<PictureGrid, "spread"> | undefined {
  if (typeof field !== "string") return undefined;
  const vs = [...new Set(rows.map((r) => r[field]).filter((v) => typeof v === "number"))]
    .sort((a, b) => (a as number) - (b as number)) as number[];
  if (vs.length === 0) return undefined;
  if (vs.length === 1) return { start: vs[0], step: 0, last: vs[0] };
  const step = vs[1] - vs[0];
  const even = vs.every((v, i) => Math.abs(v - (vs[0] + i * step)) < 1e-6);
  return even ? { start: vs[0], step, last: vs[vs.length - 1] } : undefined;
}

/** The picture a layer with image marks makes, its columns and rows spread to fit captions. */
function pictureOf(view: Json, f: number, config: Json): Picture {
  const rows = dataRows(view) ?? [];
  const units = [view, ...children(view)];
  const image = units.find((u) => markType(u) === "image");
  if (image === undefined || !isObject(image.encoding)) return {};
  const enc = image.encoding;
  const imageMark = isObject(image.mark) ? image.mark : {};
  const nullField = (def: unknown) =>
    isObject(def) && def.scale === null && typeof def.field === "string" ? def.field : undefined;
  const gx = gridOf(rows, nullField(enc.x));
  const gy = gridOf(rows, nullField(enc.y));
  const textDefault = isObject(config.text) && typeof config.text.fontSize === "number"
    ? config.text.fontSize
    : SLIDE_CHART_FONTS.text;
  // Captions: text marks drawing the picture's own rows at null-scale positions.
  let widest = 0, tallest = 0;
  for (const unit of units) {
    if (markType(unit) !== "text" || dataRows(unit) !== undefined) continue;
    const uenc = isObject(unit.encoding) ? unit.encoding : {};
    const text = isObject(uenc.text) ? uenc.text.field : undefined;
    if (typeof text !== "string" || nullField(uenc.x) === undefined) continue;
    const mark = isObject(unit.mark) ? unit.mark : {};
    const size = typeof mark.fontSize === "number" ? mark.fontSize : textDefault;
    tallest = Math.max(tallest, size);
    for (const row of rows) {
      if (row[text] !== undefined) {
        widest = Math.max(widest, textWidth(String(row[text]), size, isBold(mark.fontWeight)));
      }
    }
  }
  const picture: Picture = {};
  if (gx !== undefined) {
    const spread = gx.step > 0 && widest > 0 ? Math.max(f, (widest + CAPTION_GAP) / gx.step) : f;
    picture.x = { ...gx, spread };
  }
  if (gy !== undefined) {
    const h = typeof imageMark.height === "number" ? imageMark.height : 0;
    // A caption needs its line plus a gap below the image; the original gap grows by f.
    const spread = gy.step > 0 && tallest > 0 && h > 0
      ? Math.max(
        f,
        (h * f + (gy.step - h) * f + Math.max(0, tallest + CAPTION_GAP - (gy.step - h) * f)) /
          gy.step,
      )
      : f;
    picture.y = { ...gy, spread };
  }
  return picture;
}

/** A Vega expression moving the px position `v` of a picture along a grid. */
function spreadExpr(v: string, grid: PictureGrid, f: number): string {
  if (grid.step <= 0) return `${v} * ${f}`;
  const o = `(${grid.start} + floor((${v} - ${grid.start}) / ${grid.step}) * ${grid.step})`;
  return `${o} * ${grid.spread} + (${v} - ${o}) * ${f}`;
}

/**
 * A copy of `view` with every panel's width and height (numbers and band steps) scaled by `f`.
 * Marks placed in px (a null scale) move with the panels inside a picture (a layer with an
 * image mark); elsewhere, text placed in px keeps its place relative to its font.
 */
function scaleView(
  view: Json,
  f: number,
  config: Json,
  picture: Picture | undefined,
  fontScale: number,
  box: { width: number; height: number },
): Json {
  const titleWidth = box.width;
  const out: Json = { ...view };
  const viewConfig = isObject(config.view) ? config.view : {};
  const ownPicture = picture === undefined && hasImageMark(view)
    ? pictureOf(view, f, config)
    : undefined;
  for (const key of ["width", "height"] as const) {
    if (key in out) {
      // A container-sized side takes the box's proportions against the other side.
      const other = view[key === "width" ? "height" : "width"];
      const container = typeof other === "number"
        ? (key === "width" ? other * box.width / box.height : other * box.height / box.width)
        : (key === "width" ? viewConfig.continuousWidth : viewConfig.continuousHeight) ?? 200;
      out[key] = scaleSize(out[key], f, container as number);
    }
  }
  for (const [key, grid] of [["width", ownPicture?.x], ["height", ownPicture?.y]] as const) {
    // The last column (row) starts further on; its image keeps its size.
    const size = view[key];
    if (grid !== undefined && grid.spread !== f && typeof size === "number") {
      out[key] = r1(grid.last * grid.spread + (size - grid.last) * f);
    }
  }
  if (out.title !== undefined) {
    // A panel's title wraps at its panel's width (a narrow panel's at a few words' width).
    const own = typeof out.width === "number" ? Math.max(out.width, MIN_TITLE_WIDTH) : titleWidth;
    out.title = wrapTitle(out.title, Math.min(own, titleWidth), config, SLIDE_CHART_FONTS);
  }
  const inPicture = picture ?? ownPicture;
  if (isObject(out.mark) && markType(out) === "image") {
    const mark = { ...out.mark };
    for (const key of ["width", "height"]) {
      if (typeof mark[key] === "number") mark[key] = r1((mark[key] as number) * f);
    }
    out.mark = mark;
  }
  if (isObject(out.encoding) && out.mark !== undefined) {
    const isText = markType(out) === "text";
    // Text placed in px beside data (stacked labels) is spaced by its font, not by the panel.
    const k = inPicture !== undefined || !isText ? f : fontScale;
    const encoding: Json = { ...out.encoding };
    const transform = Array.isArray(out.transform) ? [...out.transform] : [];
    for (const channel of POSITION_CHANNELS) {
      const def = encoding[channel];
      if (!isObject(def)) continue;
      if (typeof def.value === "number") {
        encoding[channel] = { ...def, value: r1(def.value * k) };
      } else if (
        typeof def.field === "string" && (def.scale === null || channel.endsWith("2"))
      ) {
        // x2/y2 share the scale of x/y: scale them in px only when x/y have a null scale.
        const base = encoding[channel[0]];
        const nullScale = def.scale === null || (isObject(base) && base.scale === null);
        if (!nullScale || k === 1) continue;
        const as = `slide_${channel}_px`;
        const field = `datum[${JSON.stringify(def.field)}]`;
        const grid = inPicture?.[channel[0] as "x" | "y"];
        const calculate = grid !== undefined ? spreadExpr(field, grid, k) : `${field} * ${k}`;
        transform.push({ calculate, as });
        // The title keeps the original field's name in tooltips and ARIA labels.
        encoding[channel] = { ...def, field: as, title: def.title ?? def.field };
      }
    }
    out.encoding = encoding;
    if (transform.length > 0) out.transform = transform;
  }
  for (const list of CHILD_LISTS) {
    if (Array.isArray(out[list])) {
      out[list] = (out[list] as unknown[]).map((child) =>
        isObject(child) ? scaleView(child, f, config, inPicture, fontScale, box) : child
      );
    }
  }
  if (isObject(out.spec)) {
    out.spec = scaleView(out.spec, f, config, inPicture, fontScale, box);
  }
  return out;
}

/** The narrowest width (px) a panel's title wraps at. */
const MIN_TITLE_WIDTH = 200;

/**
 * `spec` (with slide fonts) with its panels scaled by `f`, its default view sizes too, and its
 * titles wrapped at the box's width (panel titles at their panel's width).
 */
function scaledSpec(
  spec: VegaLiteSpec,
  f: number,
  box: { width: number; height: number },
): VegaLiteSpec {
  const config = isObject(spec.config) ? { ...spec.config } : {};
  const out = scaleView(spec, f, config, undefined, SLIDE_FONT_RATIO, box) as VegaLiteSpec;
  const view = isObject(config.view) ? { ...config.view } : {};
  for (const key of ["continuousWidth", "continuousHeight", "width", "height"]) {
    const fallback = key.startsWith("continuous") ? 200 : undefined;
    const v = view[key] ?? fallback;
    if (typeof v === "number") view[key] = r1(v * f);
  }
  for (const key of ["discreteWidth", "discreteHeight"]) {
    if (key in view) view[key] = scaleSize(view[key], f, 200);
  }
  view.step = r1((typeof view.step === "number" ? view.step : 20) * f);
  config.view = view;
  out.config = config;
  return out;
}

/**
 * The smallest font size (px) of any text in an SVG, read from `font-size` attributes and
 * styles; Infinity when the SVG has none.
 *
 * @param svg An SVG document as text.
 * @returns The smallest size in px.
 *
 * @example Two sizes
 * ```ts
 * import { smallestFontPx } from "./_deck_charts.ts";
 * const svg = '<svg><text font-size="18px">a</text><text style="font-size: 20px">b</text></svg>';
 * if (smallestFontPx(svg) !== 18) throw new Error("smallest");
 * ```
 */
export function smallestFontPx(svg: string): number {
  let smallest = Infinity;
  for (const m of svg.matchAll(/font-size(?:="|:\s*)([\d.]+)(px)?/g)) {
    smallest = Math.min(smallest, Number(m[1]));
  }
  return smallest;
}

/** The width and height an SVG declares on its root element. */
function svgSize(svg: string): { width: number; height: number } {
  const root = svg.match(/<svg\b[^>]*>/)?.[0] ?? "";
  const width = Number(root.match(/\swidth="([\d.]+)"/)?.[1]);
  const height = Number(root.match(/\sheight="([\d.]+)"/)?.[1]);
  if (!Number.isFinite(width) || !Number.isFinite(height)) {
    throw new TypeError(`the rendered SVG declares no width and height, got ${root.slice(0, 200)}`);
  }
  return { width, height };
}

interface Rendering {
  f: number;
  svg: string;
  width: number;
  height: number;
  warnings: string[];
}

/** How far (px) inside the box the fitting aims, so that rounding does not push a chart out. */
const FIT_MARGIN = 0.5;
/** A chart within this many px of the box's width or height fills it. */
const FILL_TOLERANCE = 2;
/** The most renderings spent fitting one chart. */
const MAX_RENDERINGS = 8;

/**
 * Renders a Vega-Lite spec for a slide: fonts raised to slide sizes (axis labels and titles,
 * legends, headers, titles and subtitles, text marks, including font sizes set inside the spec,
 * never below {@linkcode SLIDE_CHART_FONTS}`.min`), and every panel's width and height (band
 * steps included) scaled by one factor so that the whole chart fills `box`: as wide as the box
 * allows, never taller than it. Panels keep their proportions (image grids and heat maps keep
 * their aspect ratio). A chart that cannot fit even with its panels at
 * {@linkcode SLIDE_PANEL_FLOOR_PX} reports `fits: false`; small charts grow at most
 * {@linkcode SLIDE_MAX_ENLARGE} times.
 *
 * @param spec A Vega-Lite v5 spec (not modified).
 * @param box The space on the slide, in px.
 * @returns The SVG, its size, whether it fits the box and its smallest font.
 *
 * @example A line chart fills the width of a slide
 * ```ts
 * import { slideChartSvg } from "./_deck_charts.ts";
 * const chart = await slideChartSvg({
 *   $schema: "https://vega.github.io/schema/vega-lite/v5.json",
 *   data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] },
 *   width: 300,
 *   height: 100,
 *   mark: "line",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
 * }, { width: 800, height: 500 });
 * if (!chart.fits || chart.width < 790 || chart.smallestFontPx < 18) throw new Error("slide");
 * ```
 */
export async function slideChartSvg(
  spec: VegaLiteSpec,
  box: { width: number; height: number } = SLIDE_CHART_BOX,
): Promise<SlideChart> {
  if (!isObject(spec)) {
    throw new TypeError(`spec must be a Vega-Lite spec object, got ${describeValue(spec)}`);
  }
  const { width: boxW, height: boxH } = checkBox(box, "box");
  const fonted = withSlideFonts(spec);
  const panels: PanelSizes = { sizes: [], steps: [] };
  collectSizes(fonted, isObject(fonted.config) ? fonted.config : {}, panels);
  // The factor below which a panel would shrink under the floor (panels already smaller stay).
  const floorF = Math.min(
    1,
    Math.max(
      0,
      ...panels.sizes.map((s) => SLIDE_PANEL_FLOOR_PX / s),
      ...panels.steps.map((s) => SLIDE_PANEL_FLOOR_PX / 10 / s),
    ),
  );
  const minF = floorF;
  const maxF = SLIDE_MAX_ENLARGE;
  const render = async (f: number): Promise<Rendering> => {
    const { svg, warnings } = await renderMeasured(
      scaledSpec(fonted, f, { width: boxW, height: boxH }),
    );
    const size = svgSize(svg);
    return { f, svg, warnings, width: r1(size.width), height: r1(size.height) };
  };
  const fitsBox = (r: Rendering) => r.width <= boxW && r.height <= boxH;
  // A rendering fills the box when it reaches its width or its height (within FILL_TOLERANCE).
  const fills = (r: Rendering) =>
    r.width >= boxW - FILL_TOLERANCE || r.height >= boxH - FILL_TOLERANCE;
  const renderings: Rendering[] = [];
  let f = 1;
  for (let i = 0; i < MAX_RENDERINGS; i++) {
    renderings.push(await render(f));
    // The largest factor that fits and the smallest that does not bracket the answer.
    const fitting = renderings.filter(fitsBox);
    const over = renderings.filter((r) => !fitsBox(r));
    const lo = fitting.length > 0 ? fitting.reduce((a, b) => (b.f > a.f ? b : a)) : undefined;
    const hi = over.length > 0 ? over.reduce((a, b) => (b.f < a.f ? b : a)) : undefined;
    if (lo !== undefined && (fills(lo) || lo.f >= maxF)) break;
    if (lo === undefined && hi !== undefined && hi.f <= minF) break;
    if (lo !== undefined && hi !== undefined && hi.f / lo.f < 1.002) break;
    const low = lo?.f ?? minF, high = hi?.f ?? maxF;
    let next = lo !== undefined && hi !== undefined
      ? nextFactor(lo, hi, boxW - FIT_MARGIN, boxH - FIT_MARGIN)
      : nextFactor(
        renderings[renderings.length - 1],
        renderings.at(-2),
        boxW - FIT_MARGIN,
        boxH - FIT_MARGIN,
      );
    next = Math.min(maxF, Math.max(minF, next));
    // Layouts are not quite linear (ticks, legends taller than the plot): stay in the bracket.
    if (
      !(next > low || (lo === undefined && next >= low)) ||
      !(next < high || (hi === undefined && next <= high))
    ) {
      next = lo !== undefined && hi !== undefined
        ? (lo.f + hi.f) / 2
        : lo !== undefined
        ? high
        : low;
    }
    if (renderings.some((r) => Math.abs(r.f - next) < 1e-4)) break;
    f = next;
  }
  const fitting = renderings.filter(fitsBox);
  const chosen = fitting.length > 0
    ? fitting.reduce((a, b) => (b.f > a.f ? b : a))
    : renderings.reduce((a, b) => (b.f < a.f ? b : a));
  return {
    svg: chosen.svg,
    width: chosen.width,
    height: chosen.height,
    fits: fitsBox(chosen),
    smallestFontPx: smallestFontPx(chosen.svg),
    scale: chosen.f,
    warnings: [...new Set(chosen.warnings)],
  };
}

/**
 * The next factor to try: each dimension modelled as `fixed + slope × f` through two
 * renderings at different factors (with one: proportional to the factor), the largest factor
 * keeping both within the box.
 */
function nextFactor(
  a: Rendering,
  b: Rendering | undefined,
  boxW: number,
  boxH: number,
): number {
  const solve = (sizeA: number, sizeB: number | undefined, target: number) => {
    if (b === undefined || sizeB === undefined || Math.abs(a.f - b.f) < 1e-9) {
      return a.f * target / sizeA;
    }
    const slope = (sizeA - sizeB) / (a.f - b.f);
    if (!(slope > 1e-6)) return a.f * target / sizeA;
    return a.f + (target - sizeA) / slope;
  };
  return Math.min(solve(a.width, b?.width, boxW), solve(a.height, b?.height, boxH));
}

/** A chart's name in reports: its title, or its description. */
function chartName(spec: Json): string {
  const t = spec.title;
  const text = typeof t === "string"
    ? t
    : Array.isArray(t)
    ? t.join(" ")
    : isObject(t) && typeof t.text === "string"
    ? t.text
    : typeof spec.description === "string"
    ? spec.description
    : "";
  return text || "untitled chart";
}

function isV5Spec(value: unknown): value is VegaLiteSpec {
  return isObject(value) && typeof value.$schema === "string" &&
    /\/schema\/vega-lite\/v5(\.\d+)*\.json$/.test(value.$schema);
}

/**
 * A copy of an executed notebook whose Vega-Lite outputs carry slide SVGs: each output's
 * `image/svg+xml` replaced by {@linkcode slideChartSvg}'s rendering of its spec (the spec and
 * `text/plain` kept), with counts and the charts that do not fit. Outputs without a Vega-Lite v5
 * spec are left as they are, and so are specs marked as tables (`usermeta.table`: the deck
 * shows those as HTML tables). The input notebook is not modified.
 *
 * @param nb An executed notebook.
 * @param box The space a chart gets on a slide, in px.
 * @returns The copy, how many charts were re-rendered, those that do not fit (`cell N: title`)
 *   and any rendering warnings.
 *
 * @example One chart
 * ```ts
 * import { prepareSlideCharts } from "./_deck_charts.ts";
 * const spec = {
 *   $schema: "https://vega.github.io/schema/vega-lite/v5.json",
 *   data: { values: [{ x: 1, y: 2 }] },
 *   mark: "point",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
 * };
 * const nb = {
 *   metadata: {},
 *   cells: [{
 *     cell_type: "code" as const,
 *     source: "lib.show(spec)",
 *     metadata: {},
 *     outputs: [{
 *       output_type: "display_data",
 *       data: { "application/vnd.vegalite.v5+json": spec, "image/svg+xml": "<svg/>" },
 *     }],
 *   }],
 * };
 * const { notebook, charts } = await prepareSlideCharts(nb);
 * if (charts !== 1 || notebook.cells[0].outputs![0].data!["image/svg+xml"] === "<svg/>") {
 *   throw new Error("not re-rendered");
 * }
 * ```
 */
export async function prepareSlideCharts(
  nb: Notebook,
  box: { width: number; height: number } = SLIDE_CHART_BOX,
): Promise<SlideCharts> {
  if (!isObject(nb) || !Array.isArray(nb.cells)) {
    throw new TypeError(`nb must be a notebook with a cells array, got ${describeValue(nb)}`);
  }
  const checked = checkBox(box, "box");
  const notebook = structuredClone(nb);
  let charts = 0;
  const unfit: string[] = [];
  const warnings: string[] = [];
  for (const [index, cell] of notebook.cells.entries()) {
    for (const output of cell.outputs ?? []) {
      const data = output.data;
      if (!isObject(data)) continue;
      const mime = Object.keys(data).find(isVegaLiteMime);
      if (mime === undefined) continue;
      const spec = data[mime];
      if (!isV5Spec(spec)) continue;
      if (isObject(spec.usermeta) && spec.usermeta.table !== undefined) continue;
      const chart = await slideChartSvg(spec, checked);
      data[SVG_MIME] = chart.svg;
      charts++;
      const name = `cell ${index + 1}: ${chartName(spec)}`;
      if (!chart.fits) unfit.push(name);
      for (const w of chart.warnings) warnings.push(`${name}: ${w}`);
    }
  }
  return { notebook, charts, unfit, warnings };
}
