/**
 * The decks step shared by `deno task slides` and `deno task course`: writes one deck per
 * executed notebook into slides/ (never a half-written file: each deck is written beside its
 * place and renamed), an index page linking every lesson's deck in course order, and a PDF
 * handout per deck printed by headless Chromium from the deck's `?print-pdf` view.
 *
 * @module
 */
import { basename, join, relative } from "node:path";
import { existsSync } from "node:fs";
import { BUILD_DIR, listNotebooks, NOTEBOOKS_DIR, ROOT } from "./_jupyter.ts";
import { COURSE_TITLE, renderDeck } from "./_slides.ts";
import { loadDeckAssets, SLIDES_DIR } from "./_deck_assets.ts";
import { deckTitle, slidesWithoutNotes } from "./_deck_plan.ts";
import { readNotebook } from "./_notebook.ts";
import { escapeHtml, renderInlineMarkdown } from "./_markdown.ts";
import { Browser, CHROMIUM_HINT, findChromium } from "./_chromium.ts";
import { prepareSlideCharts } from "./_deck_charts.ts";

/** A deck written by {@linkcode writeDeck}. */
export interface DeckResult {
  /** The executed notebook it came from. */
  notebook: string;
  /** The deck's HTML file. */
  deckPath: string;
  title: string;
  slideCount: number;
  chartCount: number;
  warnings: string[];
  /** Horizontal slides without speaker notes (numbered as in the deck). */
  withoutNotes: number[];
  /** Charts re-rendered for the slide (fonts of at least 18 px, panels filling the box). */
  slideCharts: number;
  /** Charts too large for a slide even with their panels at the smallest size (`cell N: title`). */
  unfitCharts: string[];
  /** What vega reported while re-rendering the charts (`cell N: title: warning`). */
  chartWarnings: string[];
}

/** A path for messages: relative to the project when inside it. */
export function displayPath(path: string): string {
  const rel = relative(ROOT, path);
  return rel.startsWith("..") ? path : rel;
}

/** The deck file for a notebook, e.g. slides/03_overfitting.html. */
export function deckPathFor(notebook: string, outDir = SLIDES_DIR): string {
  return join(outDir, basename(notebook).replace(/\.ipynb$/, ".html"));
}

/**
 * Writes bytes or text to a file through a temporary file in the same folder and a rename, so
 * the file is either the old one or the complete new one, never a part.
 *
 * @param path The file.
 * @param data Its new contents.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = join(path, "..");
  await Deno.mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    if (typeof data === "string") await Deno.writeTextFile(temp, data);
    else await Deno.writeFile(temp, data);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/**
 * Exports one executed notebook as a deck.
 *
 * When the notebook cannot be read or rendered, no deck is left for it: the error names the
 * file and what is wrong, and a deck from an earlier build is removed too (so slides/ never
 * holds a deck that does not match its lesson).
 *
 * @param notebook The executed `.ipynb`.
 * @param options.outDir Where the deck goes. @default SLIDES_DIR
 * @param options.imageDir Where relative image paths in markdown are looked up.
 *   @default notebooks/
 * @param options.slideCharts Re-render the notebook's Vega-Lite charts for the slide first
 *   (`prepareSlideCharts` of `_deck_charts.ts`: fonts of at least 18 px, panels filling the
 *   slide), instead of showing the SVGs the notebook holds. @default true
 * @returns The deck's path, title, slide and chart counts, warnings, and the charts that did not
 *   fit the slide.
 * @throws NotebookFormatError for a malformed notebook.
 *
 * @example Export a tiny notebook
 * ```ts
 * import { writeDeck } from "./_decks.ts";
 * const dir = await Deno.makeTempDir();
 * const nb = { cells: [{ cell_type: "markdown", source: "# Hello", metadata: {} }] };
 * await Deno.writeTextFile(`${dir}/01_hello.ipynb`, JSON.stringify(nb));
 * const deck = await writeDeck(`${dir}/01_hello.ipynb`, { outDir: dir });
 * if (deck.title !== "Hello" || !deck.deckPath.endsWith("01_hello.html")) throw new Error(deck.deckPath);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeDeck(
  notebook: string,
  options: { outDir?: string; imageDir?: string; slideCharts?: boolean } = {},
): Promise<DeckResult> {
  const deckPath = deckPathFor(notebook, options.outDir);
  try {
    const nb = await readNotebook(notebook, displayPath(notebook));
    const charts = options.slideCharts === false
      ? { notebook: nb, charts: 0, unfit: [], warnings: [] }
      : await prepareSlideCharts(nb);
    const deck = renderDeck(charts.notebook, {
      name: basename(notebook),
      assets: await loadDeckAssets(),
      imageDir: options.imageDir,
    });
    await writeFileAtomic(deckPath, deck.html);
    return {
      notebook,
      deckPath,
      title: deck.title,
      slideCount: deck.slideCount,
      chartCount: deck.chartCount,
      warnings: deck.warnings,
      withoutNotes: slidesWithoutNotes(nb),
      slideCharts: charts.charts,
      unfitCharts: charts.unfit,
      chartWarnings: charts.warnings,
    };
  } catch (error) {
    await Deno.remove(deckPath).catch(() => {});
    throw error;
  }
}

/** One row of the index page. */
export interface IndexEntry {
  /** The lesson's file name, e.g. 03_overfitting.ipynb. */
  name: string;
  /** Its title (markdown). */
  title: string;
  /** The deck's file name inside the slides folder, when it exists. */
  deck?: string;
  /** The PDF handout's file name, when it exists. */
  pdf?: string;
  /** The PDF handout with notes, when it exists. */
  notesPdf?: string;
  /** How many slides the deck has, when known. */
  slides?: number;
}

/**
 * The index page: every lesson in course order with links to its deck and PDF handout, and how
 * to present. Self-contained like the decks.
 *
 * @param entries The lessons in course order.
 * @param options.courseTitle The page's heading. @default COURSE_TITLE
 * @returns The HTML.
 *
 * @example Two lessons, one built
 * ```ts
 * import { renderIndex } from "./_decks.ts";
 * const html = renderIndex([
 *   { name: "03_a.ipynb", title: "03 · A", deck: "03_a.html", slides: 9 },
 *   { name: "04_b.ipynb", title: "04 · B" },
 * ]);
 * if (!html.includes('href="03_a.html"') || html.includes('href="04_b.html"')) throw new Error(html);
 * ```
 */
export function renderIndex(
  entries: IndexEntry[],
  options: { courseTitle?: string } = {},
): string {
  const course = options.courseTitle ?? COURSE_TITLE;
  const rows = entries.map((e) => {
    const title = renderInlineMarkdown(e.title);
    const deck = e.deck
      ? `<a class="deck" href="${escapeHtml(e.deck)}">${title}</a>`
      : `<span class="missing">${title}</span>`;
    const pdf = [
      e.pdf ? `<a href="${escapeHtml(e.pdf)}">PDF handout</a>` : "",
      e.notesPdf ? `<a href="${escapeHtml(e.notesPdf)}">with speaker notes</a>` : "",
    ].filter((s) => s).join(", ");
    const slides = e.slides !== undefined ? `${e.slides} slides` : "";
    const note = e.deck ? "" : "not built yet: run <code>deno task slides</code>";
    return `<li><div class="title">${deck}</div><div class="meta">${
      [slides, pdf, note].filter((s) => s).join(" · ")
    }</div></li>`;
  }).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(course)} — slides</title>
<style>
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "Liberation Sans", "DejaVu Sans", Arial, sans-serif; color: #1c2430; background: #fff; }
header { background: #12355b; color: #fff; padding: 40px 8vw 32px; }
header p { margin: 0 0 8px; letter-spacing: 0.12em; text-transform: uppercase; opacity: 0.8; }
h1 { margin: 0; font-size: 2.2rem; font-weight: 650; }
main { padding: 24px 8vw 48px; max-width: 60rem; }
ol { list-style: none; padding: 0; margin: 0; }
li { padding: 14px 0; border-bottom: 1px solid #d5dce4; }
.title { font-size: 1.25rem; }
a { color: #0a6c8f; }
a.deck { font-weight: 600; text-decoration: none; }
a.deck:hover { text-decoration: underline; }
.missing { color: #5b6775; }
.meta { margin-top: 4px; color: #5b6775; font-size: 0.95rem; }
.help { margin-top: 28px; color: #5b6775; line-height: 1.5; }
kbd { border: 1px solid #b7c1cc; border-radius: 3px; padding: 0 4px; font-size: 0.9em; }
</style>
</head>
<body>
<header><p>Slides</p><h1>${escapeHtml(course)}</h1></header>
<main>
<ol>
${rows}
</ol>
<div class="help">
<p>Each deck is one file that works offline. Keys: <kbd>→</kbd>/<kbd>Space</kbd> next
step or slide (every slide in order, the vertical ones included), <kbd>←</kbd> back,
<kbd>S</kbd> speaker view (notes, timer, next slide),
<kbd>F</kbd> full screen, <kbd>Esc</kbd> overview. Click "code" on a slide to unfold
folded code; click a chart, table or image to see it enlarged (a click or <kbd>Esc</kbd> closes
it).</p>
</div>
</main>
</body>
</html>
`;
}

/** How many slides a deck file says it has (its `deck-slides` meta tag). */
function _slidesOf(deckPath: string): number | undefined {
  try {
    const head = Deno.readTextFileSync(deckPath).slice(0, 4000);
    const m = /<meta name="deck-slides" content="(\d+)">/.exec(head);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the index page (slides/index.html) for every lesson in notebooks/, linking the decks
 * and PDFs present in the slides folder.
 *
 * @param options.outDir The slides folder. @default SLIDES_DIR
 * @param options.notebooksDir Where the lessons are. @default NOTEBOOKS_DIR
 * @param options.slides Slides per deck file name as the browser laid them out (continuation
 *   slides included), e.g. from the PDF handouts; other decks show the count from the notebook.
 * @returns The index page's path.
 */
export async function writeIndex(
  options: { outDir?: string; notebooksDir?: string; slides?: Map<string, number> } = {},
): Promise<string> {
  const outDir = options.outDir ?? SLIDES_DIR;
  const entries: IndexEntry[] = [];
  for (const path of listNotebooks([], { dir: options.notebooksDir ?? NOTEBOOKS_DIR })) {
    const name = basename(path);
    let title = name.replace(/\.ipynb$/, "");
    try {
      title = deckTitle(await readNotebook(path), name);
    } catch {
      // a malformed lesson still gets its row, under its file name
    }
    const deckPath = deckPathFor(path, outDir);
    const pdfPath = deckPath.replace(/\.html$/, ".pdf");
    const notesPdfPath = notesPdfPathFor(deckPath);
    entries.push({
      name,
      title,
      deck: existsSync(deckPath) ? basename(deckPath) : undefined,
      pdf: existsSync(pdfPath) ? basename(pdfPath) : undefined,
      notesPdf: existsSync(notesPdfPath) ? basename(notesPdfPath) : undefined,
      slides: existsSync(deckPath)
        ? options.slides?.get(basename(deckPath)) ?? _slidesOf(deckPath)
        : undefined,
    });
  }
  const indexPath = join(outDir, "index.html");
  await writeFileAtomic(indexPath, renderIndex(entries));
  return indexPath;
}

/** Slides scaled below this to fit 1280×720 are reported as crowded. */
export const CROWDED_ZOOM = 0.7;

/** A printed handout, or why it could not be printed. */
export interface PdfResult {
  deckPath: string;
  pdfPath?: string;
  pages?: number;
  /** The handout with the speaker notes on a page after each slide, when printed. */
  notesPdfPath?: string;
  notesPages?: number;
  /** Slides that do not fit their page even scaled down (1-based, as in the deck). */
  overflowing: number[];
  /** Slides scaled below {@linkcode CROWDED_ZOOM} to fit, with their scale. */
  crowded: { slide: number; zoom: number }[];
  /** Continuation slides the deck made for charts, tables and images that did not fit. */
  continued?: number;
  error?: string;
}

/** The handout with notes for a deck: NN_name-notes.pdf beside NN_name.pdf. */
export function notesPdfPathFor(deckPath: string): string {
  return deckPath.replace(/\.html$/, "-notes.pdf");
}

/** Pages in a PDF file made by Chromium. */
function _pdfPages(pdf: Uint8Array): number | undefined {
  return new TextDecoder("latin1").decode(pdf).match(/\/Type\s*\/Page[^s]/g)?.length;
}

/**
 * Prints PDF handouts of decks with headless Chromium: each deck opened with `?print-pdf`,
 * one page per slide in its final state (every step shown); and, unless `notes` is false, a
 * second handout `NN_name-notes.pdf` with each slide's speaker notes on a page after it
 * (`?print-pdf&showNotes=separate-page`).
 *
 * @param deckPaths The decks.
 * @param options.executable The browser. @default findChromium()
 * @param options.timeout Milliseconds a deck may take to lay out. @default 120000
 * @param options.notes Print the handout with notes too. @default true
 * @returns One result per deck; undefined when no Chromium is found.
 */
export async function printHandouts(
  deckPaths: string[],
  options: { executable?: string; timeout?: number; notes?: boolean } = {},
): Promise<PdfResult[] | undefined> {
  const executable = options.executable ?? findChromium();
  if (!executable) return undefined;
  const browser = await Browser.launch({ executable });
  const timeout = options.timeout ?? 120_000;
  const results: PdfResult[] = [];
  try {
    for (const deckPath of deckPaths) {
      const pdfPath = deckPath.replace(/\.html$/, ".pdf");
      const notesPdfPath = notesPdfPathFor(deckPath);
      const page = await browser.newPage();
      try {
        const url = new URL(`file://${deckPath}`);
        url.search = "?print-pdf";
        await page.goto(url.href, timeout);
        await page.waitFor("document.documentElement.dataset.pdfReady", timeout);
        const fit = await page.evaluate<{ slide: number; zoom: number; over: boolean }[]>(
          `[...document.querySelectorAll(".slide-body[data-zoom]")].map((b) => ({
            slide: Number(b.closest("[data-slide-number]")?.dataset.slideNumber ?? 0),
            zoom: Number(b.dataset.zoom),
            over: b.classList.contains("overflowing"),
          }))`,
        );
        const overflowing = [...new Set(fit.filter((f) => f.over).map((f) => f.slide))];
        const crowded = fit.filter((f) => !f.over && f.zoom < CROWDED_ZOOM)
          .filter((f, i, all) => all.findIndex((g) => g.slide === f.slide) === i)
          .map(({ slide, zoom }) => ({ slide, zoom }));
        const continued = await page.evaluate<number>(
          "document.querySelectorAll('.reveal .slides section.continued').length",
        );
        const pdf = await page.printPdf();
        await writeFileAtomic(pdfPath, pdf);
        const result: PdfResult = {
          deckPath,
          pdfPath,
          pages: _pdfPages(pdf),
          overflowing,
          crowded,
          continued,
        };
        if (options.notes !== false) {
          url.search = "?print-pdf&showNotes=separate-page";
          await page.goto(url.href, timeout);
          await page.waitFor("document.documentElement.dataset.pdfReady", timeout);
          const notesPdf = await page.printPdf();
          await writeFileAtomic(notesPdfPath, notesPdf);
          result.notesPdfPath = notesPdfPath;
          result.notesPages = _pdfPages(notesPdf);
        }
        results.push(result);
      } catch (error) {
        await Deno.remove(pdfPath).catch(() => {});
        await Deno.remove(notesPdfPath).catch(() => {});
        results.push({ deckPath, overflowing: [], crowded: [], error: (error as Error).message });
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
  }
  return results;
}

/**
 * The decks step: a deck per executed notebook, the index page, and PDF handouts when
 * Chromium is available. Reports as it goes and says plainly what failed.
 *
 * @param notebooks Executed notebooks (build/notebooks/NN_name.ipynb).
 * @param options.outDir Where decks go. @default SLIDES_DIR
 * @param options.pdf Print PDF handouts. @default true
 * @param options.log Where to report. @default console.log
 * @returns Whether every deck (and every PDF attempted) was written.
 */
export async function buildDecks(
  notebooks: string[],
  options: { outDir?: string; pdf?: boolean; log?: (line: string) => void } = {},
): Promise<{ ok: boolean; decks: DeckResult[] }> {
  const log = options.log ?? console.log;
  const outDir = options.outDir ?? SLIDES_DIR;
  const decks: DeckResult[] = [];
  let ok = true;
  log(`Decks from ${displayPath(BUILD_DIR)}/ into ${displayPath(outDir)}/`);
  const width = Math.max(0, ...notebooks.map((n) => basename(deckPathFor(n)).length));
  for (const notebook of notebooks) {
    try {
      const deck = await writeDeck(notebook, { outDir });
      decks.push(deck);
      log(
        `ok   ${basename(deck.deckPath).padEnd(width)}  ${
          String(deck.slideCount).padStart(3)
        } slides, ${String(deck.chartCount).padStart(2)} charts`,
      );
      for (const warning of deck.warnings) log(`     warning: ${warning}`);
      for (const chart of deck.unfitCharts) {
        log(`     note: a chart does not fit the slide even at its smallest: ${chart}`);
      }
      for (const warning of deck.chartWarnings) log(`     note: vega: ${warning}`);
      if (deck.withoutNotes.length > 0) {
        const n = deck.withoutNotes.length;
        log(
          `     note: slide${n === 1 ? "" : "s"} ${deck.withoutNotes.join(", ")} ${
            n === 1 ? "has" : "have"
          } no speaker notes (a \`notes\` cell after the slide's heading)`,
        );
      }
    } catch (error) {
      ok = false;
      log(`FAIL ${basename(deckPathFor(notebook)).padEnd(width)}  no deck written`);
      log(`     ${(error as Error).message}`);
    }
  }
  const index = await writeIndex({ outDir });
  log(`index: ${displayPath(index)}`);
  if (options.pdf === false || decks.length === 0) return { ok, decks };
  const executable = findChromium();
  if (!executable) {
    log(`PDF handouts skipped: Chromium was not found.\n${CHROMIUM_HINT}`);
    return { ok, decks };
  }
  let printed: PdfResult[] | undefined;
  try {
    printed = await printHandouts(decks.map((d) => d.deckPath), { executable });
  } catch (error) {
    log(`PDF handouts failed: ${(error as Error).message}`);
    return { ok: false, decks };
  }
  for (const result of printed ?? []) {
    const name = basename(result.pdfPath ?? result.deckPath.replace(/\.html$/, ".pdf"));
    if (result.error) {
      ok = false;
      log(`FAIL ${name.padEnd(width)}  ${result.error}`);
      continue;
    }
    const continued = result.continued
      ? ` (${result.continued} continuation slide${result.continued === 1 ? "" : "s"})`
      : "";
    log(`ok   ${name.padEnd(width)}  ${result.pages ?? "?"} pages${continued}`);
    if (result.notesPdfPath) {
      log(`ok   ${basename(result.notesPdfPath).padEnd(width)}  ${result.notesPages ?? "?"} pages`);
    }
    if (result.overflowing.length > 0) {
      log(
        `     warning: slide${result.overflowing.length === 1 ? "" : "s"} ${
          result.overflowing.join(", ")
        } do not fit 1280×720 even at half size: split ${
          result.overflowing.length === 1 ? "it" : "them"
        } in the notebook (a subslide cell)`,
      );
    }
    if (result.crowded.length > 0) {
      log(
        `     note: slide${result.crowded.length === 1 ? "" : "s"} ${
          result.crowded.map((c) => `${c.slide} (${Math.round(100 * c.zoom)} %)`).join(", ")
        } scaled below ${Math.round(100 * CROWDED_ZOOM)} % to fit; a subslide cell would give ${
          result.crowded.length === 1 ? "it" : "them"
        } room`,
      );
    }
  }
  const laidOut = new Map<string, number>();
  for (const result of printed ?? []) {
    if (result.pages !== undefined && !result.error) {
      laidOut.set(basename(result.deckPath), result.pages);
    }
  }
  await writeIndex({ outDir, slides: laidOut });
  return { ok, decks };
}
