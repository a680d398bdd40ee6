// The script every deck runs (inlined by tools/_slides.ts after reveal.js and its notes
// plugin). It fits crowded slides into the deck's 1280×720 before reveal.js lays them out, for
// the steps shown (a hidden step takes no room; a slide is fitted again as its steps show):
// first it lets the charts on a slide shrink (down to MIN_CHART pixels high, never below their
// own height up to 420 px: see slides/theme.css); if the slide would still have to scale below
// FOLD_BELOW, it folds the slide's code blocks, longest first (a click unfolds them and fits the
// slide again); then it scales the whole slide down (not below MIN_ZOOM). It then starts
// reveal.js and marks the page ready: <html data-deck-ready="true">, and data-pdf-ready="true"
// once the ?print-pdf layout is done.
(function () {
  "use strict";
  const MIN_ZOOM = 0.5;
  const MIN_CHART = 240;
  const FOLD_BELOW = 0.75;

  /**
   * The slide body's height in slide pixels: its own zoom included, not the scale reveal.js
   * gives the whole deck to fit the window (measured, as reveal.js may already have set it).
   */
  function heightOf(body) {
    const slides = body.closest(".slides");
    const scale = slides.offsetWidth > 0
      ? slides.getBoundingClientRect().width / slides.offsetWidth
      : 1;
    return body.getBoundingClientRect().height / (scale || 1);
  }

  /** Sets the charts' height limit on a slide body and returns the body's height. */
  function withCharts(body, max) {
    if (max === null) body.style.removeProperty("--chart-max");
    else body.style.setProperty("--chart-max", max + "px");
    return heightOf(body);
  }

  /** The largest chart limit in [lo, hi] for which the body is at most `target` high. */
  function largestChartLimit(body, lo, hi, target) {
    for (let i = 0; i < 8 && hi - lo > 4; i++) {
      const mid = (lo + hi) / 2;
      if (withCharts(body, mid) <= target) lo = mid;
      else hi = mid;
    }
    return Math.floor(lo);
  }

  /** Lets the charts shrink only as far as that makes the slide shorter; returns the height. */
  function shrinkCharts(body, available) {
    const height = withCharts(body, null);
    if (height <= available) return height;
    if (!body.querySelector(".output-chart svg, .output-image img")) return height;
    const full = parseFloat(getComputedStyle(body).getPropertyValue("--chart-max")) || 540;
    const smallest = withCharts(body, MIN_CHART);
    if (smallest >= height - 1) return withCharts(body, null);
    const target = smallest <= available ? available : smallest + 1;
    const limit = largestChartLimit(body, MIN_CHART, full, target);
    body.dataset.chartMax = String(limit);
    return withCharts(body, limit);
  }

  /** Folds a code block behind a "code · N lines" summary. */
  function fold(pre) {
    const details = document.createElement("details");
    details.className = "fold";
    const summary = document.createElement("summary");
    const lines = Number(pre.dataset.lines) || pre.textContent.split("\n").length;
    summary.textContent = "code · " + lines + (lines === 1 ? " line" : " lines");
    details.append(summary);
    pre.replaceWith(details);
    details.append(pre);
  }

  /** The largest zoom (at least MIN_ZOOM) at which the body fits; leaves the body unzoomed. */
  function bestZoom(body, available) {
    let lo = MIN_ZOOM;
    let hi = 1;
    for (let i = 0; i < 8; i++) {
      const mid = (lo + hi) / 2;
      body.style.zoom = String(mid);
      if (heightOf(body) <= available) lo = mid;
      else hi = mid;
    }
    body.style.removeProperty("zoom");
    return lo;
  }

  /**
   * Fits one slide: charts shrink first; while the slide would still have to scale below
   * FOLD_BELOW, its code blocks fold, longest first; then the slide scales down as a whole.
   * `refit` (after the presenter unfolds something) folds nothing.
   */
  function fitBody(body, available, refit) {
    body.style.removeProperty("zoom");
    body.classList.remove("overflowing");
    delete body.dataset.zoom;
    for (;;) {
      delete body.dataset.chartMax;
      const height = shrinkCharts(body, available);
      if (height <= available) return;
      const zoom = bestZoom(body, available);
      const next = refit || zoom >= FOLD_BELOW ? undefined : Array.from(
        body.querySelectorAll("pre.code-input"),
      ).filter((pre) => !pre.closest("details"))
        .sort((a, b) => b.offsetHeight - a.offsetHeight)[0];
      if (next) {
        fold(next);
        continue;
      }
      body.style.zoom = String(zoom);
      body.dataset.zoom = zoom.toFixed(3);
      if (heightOf(body) > available + 1) body.classList.add("overflowing");
      return;
    }
  }

  /** Whether the deck is opened as its print view (?print-pdf): every step is shown there. */
  function printing(deck) {
    return /print-pdf/i.test(location.search) || deck.getConfig().view === "print";
  }

  async function fitAll(deck) {
    const config = deck.getConfig();
    // A step takes no room until it is shown (slides/theme.css), so each slide is fitted for
    // the step on screen: here for its first, again whenever a step shows or hides. The print
    // view shows every step at once and is fitted for that.
    if (printing(deck)) deck.getRevealElement().classList.add("all-steps");
    const slides = deck.getSlidesElement();
    const bodies = Array.from(slides.querySelectorAll("section > .slide-body"));
    const saved = [[slides, slides.style.cssText]];
    slides.style.width = config.width + "px";
    slides.style.height = config.height + "px";
    for (const body of bodies) {
      for (let el = body.parentElement; el && el !== slides; el = el.parentElement) {
        saved.push([el, el.style.cssText]);
        el.style.display = "block";
      }
    }
    // Laying the slides out starts loading the fonts they use (KaTeX's are data: URLs).
    void slides.offsetHeight;
    await document.fonts.ready;
    for (const body of bodies) {
      const section = body.parentElement;
      const style = getComputedStyle(section);
      const available = config.height - parseFloat(style.paddingTop) -
        parseFloat(style.paddingBottom);
      fitBody(body, available);
    }
    for (const [el, css] of saved) el.style.cssText = css;
  }

  /** The slide body's room: the deck's height less the slide's padding. */
  function availableFor(body) {
    const style = getComputedStyle(body.parentElement);
    return Reveal.getConfig().height - parseFloat(style.paddingTop) -
      parseFloat(style.paddingBottom);
  }

  /**
   * A step shown or hidden changes what is on the slide: it is fitted again for what shows now
   * (charts grow back when a step hides; code may fold when a step needs the room).
   */
  function refitSteps(event) {
    if (printing(Reveal)) return;
    const slide = event.currentSlide ?? Reveal.getCurrentSlide();
    const body = slide && slide.querySelector(":scope > .slide-body");
    if (!body || !body.querySelector(":scope > .fragment")) return;
    fitBody(body, availableFor(body));
  }
  for (const name of ["ready", "slidechanged", "fragmentshown", "fragmenthidden"]) {
    Reveal.on(name, refitSteps);
  }

  /** Unfolding code or an output on a slide fits that slide again. */
  function refitOnToggle(event) {
    const body = event.target.closest && event.target.closest(".slide-body");
    if (!body || !Reveal.isReady()) return;
    fitBody(body, availableFor(body), true);
    Reveal.layout();
  }
  document.addEventListener("toggle", refitOnToggle, true);

  /**
   * The print view moves slides into pages (and copies a slide's notes onto a notes page), so
   * ids could repeat and a chart's `clip-path="url(#…)"` point into another page (Chromium then
   * draws no line). Each page gets its own ids.
   */
  function uniqueIdsPerPage() {
    document.querySelectorAll(".pdf-page").forEach((page, n) => {
      const ids = new Map();
      page.querySelectorAll("[id]").forEach((el) => {
        ids.set(el.id, el.id + "-p" + n);
        el.id = el.id + "-p" + n;
      });
      if (ids.size === 0) return;
      page.querySelectorAll("*").forEach((el) => {
        for (const attr of Array.from(el.attributes)) {
          const value = attr.value;
          if (!value.includes("#")) continue;
          const next = value.replace(
            /url\(#([^)]+)\)/g,
            (m, id) => ids.has(id) ? "url(#" + ids.get(id) + ")" : m,
          )
            .replace(/^#(.+)$/, (m, id) => ids.has(id) ? "#" + ids.get(id) : m);
          if (next !== value) el.setAttribute(attr.name, next);
        }
      });
    });
  }

  const root = document.documentElement;
  Reveal.on("pdf-ready", () => {
    uniqueIdsPerPage();
    root.dataset.pdfReady = "true";
  });
  Reveal.initialize({
    width: 1280,
    height: 720,
    margin: 0.04,
    minScale: 0.2,
    maxScale: 2.5,
    center: false,
    hash: true,
    // → and Space visit every slide in order, vertical ones included (what a clicker sends);
    // ↓ / ↑ still move within a vertical stack and the overview still shows the stacks.
    navigationMode: "linear",
    slideNumber: "c/t",
    showSlideNumber: "all",
    transition: "fade",
    transitionSpeed: "fast",
    backgroundTransition: "none",
    // The handout shows each slide once, in its final state (every step shown).
    pdfSeparateFragments: false,
    pdfMaxPagesPerSlide: 1,
    plugins: [RevealNotes, { id: "fit", init: fitAll }],
  }).then(() => {
    root.dataset.deckReady = "true";
  });
})();
