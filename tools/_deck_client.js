// The script every deck runs (inlined by tools/_slides.ts after reveal.js and its notes
// plugin). It fits crowded slides into the deck's 1280×720 before reveal.js lays them out:
// first it lets the charts on a slide shrink (down to MIN_CHART pixels high), then it scales the
// whole slide down (not below MIN_ZOOM). It then starts reveal.js and marks the page ready:
// <html data-deck-ready="true">, and data-pdf-ready="true" once the ?print-pdf layout is done.
(function () {
  "use strict";
  const MIN_ZOOM = 0.5;
  const MIN_CHART = 240;

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

  function fitBody(body, available) {
    body.style.removeProperty("zoom");
    body.classList.remove("overflowing");
    let height = withCharts(body, null);
    if (height <= available) return;
    const charts = body.querySelectorAll(".output-chart svg, .output-image img");
    if (charts.length > 0) {
      // Shrink the charts only as far as that makes the slide shorter.
      const full = parseFloat(getComputedStyle(body).getPropertyValue("--chart-max")) || 540;
      const smallest = withCharts(body, MIN_CHART);
      if (smallest >= height - 1) {
        height = withCharts(body, null);
      } else {
        const target = smallest <= available ? available : smallest + 1;
        const limit = largestChartLimit(body, MIN_CHART, full, target);
        height = withCharts(body, limit);
        body.dataset.chartMax = String(limit);
      }
    }
    if (height <= available) return;
    let lo = MIN_ZOOM;
    let hi = 1;
    for (let i = 0; i < 8; i++) {
      const mid = (lo + hi) / 2;
      body.style.zoom = String(mid);
      if (heightOf(body) <= available) lo = mid;
      else hi = mid;
    }
    body.style.zoom = String(lo);
    body.dataset.zoom = lo.toFixed(2);
    if (heightOf(body) > available + 1) body.classList.add("overflowing");
  }

  async function fitAll(deck) {
    const config = deck.getConfig();
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

  /** Unfolding code or an output on a slide fits that slide again. */
  function refitOnToggle(event) {
    const body = event.target.closest && event.target.closest(".slide-body");
    if (!body || !Reveal.isReady()) return;
    const section = body.parentElement;
    const style = getComputedStyle(section);
    const config = Reveal.getConfig();
    fitBody(body, config.height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom));
    Reveal.layout();
  }
  document.addEventListener("toggle", refitOnToggle, true);

  const root = document.documentElement;
  Reveal.on("pdf-ready", () => {
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
    slideNumber: "c/t",
    showSlideNumber: "all",
    transition: "fade",
    transitionSpeed: "fast",
    backgroundTransition: "none",
    pdfSeparateFragments: true,
    pdfMaxPagesPerSlide: 2,
    plugins: [RevealNotes, { id: "fit", init: fitAll }],
  }).then(() => {
    root.dataset.deckReady = "true";
  });
})();
