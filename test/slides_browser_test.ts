/**
 * The decks in a real browser: every lesson's deck is built from its executed notebook (the
 * lesson runs first if its executed copy is missing or stale) and opened from disk in Debian's
 * headless Chromium with the network switched off. The test checks that keys work as soon as
 * reveal.js starts (slides are fitted in the background), counts the slides (the notebook's, plus
 * the continuation slides the deck made for what did not fit, each right after its slide), fails
 * on any console error, page error or request leaving the file, presses → from the first slide
 * and checks it visits every slide in order, checks every chart is a non-empty SVG, and FAILS
 * when any slide, with all its steps shown, has chart, table or code text smaller than
 * READABLE_PX = 16 pixels of the 1280×720 slide (its scaling included). It also checks that
 * fonts load, that a screenshot of a chart slide is not blank, that a click on a chart shows it
 * enlarged (Escape closes it, → closes it and moves on), that the speaker view opens from
 * file:// with the slide's notes, and that the PDF handout has a page per slide in its final
 * state (and the handout with notes a notes page more per slide with notes).
 *
 * `SLIDES_TEST_LESSONS="02 10"` limits the test to those lessons (a maintainer's shortcut).
 *
 * Chromium must be installed (`.ci/run` installs Debian's `chromium`); without it this test
 * fails and says what to install.
 */
import assert from "node:assert/strict";
import { basename } from "node:path";
import { Browser, CHROMIUM_HINT, findChromium, Page } from "../tools/_chromium.ts";
import { buildDecks, type DeckResult, printHandouts } from "../tools/_decks.ts";
import { listNotebooks } from "../tools/_jupyter.ts";
import { codeDisplay, slideType } from "../tools/_deck_plan.ts";
import { tableHtml } from "../tools/_deck_tables.ts";
import { type Notebook, readNotebook } from "../tools/_notebook.ts";
import { executedPath, runLessons } from "../tools/course.ts";
import { staleReason } from "../tools/slides.ts";
import { decodePng, pixelStats } from "./_png.ts";
import { scratchDir } from "../tools/_scratch.ts";

/** Slides as counted from the notebook's metadata: the title slide, then every slide start. */
function expectedSlides(nb: Notebook): number {
  const shown = nb.cells.filter((c) =>
    !["skip", "notes"].includes(slideType(c)) && !(c.metadata?.tags ?? []).includes("remove-cell")
  );
  return 1 + shown.filter((c, i) => i === 0 || ["slide", "subslide"].includes(slideType(c)))
    .length;
}

/** SVG outputs of the cells a deck shows (a tableView chart shows as an HTML table instead). */
function expectedCharts(nb: Notebook): number {
  return nb.cells.filter((c) =>
    c.cell_type === "code" && !["skip", "notes"].includes(slideType(c)) &&
    !(c.metadata?.tags ?? []).includes("remove-cell") && codeDisplay(c).outputs !== "removed"
  ).reduce(
    (n, c) =>
      n +
      (c.outputs ?? []).filter((o) =>
        o.data?.["image/svg+xml"] !== undefined && tableHtml(o.data) === undefined
      ).length,
    0,
  );
}

/** Problems seen on a page: console errors, page errors, requests other than the deck. */
function watch(page: Page, allowed: (url: string) => boolean) {
  const problems: string[] = [];
  const warnings: string[] = [];
  const stop = page.onEvent((event) => {
    // deno-lint-ignore no-explicit-any
    const p = event.params as Record<string, any>;
    if (event.method === "Network.requestWillBeSent") {
      const url = String(p.request?.url ?? "");
      if (!allowed(url)) problems.push(`request to ${url.slice(0, 160)}`);
    } else if (event.method === "Runtime.consoleAPICalled") {
      const text = (p.args ?? []).map((a: { value?: unknown; description?: string }) =>
        String(a.value ?? a.description ?? "")
      ).join(" ");
      if (p.type === "error" || p.type === "assert") problems.push(`console.${p.type}: ${text}`);
      else if (p.type === "warning") warnings.push(text);
    } else if (event.method === "Runtime.exceptionThrown") {
      const d = p.exceptionDetails ?? {};
      problems.push(`page error: ${d.exception?.description ?? d.text}`);
    } else if (event.method === "Log.entryAdded" && p.entry?.level === "error") {
      problems.push(`browser log: ${p.entry.text} ${p.entry.url ?? ""}`.trim());
    }
  });
  return { problems, warnings, stop };
}

async function offline(page: Page): Promise<void> {
  await page.send("Network.enable");
  await page.send("Log.enable");
  await page.send("Network.emulateNetworkConditions", {
    offline: true,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
}

/** Presses a key on the page as a clicker or keyboard would (CDP key events). */
async function press(page: Page, key: string, code: string, keyCode: number): Promise<void> {
  for (const type of ["keyDown", "keyUp"]) {
    await page.send("Input.dispatchKeyEvent", {
      type,
      key,
      code,
      windowsVirtualKeyCode: keyCode,
      nativeVirtualKeyCode: keyCode,
    });
  }
}

/**
 * Presses → from the first slide until the deck's last step, and returns the slides visited
 * in order ("h.v"), each once.
 */
async function walkRight(page: Page): Promise<string[]> {
  await page.evaluate("Reveal.slide(0, 0, -1)");
  const visited: string[] = [];
  const at = () =>
    page.evaluate<{ slide: string; step: string; end: boolean }>(`(() => {
      const ix = Reveal.getIndices();
      return {
        slide: ix.h + "." + (ix.v ?? 0),
        step: ix.h + "." + (ix.v ?? 0) + "." + (ix.f ?? -1),
        end: Reveal.isLastSlide() && !Reveal.availableFragments().next,
      };
    })()`);
  let state = await at();
  visited.push(state.slide);
  for (let presses = 0; !state.end && presses < 2000; presses++) {
    await press(page, "ArrowRight", "ArrowRight", 39);
    const next = await at();
    if (next.step === state.step) throw new Error(`→ does nothing on slide ${next.slide}`);
    if (next.slide !== visited[visited.length - 1]) visited.push(next.slide);
    state = next;
  }
  return visited;
}

/**
 * Text smaller than this (pixels of the 1280×720 slide) is hard to read from the back of a room:
 * the browser test fails when a slide's chart, table or code text is smaller, with every step of
 * the slide shown (the deck shrinks charts only down to it, then splits the slide).
 */
const READABLE_PX = 16;

/**
 * The smallest chart, table and code text of every slide with all its steps shown, in pixels of
 * the 1280×720 slide (the slide's own zoom and a chart's scaling included).
 */
function smallestText(page: Page) {
  return page.evaluate<
    { slide: string; chart?: number; table?: number; code?: number }[]
  >(`(async () => {
    const scale = Reveal.getScale() || 1;
    const out = [];
    for (const slide of Reveal.getSlides()) {
      const body = slide.querySelector(':scope > .slide-body');
      if (!body) continue;
      const ix = Reveal.getIndices(slide);
      Reveal.slide(ix.h, ix.v, 1000);
      await new Promise(requestAnimationFrame);
      const row = { slide: slide.dataset.slideNumber + (slide.dataset.continued ? ' (continued ' + slide.dataset.continued + ')' : '') };
      const low = (key, px) => { if (px > 0 && !(row[key] <= px)) row[key] = Math.round(px * 10) / 10; };
      const shown = (el) => {
        const stacked = el.closest('.stack-item');
        // folded code (a closed <details>) keeps its boxes in Chromium but does not show
        return el.getClientRects().length > 0 && !el.closest('details:not([open])') &&
          (!stacked || getComputedStyle(stacked).opacity !== '0');
      };
      for (const svg of body.querySelectorAll('.output-chart > svg')) {
        const vb = svg.viewBox.baseVal;
        const r = svg.getBoundingClientRect();
        if (!shown(svg) || !vb || !vb.width || !vb.height || !r.width) continue;
        // the drawing keeps its aspect ratio inside the box (a height limit letterboxes it)
        const k = Math.min(r.width / vb.width, r.height / vb.height) / scale;
        for (const t of svg.querySelectorAll('text')) {
          if (t.textContent.trim()) low('chart', parseFloat(getComputedStyle(t).fontSize) * k);
        }
      }
      const htmlPx = (el) => {
        const r = el.getBoundingClientRect();
        return el.offsetWidth > 0
          ? parseFloat(getComputedStyle(el).fontSize) * r.width / el.offsetWidth / scale
          : 0;
      };
      for (const cell of body.querySelectorAll('td, th')) {
        if (shown(cell) && cell.textContent.trim()) low('table', htmlPx(cell));
      }
      for (const pre of body.querySelectorAll('pre.code-input')) {
        if (shown(pre)) low('code', htmlPx(pre));
      }
      out.push(row);
    }
    Reveal.slide(0, 0, -1);
    return out;
  })()`);
}

/** The lessons the browser test opens: all, or those named in SLIDES_TEST_LESSONS ("02 10"). */
function lessonsToTest(): string[] {
  const filter = (Deno.env.get("SLIDES_TEST_LESSONS") ?? "").split(/[\s,]+/).filter((s) => s);
  return listNotebooks(filter);
}

function deckUrl(deck: DeckResult, query = "?transition=none"): string {
  return new URL(`file://${deck.deckPath}${query}`).href;
}

const sameFile = (deck: DeckResult) => (url: string) =>
  url.startsWith("data:") || url.split(/[?#]/)[0] === new URL(`file://${deck.deckPath}`).href;

Deno.test("every lesson's deck works offline in headless Chromium", async (t) => {
  const chromium = findChromium();
  if (!chromium) assert.fail(`The browser test needs Chromium.\n${CHROMIUM_HINT}`);

  const lessons = lessonsToTest();
  const stale: string[] = [];
  for (const lesson of lessons) {
    if (await staleReason(lesson, executedPath(lesson))) stale.push(lesson);
  }
  if (stale.length > 0) {
    assert.ok(await runLessons(stale), `lessons must run: ${stale.map((s) => basename(s))}`);
  }

  const outDir = await scratchDir("course-decks-");
  const log: string[] = [];
  const browser = await Browser.launch({
    executable: chromium,
    args: ["--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"],
  });
  try {
    const built = await buildDecks(lessons.map(executedPath), {
      outDir,
      pdf: false,
      log: (line) => log.push(line),
    });
    assert.ok(built.ok, log.join("\n"));
    assert.equal(built.decks.length, lessons.length);

    for (const deck of built.decks) {
      await t.step(basename(deck.deckPath), async () => {
        assert.deepEqual(deck.warnings, [], "the deck must show every cell as written");
        const nb = await readNotebook(deck.notebook);
        const page = await browser.newPage();
        const seen = watch(page, sameFile(deck));
        try {
          await offline(page);
          await page.goto(deckUrl(deck));
          await page.waitFor("document.documentElement.dataset.deckReady === 'true'");
          // keys work at once, while the slides after the first ones are still being fitted
          const before = await page.evaluate<string>("JSON.stringify(Reveal.getIndices())");
          await press(page, "ArrowRight", "ArrowRight", 39);
          const after = await page.evaluate<string>("JSON.stringify(Reveal.getIndices())");
          assert.notEqual(after, before, "→ answers as soon as the deck is ready");
          await page.waitFor("document.documentElement.dataset.deckFitted === 'true'");
          const fitMs = await page.evaluate<string>("document.documentElement.dataset.fitMs");
          // a step shows at once (no fade), so what the test reads after a frame is what shows
          await page.evaluate(`document.head.append(Object.assign(document.createElement('style'),
            { textContent: '.reveal .fragment { transition: none !important; }' }))`);

          const total = await page.evaluate<number>("Reveal.getTotalSlides()");
          const split = await page.evaluate<
            { continued: number; misplaced: string[]; raw: string[] }
          >(`(() => {
            const misplaced = [];
            const all = [...document.querySelectorAll('.reveal .slides section.continued')];
            for (const c of all) {
              const prev = c.previousElementSibling;
              const n = c.dataset.slideNumber;
              if (!prev || prev.tagName !== 'SECTION' || prev.dataset.slideNumber !== n ||
                  prev.querySelector('section') || c.querySelector('aside.notes:not(.fragment aside)')) {
                misplaced.push(n);
              }
            }
            // A continuation repeats its slide's heading as rendered (math as math, not TeX).
            const outsideMath = (h) => {
              const copy = h.cloneNode(true);
              copy.querySelectorAll('.katex').forEach((k) => k.remove());
              return copy.textContent;
            };
            const raw = [];
            for (const c of all) {
              const h = c.querySelector('.continued-title');
              const before = c.previousElementSibling?.querySelector('.slide-body :is(h1, h2, h3)');
              const formulas = (el) => el ? el.querySelectorAll('.katex').length : 0;
              if (h && (/\\\\[a-zA-Z]/.test(outsideMath(h)) || formulas(h) !== formulas(before))) {
                raw.push(h.textContent);
              }
            }
            return { continued: all.length, misplaced, raw };
          })()`);
          assert.deepEqual(split.raw, [], "continuation headings render their math");
          assert.deepEqual(
            split.misplaced,
            [],
            "a continuation slide follows its slide, in its stack, and leaves the notes to it",
          );
          assert.equal(
            total,
            expectedSlides(nb) + split.continued,
            "slides counted from the notebook's metadata, plus the continuation slides",
          );
          assert.equal(total, deck.slideCount + split.continued);
          console.log(
            `  ${basename(deck.deckPath)}: ${total} slides (${split.continued} continued), ` +
              `fitted in ${fitMs} ms`,
          );

          const walked = await walkRight(page);
          assert.equal(
            new Set(walked).size,
            walked.length,
            `→ visits each slide once, in order: ${walked.join(" ")}`,
          );
          assert.equal(walked.length, total, `→ from the first slide visits every slide`);
          const order = await page.evaluate<string[]>(
            `Reveal.getSlides().map((s) => { const ix = Reveal.getIndices(s); return ix.h + "." + (ix.v ?? 0); })`,
          );
          assert.deepEqual(walked, order, "→ visits the slides in the deck's order");

          // Chart, table and code text below READABLE_PX fails the deck.
          const small = (await smallestText(page)).map((row) => {
            const parts = (["chart", "table", "code"] as const)
              .filter((k) => row[k] !== undefined && row[k]! < READABLE_PX)
              .map((k) => `${k} ${row[k]!.toFixed(1)}`);
            return parts.length > 0 ? `${row.slide} (${parts.join(", ")})` : "";
          }).filter((s) => s);
          assert.deepEqual(
            small,
            [],
            `chart, table and code text at least ${READABLE_PX} px of the 1280×720 slide ` +
              `(slide: text px)`,
          );
          const scaled = await page.evaluate<string[]>(
            `[...document.querySelectorAll('.slide-body[data-zoom]')].map((b) =>
              b.parentElement.dataset.slideNumber + ' (' + Math.round(100 * b.dataset.zoom) + ' %)')`,
          );
          if (scaled.length > 0) {
            console.log(`  ${basename(deck.deckPath)}: scaled down to fit: ${scaled.join(", ")}`);
          }

          const charts = await page.evaluate<number>(
            "document.querySelectorAll('.output-chart > svg').length",
          );
          assert.equal(charts, expectedCharts(nb), "one SVG per chart output shown");

          // Visit every slide with a chart, with all its steps shown, and look at the SVGs.
          const chartSlides = await page.evaluate<
            { h: number; v?: number; f: number; svgs: { marks: number; w: number; h: number }[] }[]
          >(`(async () => {
            const out = [];
            for (const slide of Reveal.getSlides()) {
              if (!slide.querySelector('.output-chart > svg')) continue;
              const ix = Reveal.getIndices(slide);
              const steps = new Set([...slide.querySelectorAll('[data-fragment-index]')]
                .map((f) => f.dataset.fragmentIndex)).size;
              const shots = [];
              for (let f = -1; f < steps; f++) {
                Reveal.slide(ix.h, ix.v, f);
                await new Promise(requestAnimationFrame);
                for (const svg of slide.querySelectorAll('.output-chart > svg')) {
                  if (svg.closest('.slide-body > .fragment:not(.visible)')) continue;
                  const r = svg.getBoundingClientRect();
                  const shown = getComputedStyle(svg.closest('.stack-item') ?? svg).opacity !== '0';
                  if (!shown) continue;
                  shots.push({
                    marks: svg.querySelectorAll('path, rect, circle, line, text, polygon, polyline, ellipse, image').length,
                    w: r.width,
                    h: r.height,
                  });
                }
              }
              out.push({ h: ix.h, v: ix.v, f: steps - 1, svgs: shots });
            }
            return out;
          })()`);
          assert.equal(chartSlides.length > 0, charts > 0);

          // A step takes no room before it shows, and a slide's charts are not shrunk for steps
          // not shown yet: at its first step a chart may be as large as, or larger than, at its
          // last.
          const steps = await page.evaluate<
            { slide: string; hiddenRoom: number; first: number; last: number }[]
          >(`(async () => {
            const out = [];
            for (const slide of Reveal.getSlides()) {
              const body = slide.querySelector(':scope > .slide-body');
              if (!body || !body.querySelector(':scope > .fragment')) continue;
              const ix = Reveal.getIndices(slide);
              Reveal.slide(ix.h, ix.v, -1);
              await new Promise(requestAnimationFrame);
              const hiddenRoom = [...body.querySelectorAll(':scope > .fragment:not(.visible)')]
                .reduce((n, f) => n + f.getBoundingClientRect().height, 0);
              const first = Number(body.dataset.chartMax ?? 10000);
              Reveal.slide(ix.h, ix.v, 1000);
              await new Promise(requestAnimationFrame);
              const last = Number(body.dataset.chartMax ?? 10000);
              out.push({ slide: slide.dataset.slideNumber, hiddenRoom, first, last });
            }
            return out;
          })()`);
          for (const step of steps) {
            assert.equal(step.hiddenRoom, 0, `slide ${step.slide}: hidden steps take no room`);
            assert.ok(
              step.first >= step.last,
              `slide ${step.slide}: charts at the first step (limit ${step.first}) are not ` +
                `smaller than at the last (${step.last})`,
            );
          }
          for (const slide of chartSlides) {
            const where = `slide ${slide.h + 1}${slide.v !== undefined ? `.${slide.v + 1}` : ""}`;
            assert.ok(slide.svgs.length > 0, `${where} must show its chart`);
            for (const svg of slide.svgs) {
              assert.ok(svg.marks > 0, `${where}: the chart's SVG must have marks`);
              assert.ok(
                svg.w > 50 && svg.h > 50,
                `${where}: the chart must have a size, got ${svg.w}×${svg.h}`,
              );
            }
          }

          const fonts = await page.evaluate<
            { failed: string[]; katexLoaded: number; math: number }
          >(
            `(async () => {
              await document.fonts.ready;
              const all = [...document.fonts];
              return {
                failed: all.filter((f) => f.status === 'error').map((f) => f.family),
                katexLoaded: all.filter((f) => f.family.includes('KaTeX') && f.status === 'loaded').length,
                math: document.querySelectorAll('.katex-html').length,
              };
            })()`,
          );
          assert.deepEqual(fonts.failed, [], "no font may fail to load");
          if (fonts.math > 0) assert.ok(fonts.katexLoaded > 0, "KaTeX's fonts load from the deck");

          const crowdedWithCode = await page.evaluate<number[]>(
            `[...document.querySelectorAll('.slide-body[data-zoom]')]
              .filter((b) => Number(b.dataset.zoom) < 0.75)
              .filter((b) => [...b.querySelectorAll('pre.code-input')].some((p) => !p.closest('details')))
              .map((b) => Number(b.parentElement.dataset.slideNumber))`,
          );
          assert.deepEqual(crowdedWithCode, [], "a slide scaled below 75 % has its code folded");

          const overflowing = await page.evaluate<number[]>(
            "[...document.querySelectorAll('.slide-body.overflowing')].map((b) => Number(b.parentElement.dataset.slideNumber))",
          );
          if (overflowing.length > 0) {
            console.log(
              `  ${basename(deck.deckPath)}: slides ${overflowing} do not fit at half size`,
            );
          }
          if (seen.warnings.length > 0) {
            console.log(
              `  ${basename(deck.deckPath)} console warnings: ${seen.warnings.join("; ")}`,
            );
          }
          assert.deepEqual(seen.problems, [], "no console error, page error or request");
        } finally {
          seen.stop();
          await page.close();
        }
      });
    }

    const withCharts = built.decks.find((d) => d.chartCount > 0);
    await t.step(
      "a screenshot of a chart slide is not blank (and the title slide's background is)",
      async () => {
        assert.ok(withCharts, "at least one lesson shows a chart");
        const page = await browser.newPage({ width: 1280, height: 720 });
        try {
          await offline(page);
          await page.goto(deckUrl(withCharts!));
          await page.waitFor("document.documentElement.dataset.deckFitted === 'true'");
          await new Promise((r) => setTimeout(r, 200));
          const blank = pixelStats(await decodePng(await page.screenshot()), {
            x: 0,
            y: 0,
            width: 200,
            height: 120,
          });
          assert.ok(blank.variance < 1, `title background is flat, variance ${blank.variance}`);

          const box = await page.evaluate<{ x: number; y: number; width: number; height: number }>(
            `(async () => {
            const slide = Reveal.getSlides().find((s) => s.querySelector('.output-chart > svg'));
            const ix = Reveal.getIndices(slide);
            Reveal.slide(ix.h, ix.v, -1);
            await new Promise((r) => setTimeout(r, 300));
            const r = slide.querySelector('.output-chart > svg').getBoundingClientRect();
            return { x: r.x, y: r.y, width: r.width, height: r.height };
          })()`,
          );
          const png = await page.screenshot();
          const pixels = await decodePng(png);
          assert.deepEqual([pixels.width, pixels.height], [1280, 720]);
          const chart = pixelStats(pixels, box);
          assert.ok(chart.count > 10_000, `the chart covers a real area, got ${chart.count} px`);
          assert.ok(
            chart.variance > 100,
            `chart pixels vary, variance ${chart.variance.toFixed(1)}`,
          );
          assert.ok(chart.inkShare > 0.03, `chart has ink, ${(100 * chart.inkShare).toFixed(1)} %`);
        } finally {
          await page.close();
        }
      },
    );

    await t.step(
      "a click on a chart shows it enlarged; Escape closes it, → closes it and moves on",
      async () => {
        assert.ok(withCharts, "at least one lesson shows a chart");
        const page = await browser.newPage({ width: 1280, height: 720 });
        const seen = watch(page, sameFile(withCharts!));
        try {
          await offline(page);
          await page.goto(deckUrl(withCharts!));
          await page.waitFor("document.documentElement.dataset.deckFitted === 'true'");
          const at = await page.evaluate<{ x: number; y: number }>(
            `(async () => {
            // the first chart that shows on its slide before any step (not one that a later
            // step of the same place shows, nor one under another output)
            for (const slide of Reveal.getSlides()) {
              if (!slide.querySelector('.slide-body > .cell .output-chart.zoomable > svg')) continue;
              const ix = Reveal.getIndices(slide);
              Reveal.slide(ix.h, ix.v, -1);
              await new Promise((r) => setTimeout(r, 300));
              for (const chart of slide.querySelectorAll('.output-chart.zoomable')) {
                const r = chart.getBoundingClientRect();
                const x = r.x + r.width / 2, y = r.y + r.height / 2;
                if (r.width > 0 && chart.contains(document.elementFromPoint(x, y))) return { x, y };
              }
            }
            throw new Error('no chart shows on its slide before its steps');
          })()`,
          );
          const click = async () => {
            for (const type of ["mousePressed", "mouseReleased"]) {
              await page.send("Input.dispatchMouseEvent", {
                type,
                x: at.x,
                y: at.y,
                button: "left",
                clickCount: 1,
              });
            }
          };
          const overlay = () =>
            page.evaluate<{ open: boolean; w: number; h: number }>(`(() => {
            const o = document.querySelector('.deck-zoom');
            const svg = o && !o.hidden ? o.querySelector('svg') : null;
            const r = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
            return { open: Boolean(o && !o.hidden), w: r.width, h: r.height };
          })()`);
          await click();
          let state = await overlay();
          assert.ok(state.open, "a click on a chart opens the enlarged view");
          assert.ok(
            state.w >= 0.9 * 1280 || state.h >= 0.9 * 720,
            `the enlarged chart fills the window: ${state.w}×${state.h}`,
          );
          await press(page, "Escape", "Escape", 27);
          state = await overlay();
          assert.ok(!state.open, "Escape closes the enlarged view");
          assert.equal(
            await page.evaluate<boolean>("Reveal.isOverview()"),
            false,
            "Escape that closes the enlarged view does not open the overview",
          );
          const focused = await page.evaluate<boolean>(
            "document.activeElement?.classList.contains('zoomable') ?? false",
          );
          assert.ok(focused, "focus goes back to the chart");
          await press(page, "Enter", "Enter", 13);
          assert.ok((await overlay()).open, "Enter on the focused chart opens it");
          const indices = "JSON.stringify(Reveal.getIndices())";
          const before = await page.evaluate<string>(indices);
          await press(page, "ArrowRight", "ArrowRight", 39);
          assert.ok(!(await overlay()).open, "→ closes the enlarged view");
          assert.notEqual(await page.evaluate<string>(indices), before, "→ still moves on");
          assert.deepEqual(seen.problems, []);
        } finally {
          seen.stop();
          await page.close();
        }
      },
    );

    const withNotes = built.decks.find((d) =>
      Deno.readTextFileSync(d.deckPath).includes('<aside class="notes">')
    );
    if (withNotes) {
      await t.step(
        "the speaker view (S) opens from file:// and shows the slide's notes",
        async () => {
          await browser.send("Target.setDiscoverTargets", { discover: true });
          const page = await browser.newPage();
          const seen = watch(page, sameFile(withNotes));
          try {
            await offline(page);
            await page.goto(deckUrl(withNotes));
            await page.waitFor("document.documentElement.dataset.deckFitted === 'true'");
            const notes = await page.evaluate<string>(`(() => {
            const slide = Reveal.getSlides().find((s) => s.querySelector(':scope > aside.notes'));
            const ix = Reveal.getIndices(slide);
            Reveal.slide(ix.h, ix.v);
            return slide.querySelector(':scope > aside.notes').textContent.trim();
          })()`);
            const popup = browser.waitForEvent((e) =>
              e.method === "Target.targetCreated" &&
              (e.params.targetInfo as { openerId?: string }).openerId === page.targetId
            );
            for (const type of ["keyDown", "keyUp"]) {
              await page.send("Input.dispatchKeyEvent", {
                type,
                key: "s",
                code: "KeyS",
                windowsVirtualKeyCode: 83,
                ...(type === "keyDown" ? { text: "s" } : {}),
              });
            }
            const { targetId } = (await popup).params.targetInfo as { targetId: string };
            const { sessionId } = await browser.send("Target.attachToTarget", {
              targetId,
              flatten: true,
            });
            const speaker = new Page(browser, String(targetId), String(sessionId));
            try {
              await speaker.waitFor(
                `document.querySelector('.speaker-controls-notes .value')?.textContent.includes(${
                  JSON.stringify(notes.slice(0, 40))
                })`,
                120_000,
              );
              const frames = await speaker.evaluate<number>(
                "document.querySelectorAll('#current-slide iframe, #upcoming-slide iframe').length",
              );
              assert.equal(frames, 2, "current and upcoming slide previews");
            } finally {
              await speaker.close();
            }
            assert.deepEqual(seen.problems, []);
          } finally {
            seen.stop();
            await page.close();
          }
        },
      );
    }

    await t.step(
      "the PDF handout has one page per slide, every step shown; the notes handout a notes page more per slide with notes",
      async () => {
        const deck = withCharts ?? built.decks[0];
        const page = await browser.newPage();
        let laidOut: number;
        let continued: number;
        try {
          await page.goto(deckUrl(deck, "?print-pdf"));
          await page.waitFor("document.documentElement.dataset.pdfReady === 'true'");
          const strays = await page.evaluate<string[]>(`(() => {
          const out = [];
          const seen = new Set();
          for (const el of document.querySelectorAll('[id]')) {
            if (seen.has(el.id)) out.push('id ' + el.id + ' repeats');
            seen.add(el.id);
          }
          for (const pdfPage of document.querySelectorAll('.pdf-page')) {
            for (const el of pdfPage.querySelectorAll('[clip-path]')) {
              const id = /url\\(#([^)]+)\\)/.exec(el.getAttribute('clip-path'))?.[1];
              if (id && !pdfPage.querySelector('[id="' + id + '"]')) out.push('clip ' + id + ' is on another page');
            }
          }
          return out.slice(0, 5);
        })()`);
          assert.deepEqual(strays, [], "each printed page's charts use their own clip paths");
          continued = await page.evaluate<number>(
            "document.querySelectorAll('.reveal .slides section.continued').length",
          );
          assert.equal(
            await page.evaluate<number>("document.querySelectorAll('.pdf-page .deck-zoom').length"),
            0,
            "the handout has no enlarged view",
          );
          const hiddenSteps = await page.evaluate<number>(`[...document.querySelectorAll(
          '.pdf-page .slide-body > .fragment')].filter((f) => getComputedStyle(f).opacity === '0').length`);
          assert.equal(hiddenSteps, 0, "every step of a slide is shown in the handout");
          const stacked = await page.evaluate<number[]>(`[...document.querySelectorAll(
          '.pdf-page .visual-stack')].map((st) => [...st.children].filter((c) =>
            getComputedStyle(c).visibility !== 'hidden' && getComputedStyle(c).opacity !== '0').length)`);
          assert.ok(stacked.every((n) => n === 1), `one chart of a stack shows: ${stacked}`);
          laidOut = await page.evaluate<number>(`(() => {
          const pageHeight = Math.min(...[...document.querySelectorAll('.pdf-page')]
            .map((p) => p.offsetHeight));
          return [...document.querySelectorAll('.pdf-page')]
            .reduce((n, p) => n + Math.max(1, Math.round(p.offsetHeight / pageHeight)), 0);
        })()`);
        } finally {
          await page.close();
        }
        const [result] = (await printHandouts([deck.deckPath], { executable: chromium }))!;
        assert.equal(result.error, undefined);
        const pdf = await Deno.readFile(result.pdfPath!);
        assert.equal(new TextDecoder().decode(pdf.subarray(0, 5)), "%PDF-");
        assert.equal(result.pages, laidOut, "a PDF page per page of the print view");
        const slides = deck.slideCount + continued!;
        assert.equal(result.pages, slides, "one page per slide (continuations too), not per step");
        const html = await Deno.readTextFile(deck.deckPath);
        const withNotes = html.split(/<section[^>]*data-slide-number=/).slice(1)
          .filter((s) => s.split(/<\/section>/)[0].includes('<aside class="notes">')).length;
        // a long note may run onto a second page
        assert.ok(
          result.notesPages! >= slides + withNotes && result.notesPages! <= slides + 2 * withNotes,
          `the handout with notes adds a notes page after each of the ${withNotes} slides with ` +
            `notes: ${result.notesPages} pages for ${slides} slides`,
        );
      },
    );
  } finally {
    await browser.close();
    await Deno.remove(outDir, { recursive: true });
  }
});
