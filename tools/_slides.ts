/**
 * Turns an executed notebook into a reveal.js deck: one self-contained HTML file that works
 * offline from the file system (reveal.js, its notes plugin, KaTeX's stylesheet and fonts,
 * highlight.js colours and the course theme are all inlined; a Content-Security-Policy forbids
 * any request).
 *
 * Cells follow `metadata.slideshow.slide_type` the way nbconvert's slides exporter reads it:
 * `slide` starts a slide, `subslide` a vertical slide under it, `fragment` a part that appears
 * on the next key press (the cells after it with `-` belong to it), `-` continues what is open,
 * `skip` is left out, `notes` becomes reveal.js speaker notes. A cell without the metadata
 * counts as `-`; the first shown cell always starts a slide. The Jupyter Book cell tags are
 * honoured: `remove-cell`, `remove-input` and `remove-output` leave things out, `hide-input`
 * and `hide-output` fold them (a click unfolds them). The code of check cells (`lib.check`) is
 * folded too: their ✓ lines stay on the slide. On a slide that would have to shrink below 75 %
 * to fit, the deck's script folds code blocks as well, longest first.
 *
 * A title slide made from the notebook's first heading comes first. Markdown and math are
 * rendered to HTML here (KaTeX); code is highlighted; a chart is shown from the SVG in its
 * output bundle; several charts from one cell share one place on the slide and appear one after
 * the other; progress bars show their final state only; ANSI colour codes are removed; very
 * long text outputs are cut in the middle. When a slide holds more than fits 1280×720, the
 * deck first shrinks its charts and then scales the slide down (see `_deck_client.js`).
 *
 * @module
 */
import { basename, extname, join, resolve } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import {
  escapeHtml,
  firstHeading,
  highlightCode,
  renderInlineMarkdown,
  renderMarkdown,
  type RenderWarning,
} from "./_markdown.ts";
import { type NotebookOutput, ROOT, SLIDE_TYPES, stripAnsi } from "./_jupyter.ts";
import { npmFile, readNpmText } from "./_npm_files.ts";

/** The course's name, shown on every title slide and on the index page. */
export const COURSE_TITLE = "Improving deep neural networks";

/** Where decks, the index page and PDF handouts are written; holds the course theme. */
export const SLIDES_DIR: string = join(ROOT, "slides");

/** The course theme, the one hand-written file in slides/. */
export const THEME_PATH: string = join(SLIDES_DIR, "theme.css");

/** A notebook the exporter cannot read: the message names the file and what is wrong. */
export class NotebookFormatError extends TypeError {
  /**
   * @param message Starts with the notebook's name.
   */
  constructor(message: string) {
    super(message);
    this.name = "NotebookFormatError";
  }
}

/** A cell output as the exporter reads it (nbformat 4): the runner's {@link NotebookOutput}. */
export type DeckOutput = NotebookOutput;

/** A cell as the exporter reads it (nbformat 4). */
export interface DeckCell {
  cell_type: "markdown" | "code" | "raw";
  source: string | string[];
  metadata?: {
    slideshow?: { slide_type?: string };
    tags?: string[];
    jupyter?: { source_hidden?: boolean; outputs_hidden?: boolean };
    raw_mimetype?: string;
    format?: string;
    [key: string]: unknown;
  };
  outputs?: DeckOutput[];
  attachments?: Record<string, Record<string, string | string[]>>;
}

/** A notebook as the exporter reads it (nbformat 4); metadata may be missing altogether. */
export interface DeckNotebook {
  cells: DeckCell[];
  metadata?: {
    language_info?: { name?: string };
    kernelspec?: { language?: string };
    [key: string]: unknown;
  };
  nbformat?: number;
  nbformat_minor?: number;
}

const CELL_TYPES = ["markdown", "code", "raw"];

function _kind(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function _isText(value: unknown): value is string | string[] {
  return typeof value === "string" ||
    (Array.isArray(value) && value.every((v) => typeof v === "string"));
}

/**
 * Checks that parsed JSON is a notebook the exporter can read and returns it typed.
 *
 * @param raw The parsed `.ipynb` JSON.
 * @param name The file's name, for messages.
 * @returns The notebook.
 * @throws NotebookFormatError naming the file, the cell and what is wrong.
 *
 * @example A cell with an unknown slide type
 * ```ts
 * import { validateNotebook } from "./_slides.ts";
 * const raw = { cells: [{ cell_type: "markdown", source: "# Hi", metadata: { slideshow: { slide_type: "slides" } } }] };
 * try {
 *   validateNotebook(raw, "x.ipynb");
 *   throw new Error("accepted");
 * } catch (error) {
 *   if (!String(error).includes('x.ipynb: cell 1 (markdown): metadata.slideshow.slide_type must be one of')) throw error;
 * }
 * ```
 */
export function validateNotebook(raw: unknown, name: string): DeckNotebook {
  const fail = (what: string) => {
    throw new NotebookFormatError(`${name}: ${what}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    fail(`the file must hold a notebook object, got ${_kind(raw)}`);
  }
  const nb = raw as Record<string, unknown>;
  if (nb.nbformat !== undefined && nb.nbformat !== 4) {
    fail(`nbformat must be 4, got ${_kind(nb.nbformat)} (convert it with jupyter nbconvert)`);
  }
  if (!Array.isArray(nb.cells)) {
    fail(
      `cells must be an array of cells, got ${nb.cells === undefined ? "none" : _kind(nb.cells)}`,
    );
  }
  if (nb.metadata !== undefined && (typeof nb.metadata !== "object" || nb.metadata === null)) {
    fail(`metadata must be an object, got ${_kind(nb.metadata)}`);
  }
  (nb.cells as unknown[]).forEach((rawCell, i) => {
    if (typeof rawCell !== "object" || rawCell === null || Array.isArray(rawCell)) {
      fail(`cell ${i + 1} must be an object, got ${_kind(rawCell)}`);
    }
    const cell = rawCell as Record<string, unknown>;
    if (!CELL_TYPES.includes(cell.cell_type as string)) {
      fail(
        `cell ${i + 1}: cell_type must be one of ${CELL_TYPES.join(", ")}, got ${
          _kind(cell.cell_type)
        }`,
      );
    }
    const where = `cell ${i + 1} (${cell.cell_type})`;
    if (!_isText(cell.source)) {
      fail(`${where}: source must be a string or a list of strings, got ${_kind(cell.source)}`);
    }
    const metadata = cell.metadata;
    if (metadata !== undefined && (typeof metadata !== "object" || metadata === null)) {
      fail(`${where}: metadata must be an object, got ${_kind(metadata)}`);
    }
    const slideshow = (metadata as Record<string, unknown> | undefined)?.slideshow;
    if (slideshow !== undefined && (typeof slideshow !== "object" || slideshow === null)) {
      fail(`${where}: metadata.slideshow must be an object, got ${_kind(slideshow)}`);
    }
    const slideType = (slideshow as Record<string, unknown> | undefined)?.slide_type;
    if (slideType !== undefined && !SLIDE_TYPES.includes(slideType as string)) {
      fail(
        `${where}: metadata.slideshow.slide_type must be one of ${SLIDE_TYPES.join(", ")}, got ${
          _kind(slideType)
        }`,
      );
    }
    const tags = (metadata as Record<string, unknown> | undefined)?.tags;
    if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === "string"))) {
      fail(`${where}: metadata.tags must be a list of strings, got ${_kind(tags)}`);
    }
    if (cell.outputs === undefined) return;
    if (!Array.isArray(cell.outputs)) {
      fail(`${where}: outputs must be an array, got ${_kind(cell.outputs)}`);
    }
    (cell.outputs as unknown[]).forEach((rawOutput, j) => {
      const at = `${where} output ${j + 1}`;
      if (typeof rawOutput !== "object" || rawOutput === null || Array.isArray(rawOutput)) {
        fail(`${at} must be an object, got ${_kind(rawOutput)}`);
      }
      const output = rawOutput as Record<string, unknown>;
      if (typeof output.output_type !== "string") {
        fail(`${at}: output_type must be a string, got ${_kind(output.output_type)}`);
      }
      if (output.output_type === "stream" && !_isText(output.text)) {
        fail(
          `${at}: a stream's text must be a string or a list of strings, got ${_kind(output.text)}`,
        );
      }
      if (output.data !== undefined) {
        if (typeof output.data !== "object" || output.data === null || Array.isArray(output.data)) {
          fail(`${at}: data must be an object of MIME types, got ${_kind(output.data)}`);
        }
        for (const [mime, value] of Object.entries(output.data as Record<string, unknown>)) {
          if ((mime.startsWith("text/") || mime.startsWith("image/")) && !_isText(value)) {
            fail(
              `${at}: data["${mime}"] must be a string or a list of strings, got ${_kind(value)}`,
            );
          }
        }
      }
    });
  });
  return nb as unknown as DeckNotebook;
}

/**
 * Reads and checks a notebook file.
 *
 * @param path The `.ipynb` file.
 * @param name How messages name it. @default the path
 * @returns The notebook.
 * @throws NotebookFormatError naming the file and what is wrong (unreadable, not JSON, not a
 *   notebook).
 *
 * @example Not JSON
 * ```ts
 * import { readNotebook } from "./_slides.ts";
 * const path = await Deno.makeTempFile({ suffix: ".ipynb" });
 * await Deno.writeTextFile(path, "{ cells: [");
 * try {
 *   await readNotebook(path, "broken.ipynb");
 *   throw new Error("accepted");
 * } catch (error) {
 *   if (!String(error).includes("broken.ipynb: the file must be notebook JSON")) throw error;
 * }
 * ```
 */
export async function readNotebook(path: string, name = path): Promise<DeckNotebook> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new NotebookFormatError(`${name}: the file cannot be read: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new NotebookFormatError(
      `${name}: the file must be notebook JSON, got a parse error: ${(error as Error).message}`,
    );
  }
  return validateNotebook(raw, name);
}

function _text(value: string | string[] | undefined): string {
  if (value === undefined) return "";
  return Array.isArray(value) ? value.join("") : value;
}

/** The slide type of a cell as nbconvert reads it: missing metadata counts as `-`. */
export function slideType(cell: DeckCell): string {
  return cell.metadata?.slideshow?.slide_type ?? "-";
}

function _tags(cell: DeckCell): string[] {
  return cell.metadata?.tags ?? [];
}

/** An item on a slide: a cell, or a fragment holding cells. */
export type PlanItem =
  | { kind: "cell"; index: number }
  | { kind: "fragment"; items: { kind: "cell"; index: number }[]; notes: number[] };

/** One reveal.js slide (a horizontal slide, or one vertical slide under it). */
export interface PlanSlide {
  items: PlanItem[];
  /** Indices of the notes cells that belong to the slide itself (not to a fragment). */
  notes: number[];
}

/** The deck's structure: horizontal slides, each a list of vertical slides. */
export interface DeckPlan {
  /** Content slides (the title slide is not included). */
  slides: PlanSlide[][];
  /** Notes cells that come before the first shown cell; they go on the title slide. */
  titleNotes: number[];
}

/**
 * Lays out a notebook's cells on slides by their slide types, as nbconvert does.
 *
 * @param nb The notebook.
 * @returns Horizontal slides of vertical slides of cell indices.
 *
 * @example A slide, a fragment and a vertical slide
 * ```ts
 * import { planDeck } from "./_slides.ts";
 * const cell = (t: string) => ({ cell_type: "markdown" as const, source: "x", metadata: { slideshow: { slide_type: t } } });
 * const plan = planDeck({ cells: ["slide", "fragment", "-", "subslide"].map(cell) });
 * if (plan.slides.length !== 1 || plan.slides[0].length !== 2) throw new Error("1 slide, 2 vertical");
 * const first = plan.slides[0][0].items;
 * if (first[1].kind !== "fragment" || first[1].items.length !== 2) throw new Error("fragment holds 2");
 * ```
 */
export function planDeck(nb: DeckNotebook): DeckPlan {
  const slides: PlanSlide[][] = [];
  const titleNotes: number[] = [];
  let current: PlanSlide | undefined;
  let fragment: Extract<PlanItem, { kind: "fragment" }> | undefined;
  nb.cells.forEach((cell, index) => {
    if (_tags(cell).includes("remove-cell")) return;
    const type = slideType(cell);
    if (type === "skip") return;
    if (type === "notes") {
      if (!current) titleNotes.push(index);
      else if (fragment) fragment.notes.push(index);
      else current.notes.push(index);
      return;
    }
    if (!current || type === "slide") {
      current = { items: [], notes: [] };
      slides.push([current]);
      fragment = undefined;
    } else if (type === "subslide") {
      current = { items: [], notes: [] };
      slides[slides.length - 1].push(current);
      fragment = undefined;
    } else if (type === "fragment") {
      fragment = { kind: "fragment", items: [], notes: [] };
      current.items.push(fragment);
    }
    if (fragment) fragment.items.push({ kind: "cell", index });
    else current.items.push({ kind: "cell", index });
  });
  return { slides, titleNotes };
}

/** Everything a deck inlines besides its content. */
export interface DeckAssets {
  revealCss: string;
  revealJs: string;
  notesJs: string;
  katexCss: string;
  highlightCss: string;
  themeCss: string;
  clientJs: string;
}

const FONT_TYPES: Record<string, string> = {
  woff2: "font/woff2",
  woff: "font/woff",
  ttf: "font/ttf",
};

function _base64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

/**
 * KaTeX's stylesheet with its fonts inlined as `data:` URLs (WOFF2 only: every browser that
 * runs reveal.js 5 reads it), so math renders offline.
 *
 * @param cssPath The path of katex.min.css in the npm cache (its fonts/ folder beside it).
 * @returns The stylesheet text.
 */
async function _katexCssInlined(cssPath: string): Promise<string> {
  const css = await Deno.readTextFile(cssPath);
  const dir = resolve(cssPath, "..");
  return css.replace(/src:([^;}]*)/g, (whole, sources: string) => {
    const urls = [...sources.matchAll(/url\(([^)]+)\)\s*format\("([^"]+)"\)/g)];
    const woff2 = urls.find((u) => u[2] === "woff2") ?? urls[0];
    if (!woff2) return whole;
    const file = join(dir, woff2[1].replace(/^["']|["']$/g, ""));
    const ext = extname(file).slice(1);
    const data = _base64(readFileSync(file));
    return `src:url(data:${FONT_TYPES[ext] ?? "font/woff2"};base64,${data}) format("${woff2[2]}")`;
  });
}

/** Makes a script safe to place inside `<script>`: no `</script`, `<script` or `<!--`. */
export function inlineScript(js: string): string {
  return js.replace(/<(\/?script|!--)/gi, "\\x3C$1");
}

function _inlineStyle(css: string, what: string): string {
  if (/<\/style/i.test(css)) throw new Error(`${what} must not contain </style`);
  return css;
}

let _assets: Promise<DeckAssets> | undefined;

/**
 * Loads what every deck inlines: reveal.js and its notes plugin and stylesheet, KaTeX's
 * stylesheet with its fonts, highlight.js colours (npm packages pinned in deno.json, read from
 * Deno's npm cache), the course theme (slides/theme.css) and the deck's own script.
 *
 * @param options.themePath The theme stylesheet. @default THEME_PATH
 * @returns The assets (cached after the first call for the default theme).
 */
export function loadDeckAssets(options: { themePath?: string } = {}): Promise<DeckAssets> {
  const load = async (): Promise<DeckAssets> => {
    const themePath = options.themePath ?? THEME_PATH;
    if (!existsSync(themePath)) {
      throw new Error(`the course theme must exist at ${themePath}, got no such file`);
    }
    return {
      revealCss: _inlineStyle(await readNpmText("reveal.js/dist/reveal.css"), "reveal.css"),
      revealJs: inlineScript(await readNpmText("reveal.js/dist/reveal.js")),
      notesJs: inlineScript(await readNpmText("reveal.js/plugin/notes/notes.js")),
      katexCss: _inlineStyle(
        await _katexCssInlined(await npmFile("katex/dist/katex.min.css")),
        "katex.min.css",
      ),
      highlightCss: _inlineStyle(
        await readNpmText("highlight.js/styles/a11y-light.min.css"),
        "a11y-light.min.css",
      ),
      themeCss: _inlineStyle(await Deno.readTextFile(themePath), "theme.css"),
      clientJs: inlineScript(
        await Deno.readTextFile(new URL("./_deck_client.js", import.meta.url)),
      ),
    };
  };
  if (options.themePath) return load();
  _assets ??= load().catch((error) => {
    _assets = undefined;
    throw error;
  });
  return _assets;
}

const SVG_MIME = "image/svg+xml";
const IMAGE_MIMES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
const MAX_TEXT_LINES = 30;

/** Options of {@linkcode renderDeck}. */
export interface RenderOptions {
  /** The notebook's file name, e.g. `03_overfitting.ipynb` (for the title and messages). */
  name: string;
  /** The assets from {@linkcode loadDeckAssets}. */
  assets: DeckAssets;
  /** Where relative image paths in markdown are looked up. @default notebooks/ */
  imageDir?: string;
  /** Shown above the title on the title slide. @default COURSE_TITLE */
  courseTitle?: string;
}

/** A rendered deck. */
export interface Deck {
  /** The whole HTML file. */
  html: string;
  /** The lesson's title (the first heading, else the file name). */
  title: string;
  /** Slides as reveal.js counts them: the title slide and every vertical slide. */
  slideCount: number;
  /** Chart and image outputs shown. */
  chartCount: number;
  /** Problems that did not stop the export (bad LaTeX, dropped HTML, missing images). */
  warnings: string[];
}

/** Per-deck rendering state. */
interface _Context {
  nb: DeckNotebook;
  name: string;
  language: string;
  imageDir: string;
  warnings: string[];
  chartCount: number;
  /** Next `data-fragment-index` on the slide being rendered. */
  fragment: number;
}

function _warn(ctx: _Context, where: string, message: string): void {
  ctx.warnings.push(`${ctx.name}: ${where}: ${message}`);
}

const IMAGE_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
};

function _imageResolver(ctx: _Context, cell: DeckCell): (href: string) => string | undefined {
  return (href: string) => {
    const attachment = /^attachment:(.+)$/.exec(href);
    if (attachment) {
      const bundle = cell.attachments?.[decodeURIComponent(attachment[1])];
      if (!bundle) return undefined;
      const mime = Object.keys(bundle).find((m) => m.startsWith("image/"));
      return mime ? `data:${mime};base64,${_text(bundle[mime]).replace(/\s+/g, "")}` : undefined;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("//")) return undefined;
    const path = resolve(ctx.imageDir, decodeURIComponent(href.split(/[?#]/)[0]));
    const type = IMAGE_TYPES[extname(path).toLowerCase()];
    if (!type || !existsSync(path)) return undefined;
    return `data:${type};base64,${_base64(readFileSync(path))}`;
  };
}

function _markdown(ctx: _Context, cell: DeckCell, index: number, text: string, notes = false) {
  return renderMarkdown(text, {
    defaultLanguage: ctx.language,
    onWarning: (w: RenderWarning) => _warn(ctx, `cell ${index + 1}`, w.message),
    resolveImage: _imageResolver(ctx, cell),
    mathOutput: notes ? "mathml" : "htmlAndMathml",
  });
}

/** Removes what could make a request or run code from an HTML output; says what it removed. */
function _sanitizeHtml(html: string): { html: string; removed: string[] } {
  const removed: string[] = [];
  let out = html.replace(
    /<(script|iframe|object|style|noscript)\b[^>]*>[\s\S]*?<\/\1\s*>/gi,
    (_m, tag: string) => {
      removed.push(`<${tag.toLowerCase()}>`);
      return "";
    },
  ).replace(
    /<\/?(script|iframe|object|embed|link|meta|base|style|noscript)\b[^>]*>/gi,
    (_m, tag: string) => {
      removed.push(`<${tag.toLowerCase()}>`);
      return "";
    },
  );
  out = out.replace(/\s(on[a-z]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, (_m, attr: string) => {
    removed.push(`${attr} attribute`);
    return "";
  });
  out = out.replace(
    /\s(src|href|srcset|poster|data)\s*=\s*("(?:https?:)?\/\/[^"]*"|'(?:https?:)?\/\/[^']*')/gi,
    (_m, attr: string) => {
      removed.push(`remote ${attr}`);
      return "";
    },
  );
  return { html: out, removed: [...new Set(removed)] };
}

let _svgCounter = 0;

/**
 * Prepares an output's SVG for inlining: drops the XML prolog and any script, gives its ids a
 * prefix unique in the page (vega's clip paths are `clip1`, `clip2`... in every chart), and
 * lets CSS size it from its viewBox.
 */
function _inlineSvg(
  svg: string,
  label: string,
): { html: string; width?: number; height?: number } {
  const prefix = `c${++_svgCounter}-`;
  let out = svg.replace(/<\?xml[^>]*\?>/g, "").replace(/<!DOCTYPE[^>]*>/gi, "")
    .replace(/<script\b[\s\S]*?<\/script\s*>/gi, "").trim();
  const ids = [...out.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  for (const id of new Set(ids)) {
    const esc = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out = out
      .replace(new RegExp(`(\\sid=")${esc}(")`, "g"), `$1${prefix}${id}$2`)
      .replace(new RegExp(`url\\(#${esc}\\)`, "g"), `url(#${prefix}${id})`)
      .replace(new RegExp(`((?:xlink:)?href=")#${esc}(")`, "g"), `$1#${prefix}${id}$2`);
  }
  const open = /^<svg\b[^>]*>/.exec(out);
  if (!open) return { html: "" };
  const width = Number(/\swidth="([\d.]+)(px)?"/.exec(open[0])?.[1]);
  const height = Number(/\sheight="([\d.]+)(px)?"/.exec(open[0])?.[1]);
  const size = width > 0 && height > 0 ? { width, height } : {};
  let tag = open[0];
  if (!/\sviewBox=/.test(tag) && width > 0 && height > 0) {
    tag = tag.replace(/^<svg/, `<svg viewBox="0 0 ${width} ${height}"`);
  }
  tag = tag.replace(/^<svg/, `<svg role="img" aria-label="${escapeHtml(label)}"`);
  return { html: tag + out.slice(open[0].length), ...size };
}

/** Keeps what a terminal would show of text with carriage returns, without colour codes. */
function _terminalText(text: string): string {
  return stripAnsi(text).split("\n").map((line) => {
    const parts = line.split("\r");
    let shown = parts.pop() ?? "";
    while (shown === "" && parts.length > 0) shown = parts.pop() ?? "";
    return shown;
  }).join("\n");
}

/** Cuts text longer than the limit in the middle, saying how many lines were left out. */
function _clipLines(text: string): string {
  const lines = text.replace(/\n$/, "").split("\n");
  if (lines.length <= MAX_TEXT_LINES) return lines.join("\n");
  const head = lines.slice(0, MAX_TEXT_LINES - 8);
  const tail = lines.slice(-5);
  return [...head, `⋯ ${lines.length - head.length - tail.length} more lines ⋯`, ...tail]
    .join("\n");
}

/** Text output as HTML, check-cell lines (✓ / ✗) marked. */
function _preText(text: string, cls: string): string {
  const body = _clipLines(text).split("\n").map((line) => {
    const esc = escapeHtml(line);
    if (/^\s*✓/.test(line)) return `<span class="check-pass">${esc}</span>`;
    if (/^\s*(✗|✘)/.test(line)) return `<span class="check-fail">${esc}</span>`;
    return esc;
  }).join("\n");
  return `<pre class="${cls}">${body}</pre>`;
}

/** A progress bar output (lib's progress line): its final fraction and text. */
function _progress(data: Record<string, unknown>): { fraction: number; text: string } | null {
  const html = _text(data["text/html"] as string | string[] | undefined);
  const m = /<progress\b[^>]*\bvalue="([\d.]+)"[^>]*\bmax="([\d.]+)"/.exec(html) ??
    /<progress\b[^>]*\bmax="([\d.]+)"[^>]*\bvalue="([\d.]+)"/.exec(html);
  if (!m) return null;
  const [value, max] = html.indexOf("value=") < html.indexOf("max=")
    ? [Number(m[1]), Number(m[2])]
    : [Number(m[2]), Number(m[1])];
  const plain = _terminalText(_text(data["text/plain"] as string | string[] | undefined));
  const text = plain.replace(/^\s*\[[#=>.\- ]*\]\s*/, "").trim();
  return { fraction: max > 0 ? Math.min(1, Math.max(0, value / max)) : 0, text };
}

/** One rendered output: visual (a chart or image) or not. */
interface _Rendered {
  html: string;
  visual: boolean;
  /** Natural width in CSS pixels, when known. */
  width?: number;
}

function _renderBundle(
  ctx: _Context,
  where: string,
  data: Record<string, unknown>,
): _Rendered | null {
  const plain = _terminalText(_text(data["text/plain"] as string | string[] | undefined));
  if (data[SVG_MIME] !== undefined) {
    const label = plain.trim() || "chart";
    const svg = _inlineSvg(_text(data[SVG_MIME] as string | string[]), label);
    if (!svg.html) {
      _warn(ctx, where, "an image/svg+xml output does not start with <svg>; it is left out");
      return null;
    }
    ctx.chartCount++;
    const style = svg.width && svg.height
      ? ` style="--natural-width: ${svg.width}px; --natural-height: ${svg.height}px"`
      : "";
    return {
      html: `<figure class="output-chart"${style}>${svg.html}</figure>`,
      visual: true,
      width: svg.width,
    };
  }
  const image = IMAGE_MIMES.find((m) => data[m] !== undefined);
  if (image) {
    ctx.chartCount++;
    const b64 = _text(data[image] as string | string[]).replace(/\s+/g, "");
    const width = image === "image/png" ? _pngWidth(b64) : undefined;
    return {
      width,
      html: `<figure class="output-image"><img src="data:${image};base64,${b64}" alt="${
        escapeHtml(plain.trim() || "image output")
      }"></figure>`,
      visual: true,
    };
  }
  if (data["text/html"] !== undefined) {
    const { html, removed } = _sanitizeHtml(_text(data["text/html"] as string | string[]));
    if (removed.length > 0) {
      _warn(ctx, where, `removed ${removed.join(", ")} from an HTML output (decks are offline)`);
    }
    return { html: `<div class="output-html">${html}</div>`, visual: false };
  }
  if (data["text/markdown"] !== undefined) {
    return {
      html: `<div class="output-markdown">${
        renderMarkdown(_text(data["text/markdown"] as string | string[]), {
          defaultLanguage: ctx.language,
          onWarning: (w) => _warn(ctx, where, w.message),
        })
      }</div>`,
      visual: false,
    };
  }
  if (data["text/latex"] !== undefined) {
    const tex = _text(data["text/latex"] as string | string[]).trim()
      .replace(/^\$\$([\s\S]*)\$\$$/, "$1").replace(/^\$([\s\S]*)\$$/, "$1");
    return {
      html: `<div class="output-markdown">${
        renderMarkdown(`$$\n${tex}\n$$`, { onWarning: (w) => _warn(ctx, where, w.message) })
      }</div>`,
      visual: false,
    };
  }
  if (/^application\/vnd\.vegalite\.v\d+\+json$/.test(Object.keys(data).join(" "))) {
    _warn(ctx, where, "a Vega-Lite chart has no image/svg+xml rendering; its text is shown");
  }
  if (data["text/plain"] !== undefined) {
    return { html: _preText(plain, "output-text"), visual: false };
  }
  return null;
}

/** A cell's outputs rendered, progress bars collapsed, streams merged. */
function _renderOutputs(ctx: _Context, cell: DeckCell, index: number): _Rendered[] {
  const where = `cell ${index + 1}`;
  const out: _Rendered[] = [];
  const outputs = cell.outputs ?? [];
  let stream: { name: string; text: string } | undefined;
  let progress: { fraction: number; text: string; count: number } | undefined;
  const flush = () => {
    if (stream) {
      const text = _terminalText(stream.text);
      if (text.trim()) {
        out.push({
          html: _preText(
            text,
            `output-stream output-${stream.name === "stderr" ? "stderr" : "stdout"}`,
          ),
          visual: false,
        });
      }
      stream = undefined;
    }
    if (progress) {
      const runs = progress.count > 1
        ? ` <span class="progress-runs">(last of ${progress.count} runs)</span>`
        : "";
      out.push({
        html: `<div class="output-progress"><span class="progress-bar"><span style="width: ${
          (100 * progress.fraction).toFixed(1)
        }%"></span></span> <span class="progress-text">${
          escapeHtml(progress.text)
        }</span>${runs}</div>`,
        visual: false,
      });
      progress = undefined;
    }
  };
  for (const output of outputs) {
    if (output.output_type === "stream") {
      const name = output.name ?? "stdout";
      if (progress || (stream && stream.name !== name)) flush();
      stream ??= { name, text: "" };
      stream.text += _text(output.text);
      continue;
    }
    if (output.output_type === "error") {
      flush();
      const traceback = stripAnsi((output.traceback ?? []).join("\n")).trim();
      const head = `${output.ename ?? "Error"}: ${stripAnsi(output.evalue ?? "")}`;
      out.push({
        html: `<div class="output-error">${_preText(traceback || head, "output-traceback")}</div>`,
        visual: false,
      });
      _warn(ctx, where, `the cell shows an error (${head.split("\n")[0]})`);
      continue;
    }
    if (!output.data) continue;
    const bar = _progress(output.data);
    if (bar) {
      if (stream) flush();
      progress = { ...bar, count: (progress?.count ?? 0) + 1 };
      continue;
    }
    flush();
    const rendered = _renderBundle(ctx, where, output.data);
    if (rendered) out.push(rendered);
  }
  flush();
  return out;
}

/** Several visual outputs share one place: each next one replaces the previous on a key press. */
function _visualStack(ctx: _Context, visuals: _Rendered[]): string {
  if (visuals.length === 1) return visuals[0].html;
  const step = ctx.fragment;
  ctx.fragment += visuals.length - 1;
  const parts = visuals.map((v, i) => {
    let attrs: string;
    if (i === 0) attrs = ` class="stack-item fragment fade-out" data-fragment-index="${step}"`;
    else if (i === visuals.length - 1) {
      attrs = ` class="stack-item fragment fade-in" data-fragment-index="${step + i - 1}"`;
    } else {
      attrs = ` class="stack-item fragment fade-in-then-out" data-fragment-index="${step + i - 1}"`;
    }
    return `<div${attrs}>${v.html}</div>`;
  });
  return `<div class="r-stack visual-stack" data-count="${visuals.length}">${parts.join("")}</div>`;
}

/**
 * Whether a code cell is a check cell: it prints only text, some of it `✓` lines from
 * `lib.check`, and its source calls `check(`. On a slide its results matter more than its code,
 * so the code is folded (click "code" to unfold it).
 *
 * @param cell A code cell with its outputs.
 * @returns True for a check cell.
 *
 * @example A check cell
 * ```ts
 * import { isCheckCell } from "./_slides.ts";
 * const cell = {
 *   cell_type: "code" as const,
 *   source: 'await lib.check(a > b, "a beats b");',
 *   outputs: [{ output_type: "stream", name: "stdout", text: "✓ a beats b\n" }],
 * };
 * if (!isCheckCell(cell)) throw new Error("check cell");
 * ```
 */
export function isCheckCell(cell: DeckCell): boolean {
  if (cell.cell_type !== "code" || !/\bcheck\(/.test(_text(cell.source))) return false;
  const outputs = cell.outputs ?? [];
  if (outputs.length === 0 || outputs.some((o) => o.output_type !== "stream")) return false;
  const lines = outputs.map((o) => stripAnsi(_text(o.text))).join("").split("\n");
  return lines.some((line) => /^\s*✓/.test(line));
}

/**
 * A chart at most this wide (CSS pixels) goes beside its code, in a column of about 540 px;
 * wider ones (learning curves side by side, grids of panels) get the slide's full width, below
 * the code, so that their text stays legible.
 */
const SIDE_BY_SIDE_MAX_WIDTH = 720;

/** A PNG's width from its header (bytes 16-19 of the file), or undefined. */
function _pngWidth(base64: string): number | undefined {
  try {
    const head = Uint8Array.from(atob(base64.slice(0, 32)), (c) => c.charCodeAt(0));
    const width = new DataView(head.buffer).getUint32(16);
    return width > 0 ? width : undefined;
  } catch {
    return undefined;
  }
}

/** How a code cell's input and outputs are shown on a slide. */
export function codeDisplay(
  cell: DeckCell,
): { input: "shown" | "folded" | "removed"; outputs: "shown" | "folded" | "removed" } {
  const tags = _tags(cell);
  const source = _text(cell.source).replace(/\s+$/, "");
  let input: "shown" | "folded" | "removed" = "shown";
  if (source.trim() === "" || tags.includes("remove-input")) input = "removed";
  else if (
    tags.includes("hide-input") || cell.metadata?.jupyter?.source_hidden === true ||
    isCheckCell(cell)
  ) input = "folded";
  let outputs: "shown" | "folded" | "removed" = "shown";
  if (tags.includes("remove-output")) outputs = "removed";
  else if (tags.includes("hide-output") || cell.metadata?.jupyter?.outputs_hidden === true) {
    outputs = "folded";
  }
  return { input, outputs };
}

function _fold(summary: string, html: string): string {
  return `<details class="fold"><summary>${escapeHtml(summary)}</summary>${html}</details>`;
}

function _renderCodeCell(ctx: _Context, cell: DeckCell, index: number): string {
  const display = codeDisplay(cell);
  const source = _text(cell.source).replace(/\s+$/, "");
  const outputs = display.outputs === "removed" ? [] : _renderOutputs(ctx, cell, index);
  if (display.input === "removed" && outputs.length === 0) return "";
  const attrs = `data-cell="${index + 1}"`;
  let input = "";
  if (display.input !== "removed") {
    const lines = source.split("\n").length;
    input =
      `<pre class="code-input" data-lines="${lines}"><code class="hljs language-${ctx.language}">${
        highlightCode(source, ctx.language)
      }</code></pre>`;
    if (display.input === "folded") {
      input = _fold(`code · ${lines} line${lines === 1 ? "" : "s"}`, input);
    }
  }
  if (display.outputs === "folded") {
    const inner = outputs.map((o) => o.html).join("");
    const body = inner ? _fold("output", `<div class="outputs">${inner}</div>`) : "";
    return `<div class="cell code-cell" ${attrs}>${input}${body}</div>`;
  }
  const visuals = outputs.filter((o) => o.visual);
  const split = display.input === "shown" && visuals.length > 0 &&
    visuals.every((v) => v.width !== undefined && v.width <= SIDE_BY_SIDE_MAX_WIDTH);
  if (split) {
    const texts = outputs.filter((o) => !o.visual).map((o) => o.html).join("");
    return `<div class="cell code-cell split" ${attrs}><div class="code-side">${input}${
      texts ? `<div class="outputs">${texts}</div>` : ""
    }</div><div class="visual-side outputs">${_visualStack(ctx, visuals)}</div></div>`;
  }
  const parts: string[] = [];
  let run: _Rendered[] = [];
  const flushRun = () => {
    if (run.length > 0) parts.push(`<div class="visuals">${_visualStack(ctx, run)}</div>`);
    run = [];
  };
  for (const o of outputs) {
    if (o.visual) run.push(o);
    else {
      flushRun();
      parts.push(o.html);
    }
  }
  flushRun();
  const body = parts.length > 0 ? `<div class="outputs">${parts.join("")}</div>` : "";
  const cls = display.input === "shown" ? "cell code-cell" : "cell code-cell outputs-only";
  return `<div class="${cls}" ${attrs}>${input}${body}</div>`;
}

function _renderCell(ctx: _Context, index: number): string {
  const cell = ctx.nb.cells[index];
  const attrs = `data-cell="${index + 1}"`;
  if (cell.cell_type === "markdown") {
    const source = _text(cell.source);
    if (!source.trim()) return "";
    const html = _markdown(ctx, cell, index, source);
    return `<div class="cell markdown-cell" ${attrs}>${html}</div>`;
  }
  if (cell.cell_type === "raw") {
    const format = String(cell.metadata?.raw_mimetype ?? cell.metadata?.format ?? "");
    if (format === "text/html") {
      const { html, removed } = _sanitizeHtml(_text(cell.source));
      if (removed.length > 0) {
        _warn(ctx, `cell ${index + 1}`, `removed ${removed.join(", ")} from a raw HTML cell`);
      }
      return `<div class="cell raw-cell" ${attrs}>${html}</div>`;
    }
    if (format === "text/markdown") {
      return `<div class="cell markdown-cell" ${attrs}>${
        _markdown(ctx, cell, index, _text(cell.source))
      }</div>`;
    }
    return "";
  }
  return _renderCodeCell(ctx, cell, index);
}

function _renderNotes(ctx: _Context, indices: number[]): string {
  if (indices.length === 0) return "";
  const parts = indices.map((index) => {
    const cell = ctx.nb.cells[index];
    const source = _text(cell.source);
    if (cell.cell_type === "code") {
      return `<pre><code>${escapeHtml(source)}</code></pre>`;
    }
    return _markdown(ctx, cell, index, source, true);
  });
  return `<aside class="notes">${parts.join("\n")}</aside>`;
}

function _renderSlide(ctx: _Context, slide: PlanSlide, number: number): string {
  ctx.fragment = 0;
  const body: string[] = [];
  for (const item of slide.items) {
    if (item.kind === "cell") {
      body.push(_renderCell(ctx, item.index));
      continue;
    }
    const step = ctx.fragment++;
    const inner = item.items.map((c) => _renderCell(ctx, c.index)).join("");
    body.push(
      `<div class="fragment" data-fragment-index="${step}">${inner}${
        _renderNotes(ctx, item.notes)
      }</div>`,
    );
  }
  const cells = slide.items.flatMap((i) =>
    i.kind === "cell" ? [i.index] : i.items.map((c) => c.index)
  );
  return `<section data-slide-number="${number}" data-cells="${
    cells.map((i) => i + 1).join(" ")
  }"><div class="slide-body">${body.join("")}</div>${_renderNotes(ctx, slide.notes)}</section>`;
}

/**
 * The lesson's title: the first heading of the first markdown cell that has one (skipped and
 * notes cells included, as a heading is a heading), else the file name without `.ipynb`.
 *
 * @param nb The notebook.
 * @param name The file's name.
 * @returns The title as markdown text.
 *
 * @example Title from the first heading
 * ```ts
 * import { deckTitle } from "./_slides.ts";
 * const nb = { cells: [{ cell_type: "markdown" as const, source: "# 04 · L1 and L2" }] };
 * if (deckTitle(nb, "04_l1_l2.ipynb") !== "04 · L1 and L2") throw new Error("title");
 * if (deckTitle({ cells: [] }, "04_l1_l2.ipynb") !== "04_l1_l2") throw new Error("fallback");
 * ```
 */
export function deckTitle(nb: DeckNotebook, name: string): string {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "markdown") continue;
    const heading = firstHeading(_text(cell.source));
    if (heading) return heading.text;
  }
  return basename(name).replace(/\.ipynb$/, "");
}

/** Counts slides the way reveal.js does: every vertical slide, plus the title slide. */
export function countSlides(plan: DeckPlan): number {
  return 1 + plan.slides.reduce((n, stack) => n + stack.length, 0);
}

const CSP = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  "img-src data:",
  "font-src data:",
  // the speaker view (press S) shows this same file in frames
  "frame-src 'self' file:",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/**
 * Renders an executed notebook as one self-contained reveal.js deck.
 *
 * @param nb The notebook (see {@linkcode readNotebook}).
 * @param options Its name, the assets to inline, where images live.
 * @returns The HTML, the title, how many slides and charts it has, and any warnings.
 *
 * @example A two-slide deck
 * ```ts
 * import { loadDeckAssets, renderDeck } from "./_slides.ts";
 * const nb = {
 *   cells: [
 *     { cell_type: "markdown" as const, source: "# Demo", metadata: { slideshow: { slide_type: "slide" } } },
 *     { cell_type: "markdown" as const, source: "Speak slowly.", metadata: { slideshow: { slide_type: "notes" } } },
 *     { cell_type: "code" as const, source: "1 + 1", metadata: {}, outputs: [{ output_type: "execute_result", data: { "text/plain": "2" } }] },
 *   ],
 * };
 * const deck = renderDeck(nb, { name: "demo.ipynb", assets: await loadDeckAssets() });
 * if (deck.slideCount !== 2 || deck.title !== "Demo") throw new Error(`${deck.slideCount} ${deck.title}`);
 * if (!deck.html.includes('<aside class="notes"><p>Speak slowly.</p>')) throw new Error("notes");
 * ```
 */
export function renderDeck(nb: DeckNotebook, options: RenderOptions): Deck {
  const ctx: _Context = {
    nb,
    name: options.name,
    language: _notebookLanguage(nb),
    imageDir: options.imageDir ?? join(ROOT, "notebooks"),
    warnings: [],
    chartCount: 0,
    fragment: 0,
  };
  const plan = planDeck(nb);
  const title = deckTitle(nb, options.name);
  const titleHtml = renderInlineMarkdown(title, {
    onWarning: (w) => _warn(ctx, "title", w.message),
  });
  const course = options.courseTitle ?? COURSE_TITLE;
  const lessonNumber = /^(\d+)_/.exec(basename(options.name))?.[1];
  const meta = [lessonNumber ? `Lesson ${lessonNumber}` : "", basename(options.name)]
    .filter((s) => s).map(escapeHtml).join(" · ");
  const sections: string[] = [
    `<section class="title-slide center" data-slide-number="1" data-state="on-title" ` +
    `data-background-color="var(--course-title-bg, #12355b)">` +
    `<p class="course-name">${escapeHtml(course)}</p><h1 class="deck-title">${titleHtml}</h1>` +
    `<p class="deck-meta">${meta}</p>${_renderNotes(ctx, plan.titleNotes)}</section>`,
  ];
  let number = 1;
  plan.slides.forEach((stack) => {
    const rendered = stack.map((slide) => _renderSlide(ctx, slide, ++number));
    sections.push(rendered.length === 1 ? rendered[0] : `<section>${rendered.join("")}</section>`);
  });
  const { assets } = options;
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="deno task slides">
<meta name="deck-slides" content="${countSlides(plan)}">
<title>${escapeHtml(_plainTitle(title))} — ${escapeHtml(course)}</title>
<style>${assets.revealCss}</style>
<style>${assets.katexCss}</style>
<style>${assets.highlightCss}</style>
<style>${assets.themeCss}</style>
</head>
<body>
<div class="reveal"><div class="slides">
${sections.join("\n")}
</div></div>
<script>${assets.revealJs}</script>
<script>${assets.notesJs}</script>
<script>${assets.clientJs}</script>
</body>
</html>
`;
  return {
    html,
    title,
    slideCount: countSlides(plan),
    chartCount: ctx.chartCount,
    warnings: ctx.warnings,
  };
}

function _plainTitle(title: string): string {
  return title.replace(/\$([^$]+)\$/g, "$1").replace(/[*_`]/g, "");
}

function _notebookLanguage(nb: DeckNotebook): string {
  const name = nb.metadata?.language_info?.name ?? nb.metadata?.kernelspec?.language ??
    "typescript";
  return name.toLowerCase();
}
