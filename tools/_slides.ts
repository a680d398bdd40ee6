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
 * folded too: their ✓ lines stay on the slide, as a compact list of claims (a check's detail in
 * parentheses smaller). Code that scaling a crowded slide would make smaller than 16 px is
 * folded by the deck's script, longest first.
 *
 * A title slide made from the notebook's first heading comes first. Markdown and math are
 * rendered to HTML here (KaTeX); code is highlighted; a chart is shown from the SVG in its
 * output bundle; several charts from one cell share one place on the slide and appear one after
 * the other; progress bars show their final state only; ANSI colour codes are removed; very
 * long text outputs are cut in the middle; a `lib.tableView` chart shows as an HTML table
 * (`_deck_tables.ts`). When a slide holds more than fits 1280×720, the deck shrinks its charts
 * while their text stays at least 16 px, then moves its last charts, tables and images to
 * continuation slides, and scales a slide down only as a last resort (see `_deck_client.js`).
 *
 * This file makes the HTML. Which cell goes on which slide, and how a code cell is shown, is
 * decided in `_deck_plan.ts`; what is inlined is loaded by `_deck_assets.ts`; notebooks are
 * read and checked by `_notebook.ts`.
 *
 * @module
 */
import { basename, extname, join, resolve } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import {
  escapeHtml,
  highlightCode,
  renderInlineMarkdown,
  renderMarkdown,
  type RenderWarning,
} from "./_markdown.ts";
import { ROOT, stripAnsi } from "./_jupyter.ts";
import {
  isVegaLiteMime,
  joinText,
  type Notebook,
  type NotebookCell,
  SVG_MIME,
} from "./_notebook.ts";
import { base64, type DeckAssets } from "./_deck_assets.ts";
import { tableHtml } from "./_deck_tables.ts";
import { codeDisplay, countSlides, deckTitle, planDeck, type PlanSlide } from "./_deck_plan.ts";

/** The course's name, shown on every title slide and on the index page. */
export const COURSE_TITLE = "Improving deep neural networks";

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
  nb: Notebook;
  name: string;
  language: string;
  imageDir: string;
  warnings: string[];
  chartCount: number;
  /** Next `data-fragment-index` on the slide being rendered. */
  fragment: number;
  /** The deck's title: a shown cell's heading that repeats it is renamed (see _untitled). */
  title?: string;
}

/**
 * The title slide already shows the lesson's title: a cell whose first line is that same
 * heading (`# 04 · L1 and L2`, usually the lesson's first cell) shows "In this lesson" instead,
 * so the slide after the title slide does not repeat it.
 */
function _untitled(ctx: _Context, source: string): string {
  if (ctx.title === undefined) return source;
  const m = /^\s*#\s+(.+?)\s*#*\s*(\n|$)/.exec(source);
  if (!m || m[1].trim() !== ctx.title.trim()) return source;
  return "## In this lesson" + source.slice(m[0].length - m[2].length);
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

function _imageResolver(ctx: _Context, cell: NotebookCell): (href: string) => string | undefined {
  return (href: string) => {
    const attachment = /^attachment:(.+)$/.exec(href);
    if (attachment) {
      const bundle = cell.attachments?.[decodeURIComponent(attachment[1])];
      if (!bundle) return undefined;
      const mime = Object.keys(bundle).find((m) => m.startsWith("image/"));
      return mime ? `data:${mime};base64,${joinText(bundle[mime]).replace(/\s+/g, "")}` : undefined;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("//")) return undefined;
    const path = resolve(ctx.imageDir, decodeURIComponent(href.split(/[?#]/)[0]));
    const type = IMAGE_TYPES[extname(path).toLowerCase()];
    if (!type || !existsSync(path)) return undefined;
    return `data:${type};base64,${base64(readFileSync(path))}`;
  };
}

function _markdown(ctx: _Context, cell: NotebookCell, index: number, text: string, notes = false) {
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

/**
 * A check line (`✓ claim (detail)` as `lib.check` prints it, or `✗ …`) split into its mark,
 * its claim and the parenthesised detail at its end (numbers, mostly), or null for another line.
 */
export function parseCheckLine(
  line: string,
): { pass: boolean; claim: string; detail?: string } | null {
  const m = /^\s*(✓|✗|✘)\s*(.*?)\s*$/.exec(line);
  if (!m) return null;
  const pass = m[1] === "✓";
  const text = m[2];
  if (!text.endsWith(")")) return { pass, claim: text };
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    if (text[i] === ")") depth++;
    else if (text[i] === "(" && --depth === 0) {
      const claim = text.slice(0, i).trimEnd();
      // "f(x)" at the end of a claim is not a detail: a detail follows a space
      if (i === 0 || text[i - 1] !== " " || claim === "") break;
      return { pass, claim, detail: text.slice(i + 1, -1) };
    }
  }
  return { pass, claim: text };
}

/**
 * A stdout stream as HTML: runs of check lines become a compact list in the slide's own type (a
 * ✓ or ✗ mark, the claim, its detail smaller), other lines stay console text.
 */
function _streamHtml(text: string, cls: string): string {
  const lines = _clipLines(text).split("\n");
  const parts: string[] = [];
  let plain: string[] = [];
  let checks: string[] = [];
  const flushPlain = () => {
    if (plain.some((l) => l.trim() !== "")) parts.push(_preText(plain.join("\n"), cls));
    plain = [];
  };
  const flushChecks = () => {
    if (checks.length > 0) parts.push(`<ul class="checks">${checks.join("")}</ul>`);
    checks = [];
  };
  for (const line of lines) {
    const check = parseCheckLine(line);
    if (!check) {
      flushChecks();
      plain.push(line);
      continue;
    }
    flushPlain();
    const detail = check.detail
      ? ` <span class="check-detail">(${escapeHtml(check.detail)})</span>`
      : "";
    checks.push(
      `<li class="${check.pass ? "check-pass" : "check-fail"}"><span class="check-mark">${
        check.pass ? "✓" : "✗"
      }</span> <span class="check-claim">${escapeHtml(check.claim)}</span>${detail}</li>`,
    );
  }
  flushChecks();
  flushPlain();
  return parts.join("");
}

/** A progress bar output (lib's progress line): its final fraction and text. */
function _progress(data: Record<string, unknown>): { fraction: number; text: string } | null {
  const html = joinText(data["text/html"] as string | string[] | undefined);
  const m = /<progress\b[^>]*\bvalue="([\d.]+)"[^>]*\bmax="([\d.]+)"/.exec(html) ??
    /<progress\b[^>]*\bmax="([\d.]+)"[^>]*\bvalue="([\d.]+)"/.exec(html);
  if (!m) return null;
  const [value, max] = html.indexOf("value=") < html.indexOf("max=")
    ? [Number(m[1]), Number(m[2])]
    : [Number(m[2]), Number(m[1])];
  const plain = _terminalText(joinText(data["text/plain"] as string | string[] | undefined));
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
  const plain = _terminalText(joinText(data["text/plain"] as string | string[] | undefined));
  // a tableView chart shows as an HTML table (its text stays the slide's size), not its SVG
  const table = tableHtml(data);
  if (table !== undefined) {
    return { html: table, visual: true };
  }
  if (data[SVG_MIME] !== undefined) {
    const label = plain.trim() || "chart";
    const svg = _inlineSvg(joinText(data[SVG_MIME] as string | string[]), label);
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
    const b64 = joinText(data[image] as string | string[]).replace(/\s+/g, "");
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
    const { html, removed } = _sanitizeHtml(joinText(data["text/html"] as string | string[]));
    if (removed.length > 0) {
      _warn(ctx, where, `removed ${removed.join(", ")} from an HTML output (decks are offline)`);
    }
    return { html: `<div class="output-html">${html}</div>`, visual: false };
  }
  if (data["text/markdown"] !== undefined) {
    return {
      html: `<div class="output-markdown">${
        renderMarkdown(joinText(data["text/markdown"] as string | string[]), {
          defaultLanguage: ctx.language,
          onWarning: (w) => _warn(ctx, where, w.message),
        })
      }</div>`,
      visual: false,
    };
  }
  if (data["text/latex"] !== undefined) {
    const tex = joinText(data["text/latex"] as string | string[]).trim()
      .replace(/^\$\$([\s\S]*)\$\$$/, "$1").replace(/^\$([\s\S]*)\$$/, "$1");
    return {
      html: `<div class="output-markdown">${
        renderMarkdown(`$$\n${tex}\n$$`, { onWarning: (w) => _warn(ctx, where, w.message) })
      }</div>`,
      visual: false,
    };
  }
  if (Object.keys(data).some(isVegaLiteMime)) {
    _warn(ctx, where, "a Vega-Lite chart has no image/svg+xml rendering; its text is shown");
  }
  if (data["text/plain"] !== undefined) {
    return { html: _preText(plain, "output-text"), visual: false };
  }
  return null;
}

/** A cell's outputs rendered, progress bars collapsed, streams merged. */
function _renderOutputs(ctx: _Context, cell: NotebookCell, index: number): _Rendered[] {
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
          html: stream.name === "stderr"
            ? _preText(text, "output-stream output-stderr")
            : _streamHtml(text, "output-stream output-stdout"),
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
      stream.text += joinText(output.text);
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

function _fold(summary: string, html: string): string {
  return `<details class="fold"><summary>${escapeHtml(summary)}</summary>${html}</details>`;
}

function _renderCodeCell(ctx: _Context, cell: NotebookCell, index: number): string {
  const display = codeDisplay(cell);
  const source = joinText(cell.source).replace(/\s+$/, "");
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
    const source = _untitled(ctx, joinText(cell.source));
    if (!source.trim()) return "";
    const html = _markdown(ctx, cell, index, source);
    return `<div class="cell markdown-cell" ${attrs}>${html}</div>`;
  }
  if (cell.cell_type === "raw") {
    const format = String(cell.metadata?.raw_mimetype ?? cell.metadata?.format ?? "");
    if (format === "text/html") {
      const { html, removed } = _sanitizeHtml(joinText(cell.source));
      if (removed.length > 0) {
        _warn(ctx, `cell ${index + 1}`, `removed ${removed.join(", ")} from a raw HTML cell`);
      }
      return `<div class="cell raw-cell" ${attrs}>${html}</div>`;
    }
    if (format === "text/markdown") {
      return `<div class="cell markdown-cell" ${attrs}>${
        _markdown(ctx, cell, index, joinText(cell.source))
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
    const source = joinText(cell.source);
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
 * @param nb The notebook (read with `readNotebook` of `_notebook.ts`).
 * @param options Its name, the assets to inline, where images live.
 * @returns The HTML, the title, how many slides and charts it has, and any warnings.
 *
 * @example A two-slide deck
 * ```ts
 * import { renderDeck } from "./_slides.ts";
 * import { loadDeckAssets } from "./_deck_assets.ts";
 * const nb = {
 *   metadata: {},
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
export function renderDeck(nb: Notebook, options: RenderOptions): Deck {
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
  ctx.title = title;
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

function _notebookLanguage(nb: Notebook): string {
  const name = nb.metadata?.language_info?.name ?? nb.metadata?.kernelspec?.language ??
    "typescript";
  return name.toLowerCase();
}
