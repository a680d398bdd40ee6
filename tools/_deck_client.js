// The script every deck runs (inlined by tools/_slides.ts after reveal.js and its notes
// plugin). Before reveal.js starts it fits every slide into the deck's 1280×720, with all of
// the slide's steps shown (a hidden step takes no room on screen, but the handout and the last
// step show them all), laying out one slide at a time:
//
// 1. A chart may shrink only while its smallest text stays at least READABLE_PX pixels of the
//    slide (its SVG's own font sizes tell how far); an image not below MIN_IMAGE pixels high.
//    A chart too narrow for that beside its code goes below the code, at the slide's width.
// 2. A slide that still does not fit is SPLIT: its trailing visual outputs (charts, tables,
//    images; a markdown table too), the last one first, move onto a continuation slide inserted
//    right after it (a vertical slide in the same stack, headed "<title> (continued)"; the
//    speaker notes stay on the first). A chart that was a step carries its step along. Both
//    slides are fitted again.
// 3. Only then, if the slide would still have to scale so far that its code would be smaller
//    than READABLE_PX, its code blocks fold, longest first (a click unfolds them and fits the
//    slide again); as a last resort the whole slide scales down (not below MIN_ZOOM; the
//    browser test fails on chart, table or code text this makes smaller than READABLE_PX).
//
// The split depends only on the deck, so every viewer (and the PDF handout) sees the same
// slides. It then starts reveal.js (keys work from then on) and marks the page:
// <html data-deck-ready="true" data-fit-ms="…">, and data-pdf-ready="true" once the
// ?print-pdf layout is done. While presenting, each slide is fitted again for the steps shown
// (charts grow back while later steps are hidden). Clicking a chart, table or image (or Enter
// on it, as each is focusable) shows it enlarged over the whole window; a click, Escape or any
// navigation key closes it.
(function () {
  "use strict";
  const READABLE_PX = 16;
  const MIN_IMAGE = 240;
  const MIN_ZOOM = 0.5;
  const WIDTH = 1280;
  const HEIGHT = 720;
  /** Milliseconds of fitting before reveal.js starts, and per chunk after. */
  const FIRST_MS = 120;
  const CHUNK_MS = 30;
  const UNITS = ".visuals, .visual-side, .output-table, .output-html, .markdown-cell > table";
  const root = document.documentElement;

  /** Whether the deck is opened as its print view (?print-pdf): every step is shown there. */
  const printing = /print-pdf/i.test(location.search);

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

  /** The smallest font size of an SVG's text, in its own units (cached on the element). */
  function smallestFont(svg) {
    if (svg.dataset.minFont) return Number(svg.dataset.minFont);
    let min = Infinity;
    for (const t of svg.querySelectorAll("text")) {
      if (!t.textContent.trim()) continue;
      let el = t;
      let size = NaN;
      while (el && el !== svg.parentElement && Number.isNaN(size)) {
        size = parseFloat(el.getAttribute("font-size") || el.style.fontSize);
        el = el.parentElement;
      }
      if (Number.isNaN(size)) size = parseFloat(getComputedStyle(t).fontSize);
      if (size > 0) min = Math.min(min, size);
    }
    svg.dataset.minFont = String(min === Infinity ? 0 : min);
    return min === Infinity ? 0 : min;
  }

  /**
   * Gives each chart on a body its floor: the height below which its smallest text would be
   * under READABLE_PX (the stylesheet never lets the chart limit go below it).
   */
  function setChartFloors(body) {
    for (const svg of body.querySelectorAll(".output-chart > svg")) {
      if (svg.style.getPropertyValue("--chart-floor")) continue;
      const vb = svg.viewBox.baseVal;
      const font = smallestFont(svg);
      if (!vb || !vb.height || !font) continue;
      svg.style.setProperty("--chart-floor", Math.ceil(vb.height * READABLE_PX / font) + "px");
    }
  }

  /**
   * A chart beside its code whose column is too narrow for readable text goes below the code,
   * at the slide's width (the cell loses its side-by-side layout).
   */
  function unsplitNarrow(body) {
    for (const cell of body.querySelectorAll(".code-cell.split")) {
      const narrow = Array.from(cell.querySelectorAll(".visual-side .output-chart > svg")).some(
        (svg) => {
          const vb = svg.viewBox.baseVal;
          const width = svg.parentElement.getBoundingClientRect().width;
          return vb && vb.width && width > 0 && smallestFont(svg) * width / vb.width < READABLE_PX;
        },
      );
      if (narrow) {
        cell.classList.remove("split");
        cell.classList.add("unsplit");
      }
    }
  }

  /** The charts and images of a body that shrink, with their floors in slide pixels. */
  function shrinkables(body) {
    const out = [];
    for (const el of body.querySelectorAll(".output-chart > svg, .output-image img")) {
      const floor = el.matches("svg")
        ? parseFloat(el.style.getPropertyValue("--chart-floor")) || 0
        : Math.min(MIN_IMAGE, Number(el.naturalHeight) || MIN_IMAGE);
      out.push({ el, floor });
    }
    return out;
  }

  /**
   * Sets the charts' height limit on a slide body (on each chart itself: a property set on the
   * body would restyle every element of every chart) and returns the body's height.
   */
  function withCharts(body, items, max) {
    for (const { el, floor } of items) {
      if (max === null) el.style.removeProperty("max-height");
      else el.style.maxHeight = Math.max(max, floor) + "px";
    }
    if (max === null) delete body.dataset.chartMax;
    else body.dataset.chartMax = String(Math.floor(max));
    return heightOf(body);
  }

  /**
   * Lets the charts shrink only as far as that makes the slide shorter, never below their
   * floors; returns the body's height. The limit is computed from the charts' heights (a chart
   * above the limit gives back the difference), then checked and, where the charts do not add
   * up (charts side by side, beside code), searched for.
   */
  function shrinkCharts(body, available) {
    const items = shrinkables(body);
    const height = withCharts(body, items, null);
    if (height <= available || items.length === 0) return height;
    const scale = heightOf(body) / body.getBoundingClientRect().height || 1;
    const heights = items.map(({ el }) => el.getBoundingClientRect().height * scale);
    const gain = (limit) =>
      items.reduce((n, { floor }, i) => n + Math.max(0, heights[i] - Math.max(limit, floor)), 0);
    const need = height - available;
    if (gain(0) <= 0) return height;
    let lo = 0;
    let hi = Math.max(...heights);
    for (let i = 0; i < 20 && hi - lo > 1; i++) {
      const mid = (lo + hi) / 2;
      if (gain(mid) >= need) lo = mid;
      else hi = mid;
    }
    let limit = Math.floor(lo);
    let fitted = withCharts(body, items, limit);
    if (fitted > available && gain(0) > need) {
      // charts beside each other or beside code: look for the limit by measuring
      let top = limit;
      let bottom = 0;
      if (withCharts(body, items, 0) <= available) {
        for (let i = 0; i < 5 && top - bottom > 4; i++) {
          const mid = (top + bottom) / 2;
          if (withCharts(body, items, mid) <= available) bottom = mid;
          else top = mid;
        }
        limit = Math.floor(bottom);
      } else limit = 0;
      fitted = withCharts(body, items, limit);
    }
    return fitted;
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

  /**
   * Scales a slide body down by `zoom` (1: not at all). A transform, as wide as the slide once
   * scaled: CSS zoom would restyle every element of every chart on the slide at each try.
   */
  function setZoom(body, zoom) {
    if (zoom >= 1) {
      body.style.removeProperty("width");
      body.style.removeProperty("transform");
      body.style.removeProperty("transform-origin");
      return;
    }
    body.style.width = (100 / zoom).toFixed(3) + "%";
    body.style.transform = "scale(" + zoom + ")";
    body.style.transformOrigin = "0 0";
  }

  /** The largest zoom (at least MIN_ZOOM) at which the body fits; leaves the body unzoomed. */
  function bestZoom(body, available) {
    // The height shrinks at least as fast as the zoom (text lines get relatively wider), so
    // available / height fits; the best zoom lies between that and 1.
    let lo = Math.max(MIN_ZOOM, Math.min(1, available / heightOf(body)));
    let hi = 1;
    for (let i = 0; i < 5 && hi - lo > 0.005; i++) {
      const mid = (lo + hi) / 2;
      setZoom(body, mid);
      if (heightOf(body) <= available) lo = mid;
      else hi = mid;
    }
    setZoom(body, 1);
    return Math.floor(lo * 1000) / 1000;
  }

  /** Scales the body down as a last resort: code folds first when the zoom would be small. */
  function scaleDown(body, available, refit) {
    for (;;) {
      const height = shrinkCharts(body, available);
      if (height <= available) return;
      const zoom = bestZoom(body, available);
      // code that the zoom would make smaller than READABLE_PX folds, longest first
      const next = refit || zoom >= 1 ? undefined : Array.from(
        body.querySelectorAll("pre.code-input"),
      ).filter((pre) =>
        !pre.closest("details") &&
        parseFloat(getComputedStyle(pre).fontSize) * zoom < READABLE_PX
      ).sort((a, b) => b.offsetHeight - a.offsetHeight)[0];
      if (next) {
        fold(next);
        continue;
      }
      setZoom(body, zoom);
      body.dataset.zoom = zoom.toFixed(3);
      if (heightOf(body) > available + 1) body.classList.add("overflowing");
      return;
    }
  }

  /**
   * Fits a body that is on screen (after reveal.js started) for what shows now: charts shrink
   * within their floors, then the slide scales. `refit` (after the presenter unfolds
   * something) folds nothing.
   */
  function fitBody(body, available, refit) {
    setZoom(body, 1);
    body.classList.remove("overflowing");
    delete body.dataset.zoom;
    scaleDown(body, available, refit);
  }

  // ---- splitting -------------------------------------------------------------------------

  /** The visual outputs of a body that may move, in document order (none inside another). */
  function unitsOf(body) {
    return Array.from(body.querySelectorAll(UNITS)).filter((el) =>
      !el.parentElement.closest(UNITS) && !el.closest("details") &&
      (!el.matches(".output-html") || el.querySelector("table"))
    );
  }

  /** Whether a body shows anything but its heading, its notes and `except`. */
  function hasContentBesides(body, except) {
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim() || except.contains(n)) continue;
      if (!n.parentElement.closest("h1, h2, h3, aside.notes")) return true;
    }
    return Array.from(body.querySelectorAll("svg, img")).some((el) => !except.contains(el));
  }

  /**
   * The slide's heading (its level, its text and its HTML: rendered math stays rendered), for
   * its continuation slides. The text leaves out KaTeX's MathML copy of each formula.
   */
  function titleOf(section) {
    const made = headings.get(section);
    if (made) return made;
    const heading = section.querySelector(":scope > .slide-body :is(h1, h2, h3)");
    if (!heading) return { tag: "h2", text: "", html: "" };
    const plain = heading.cloneNode(true);
    plain.querySelectorAll(".katex-mathml").forEach((el) => el.remove());
    return {
      tag: heading.tagName.toLowerCase(),
      text: plain.textContent.replace(/\s+/g, " ").trim(),
      html: heading.innerHTML.trim(),
    };
  }

  /** The heading each continuation slide continues (that of the slide it was split from). */
  const headings = new WeakMap();

  /** Each split slide's continuation slide. */
  const continuations = new WeakMap();
  /** The vertical stacks made for a slide and its continuations. */
  const madeStacks = new WeakSet();

  /** A continuation slide right after `section` (in its vertical stack), made on demand. */
  function continuationOf(section) {
    const made = continuations.get(section);
    if (made) return made;
    let parent = section.parentElement;
    if (parent.matches(".slides")) {
      const stack = document.createElement("section");
      // shown like the slide while it is measured (see measure)
      stack.style.display = "block";
      madeStacks.add(stack);
      section.replaceWith(stack);
      stack.append(section);
      parent = stack;
    }
    const title = titleOf(section);
    const cont = document.createElement("section");
    cont.className = "continued";
    continuations.set(section, cont);
    cont.dataset.slideNumber = section.dataset.slideNumber;
    cont.dataset.continued = String(Number(section.dataset.continued ?? 0) + 1);
    headings.set(cont, title);
    cont.dataset.title = title.text;
    cont.dataset.titleTag = title.tag;
    if (section.dataset.cells) cont.dataset.cells = section.dataset.cells;
    const body = document.createElement("div");
    body.className = "slide-body";
    if (title.text) {
      const h = document.createElement(title.tag);
      h.className = "continued-title";
      h.innerHTML = `${title.html} (continued)`;
      body.append(h);
    }
    cont.append(body);
    section.after(cont);
    return cont;
  }

  /** Removes what a move left empty: outputs, cells and steps with nothing in them. */
  function prune(el, body, notesTo) {
    while (el && el !== body) {
      const parent = el.parentElement;
      const empty = !Array.from(el.childNodes).some((n) =>
        n.nodeType === Node.ELEMENT_NODE ? !n.matches("aside.notes") : n.textContent.trim()
      );
      if (!empty) return;
      if (el.matches(".fragment") && notesTo) {
        for (const notes of el.querySelectorAll(":scope > aside.notes")) notesTo.append(notes);
      }
      el.remove();
      el = parent;
    }
  }

  /**
   * Moves a visual output to the start of the continuation slide's body (after its heading),
   * inside a cell like its own, and inside a step when it was in one.
   */
  function moveUnit(unit, section) {
    const body = section.querySelector(":scope > .slide-body");
    const cont = continuationOf(section);
    const target = cont.querySelector(":scope > .slide-body");
    const heading = target.querySelector(":scope > .continued-title");
    const from = unit.parentElement;
    const step = unit.closest(".slide-body > .fragment");
    const cell = unit.closest(".cell");
    const wrapper = document.createElement("div");
    wrapper.className = cell && cell.matches(".markdown-cell")
      ? "cell markdown-cell"
      : "cell code-cell outputs-only";
    if (cell && cell.dataset.cell) wrapper.dataset.cell = cell.dataset.cell;
    if (unit.matches(".visual-side")) {
      unit.classList.remove("visual-side");
      unit.classList.add("visuals");
      cell.classList.remove("split");
    }
    wrapper.append(unit);
    let place = wrapper;
    let notesTo;
    if (step) {
      const index = step.dataset.fragmentIndex;
      const first = heading ? heading.nextElementSibling : target.firstElementChild;
      if (first && first.matches(".fragment") && first.dataset.fragmentIndex === index) {
        first.prepend(wrapper);
        place = null;
        notesTo = first;
      } else {
        place = document.createElement("div");
        place.className = "fragment";
        place.dataset.fragmentIndex = index;
        place.append(wrapper);
        notesTo = place;
      }
    }
    if (place) {
      if (heading) heading.after(place);
      else target.prepend(place);
    }
    prune(from, body, notesTo);
    return cont;
  }

  /** The room on a slide: the deck's height less the slide's padding. */
  function availableFor(section) {
    const style = getComputedStyle(section);
    return HEIGHT - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  }

  /**
   * Shows one slide (and its stack) for measuring, with every step and without its charts'
   * drawings (a chart's box keeps the shape of its viewBox; restyling thousands of marks each
   * time a slide is shown would take seconds); returns a function that undoes it.
   */
  function measure(section) {
    const saved = [];
    for (let el = section; el && !el.matches(".slides"); el = el.parentElement) {
      saved.push([el, el.style.display]);
      el.style.display = "block";
    }
    section.classList.add("measuring");
    const drawings = new Map();
    for (const svg of section.querySelectorAll(".output-chart > svg")) {
      smallestFont(svg);
      const drawing = document.createDocumentFragment();
      while (svg.firstChild) drawing.append(svg.firstChild);
      drawings.set(svg, drawing);
    }
    return () => {
      for (const [svg, drawing] of drawings) svg.append(drawing);
      section.classList.remove("measuring");
      for (const [el, display] of saved) el.style.display = display;
      const stack = section.parentElement;
      if (madeStacks.has(stack)) stack.style.removeProperty("display");
    };
  }

  /**
   * Fits one slide with every step shown: charts shrink within their floors, trailing visual
   * outputs move to a continuation slide while it does not fit, then code folds and the slide
   * scales as a last resort. Returns the continuation slide made, if any (fitted next).
   */
  function fitSlide(section) {
    const body = section.querySelector(":scope > .slide-body");
    const done = measure(section);
    try {
      const available = availableFor(section);
      setChartFloors(body);
      unsplitNarrow(body);
      let cont;
      while (shrinkCharts(body, available) > available) {
        const units = unitsOf(body);
        const last = units[units.length - 1];
        if (!last || !hasContentBesides(body, last)) break;
        cont = moveUnit(last, section);
      }
      fitBody(body, available, false);
      return cont;
    } finally {
      done();
    }
  }

  /** Slides not fitted yet, in deck order. */
  let queue = [];
  /** Milliseconds spent fitting so far. */
  let fitTime = 0;

  /**
   * Fits slides from the queue (or only `one`, when it is still queued) until `budget`
   * milliseconds have passed, each with its continuation slides; returns whether slides were
   * added. Before reveal.js starts, the slides get the deck's size to be measured in.
   */
  function fitSome(budget, one) {
    const start = performance.now();
    const slides = document.querySelector(".reveal .slides");
    const css = slides.style.cssText;
    const ready = Reveal.isReady();
    if (!ready) {
      slides.style.width = WIDTH + "px";
      slides.style.height = HEIGHT + "px";
    }
    let added = false;
    try {
      while (queue.length > 0 && performance.now() - start < budget) {
        let section;
        if (one) {
          const at = queue.indexOf(one);
          if (at < 0) break;
          section = queue.splice(at, 1)[0];
        } else section = queue.shift();
        for (let s = fitSlide(section); s; s = fitSlide(s)) added = true;
        if (one) break;
      }
    } finally {
      if (!ready) slides.style.cssText = css;
      fitTime += performance.now() - start;
    }
    return added;
  }

  /** Tells reveal.js about slides added while it runs, staying on the slide shown. */
  function syncSlides() {
    const ix = Reveal.getIndices();
    Reveal.sync();
    Reveal.slide(ix.h, ix.v ?? 0, ix.f);
  }

  /** Marks the deck fitted: every slide, continuation slides included, is in place. */
  function fitted() {
    root.dataset.fitMs = String(Math.round(fitTime));
    root.dataset.deckFitted = "true";
  }

  /** Fits the rest of the queue in small chunks, between key presses and frames. */
  function fitInBackground() {
    if (queue.length === 0) {
      fitted();
      return;
    }
    if (fitSome(CHUNK_MS)) syncSlides();
    setTimeout(fitInBackground, 0);
  }

  /** A slide about to show that is still queued is fitted at once. */
  function fitShown(event) {
    const slide = event.currentSlide ?? Reveal.getCurrentSlide();
    if (slide && queue.includes(slide) && fitSome(Infinity, slide)) syncSlides();
  }

  /** Loads the KaTeX fonts a deck with math uses (inlined as data: URLs) before measuring. */
  function fontsLoaded() {
    if (!document.querySelector(".katex")) return Promise.resolve();
    const faces = Array.from(document.fonts).filter((f) => /KaTeX/.test(f.family));
    return Promise.all(faces.map((f) => f.load().catch(() => {}))).then(() => document.fonts.ready);
  }

  // ---- while presenting -------------------------------------------------------------------

  /** The slide body's room, measured on the slide. */
  function availableOf(body) {
    return availableFor(body.parentElement);
  }

  /**
   * A step shown or hidden changes what is on the slide: it is fitted again for what shows now
   * (charts grow back while a later step is hidden; the slide already fits with all of them).
   */
  function refitSteps(event) {
    if (printing) return;
    const slide = event.currentSlide ?? Reveal.getCurrentSlide();
    const body = slide && slide.querySelector(":scope > .slide-body");
    if (!body || !body.querySelector(":scope > .fragment") || queue.includes(slide)) return;
    fitBody(body, availableOf(body), true);
  }

  /** Unfolding code or an output on a slide fits that slide again. */
  function refitOnToggle(event) {
    const body = event.target.closest && event.target.closest(".slide-body");
    if (!body || !Reveal.isReady()) return;
    fitBody(body, availableOf(body), true);
    Reveal.layout();
  }

  // ---- click to enlarge --------------------------------------------------------------------

  const ZOOMABLE = ".slide-body .output-chart, .slide-body .output-image, " +
    ".slide-body .output-table, .slide-body .output-html:has(table)";

  /**
   * Charts, tables and images become focusable buttons; a click (or Enter) shows a copy of one
   * over the whole window. A click, Escape or a navigation key closes it (a navigation key
   * then navigates as usual); focus goes back to the chart.
   */
  function setUpZoom(reveal) {
    const overlay = document.createElement("div");
    overlay.className = "deck-zoom";
    overlay.hidden = true;
    overlay.tabIndex = -1;
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", "Enlarged view (click or Escape closes it)");
    reveal.append(overlay);
    let opener = null;
    for (const el of document.querySelectorAll(ZOOMABLE)) {
      if (el.parentElement.closest(ZOOMABLE)) continue;
      el.classList.add("zoomable");
      el.tabIndex = 0;
      el.setAttribute("role", "button");
      const label = el.querySelector("svg[aria-label], img[alt]");
      el.setAttribute(
        "aria-label",
        "Enlarge " + (label ? label.getAttribute("aria-label") || label.alt : "table"),
      );
    }
    function open(el) {
      opener = el;
      const copy = el.cloneNode(true);
      copy.classList.remove("zoomable", "fragment");
      copy.removeAttribute("tabindex");
      copy.removeAttribute("role");
      copy.removeAttribute("style");
      copy.querySelectorAll("[id]").forEach((n) => n.removeAttribute("id"));
      const svg = copy.matches("svg") ? copy : copy.querySelector(":scope > svg");
      if (svg) svg.removeAttribute("style");
      const frame = document.createElement("div");
      frame.className = "deck-zoom-frame" + (svg || copy.matches(".output-image") ? " fill" : "");
      frame.append(copy);
      overlay.replaceChildren(frame);
      overlay.hidden = false;
      root.classList.add("deck-zoomed");
      if (!frame.classList.contains("fill")) {
        // a table grows to fill the window as far as its shape allows
        const box = overlay.getBoundingClientRect();
        const r = copy.getBoundingClientRect();
        const k = Math.min(3, (box.width * 0.94) / r.width, (box.height * 0.94) / r.height);
        copy.style.transform = "scale(" + k.toFixed(3) + ")";
      }
      overlay.focus({ preventScroll: true });
    }
    function close() {
      overlay.hidden = true;
      overlay.replaceChildren();
      root.classList.remove("deck-zoomed");
      if (opener) opener.focus({ preventScroll: true });
      opener = null;
    }
    document.addEventListener("click", (event) => {
      if (!overlay.hidden) {
        close();
        event.preventDefault();
        event.stopPropagation();
        return;
      }
      const el = event.target.closest && event.target.closest(".zoomable");
      if (!el || el.closest("details:not([open])") || !el.closest("section.present")) return;
      open(el);
      event.preventDefault();
      event.stopPropagation();
    }, true);
    globalThis.addEventListener("keydown", (event) => {
      if (!overlay.hidden) {
        close();
        // Escape only closes; an arrow, Space or Page key goes on to navigate
        if (event.key === "Escape" || event.key === "Enter") {
          event.preventDefault();
          event.stopImmediatePropagation();
        }
        return;
      }
      const el = document.activeElement;
      if (event.key === "Enter" && el && el.classList && el.classList.contains("zoomable")) {
        open(el);
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    }, true);
    Reveal.on("slidechanged", () => {
      if (!overlay.hidden) close();
    });
  }

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

  Reveal.on("pdf-ready", () => {
    uniqueIdsPerPage();
    root.dataset.pdfReady = "true";
  });
  for (const name of ["ready", "slidechanged"]) Reveal.on(name, fitShown);
  for (const name of ["ready", "slidechanged", "fragmentshown", "fragmenthidden"]) {
    Reveal.on(name, refitSteps);
  }
  document.addEventListener("toggle", refitOnToggle, true);

  fontsLoaded().then(() => {
    const reveal = document.querySelector(".reveal");
    queue = Array.from(reveal.querySelectorAll(".slides section")).filter((s) =>
      s.querySelector(":scope > .slide-body")
    );
    if (printing) {
      // the handout shows every step: the print view is fitted whole before it is laid out
      reveal.classList.add("all-steps");
      fitSome(Infinity);
    } else {
      // the first slides now, the rest in the background (a slide about to show at once)
      fitSome(FIRST_MS);
    }
    return Reveal.initialize({
      width: WIDTH,
      height: HEIGHT,
      margin: 0.04,
      minScale: 0.2,
      maxScale: 2.5,
      center: false,
      hash: true,
      // → and Space visit every slide in order, vertical ones included (what a clicker
      // sends); ↓ / ↑ still move within a vertical stack and the overview shows the stacks.
      navigationMode: "linear",
      slideNumber: "c/t",
      showSlideNumber: "all",
      transition: "fade",
      transitionSpeed: "fast",
      backgroundTransition: "none",
      // The handout shows each slide once, in its final state (every step shown).
      pdfSeparateFragments: false,
      pdfMaxPagesPerSlide: 1,
      plugins: [RevealNotes],
    });
  }).then(() => {
    root.dataset.deckReady = "true";
    if (printing) fitted();
    else {
      setUpZoom(document.querySelector(".reveal"));
      setTimeout(fitInBackground, 0);
    }
  });
})();
