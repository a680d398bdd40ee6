/**
 * From cells to slides: which slide each cell of a notebook goes on, read from its
 * `metadata.slideshow.slide_type` the way nbconvert's slides exporter reads it, and how a code
 * cell is shown there (Jupyter Book tags, JupyterLab folds, check cells). Used by the deck
 * renderer (`_slides.ts`) and the index page (`_decks.ts`); no HTML is made here.
 *
 * @module
 */
import { basename } from "node:path";
import { firstHeading } from "./_markdown.ts";
import { stripAnsi } from "./_jupyter.ts";
import { joinText, type Notebook, type NotebookCell } from "./_notebook.ts";

/**
 * The slide type of a cell as nbconvert reads it: missing metadata counts as `-`.
 *
 * @param cell A cell.
 * @returns One of `SLIDE_TYPES` (`_notebook.ts`).
 *
 * @example
 * ```ts
 * import { slideType } from "./_deck_plan.ts";
 * if (slideType({ cell_type: "raw", source: "", metadata: {} }) !== "-") throw new Error("-");
 * ```
 */
export function slideType(cell: NotebookCell): string {
  return cell.metadata?.slideshow?.slide_type ?? "-";
}

/** A cell's Jupyter Book tags (`remove-cell`, `hide-input`, ...). */
export function cellTags(cell: NotebookCell): string[] {
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
 * import { planDeck } from "./_deck_plan.ts";
 * const cell = (t: string) => ({ cell_type: "markdown" as const, source: "x", metadata: { slideshow: { slide_type: t } } });
 * const plan = planDeck({ cells: ["slide", "fragment", "-", "subslide"].map(cell), metadata: {} });
 * if (plan.slides.length !== 1 || plan.slides[0].length !== 2) throw new Error("1 slide, 2 vertical");
 * const first = plan.slides[0][0].items;
 * if (first[1].kind !== "fragment" || first[1].items.length !== 2) throw new Error("fragment holds 2");
 * ```
 */
export function planDeck(nb: Notebook): DeckPlan {
  const slides: PlanSlide[][] = [];
  const titleNotes: number[] = [];
  let current: PlanSlide | undefined;
  let fragment: Extract<PlanItem, { kind: "fragment" }> | undefined;
  nb.cells.forEach((cell, index) => {
    if (cellTags(cell).includes("remove-cell")) return;
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
 * import { isCheckCell } from "./_deck_plan.ts";
 * const cell = {
 *   cell_type: "code" as const,
 *   source: 'await lib.check(a > b, "a beats b");',
 *   metadata: {},
 *   outputs: [{ output_type: "stream", name: "stdout", text: "✓ a beats b\n" }],
 * };
 * if (!isCheckCell(cell)) throw new Error("check cell");
 * ```
 */
export function isCheckCell(cell: NotebookCell): boolean {
  if (cell.cell_type !== "code" || !/\bcheck\(/.test(joinText(cell.source))) return false;
  const outputs = cell.outputs ?? [];
  if (outputs.length === 0 || outputs.some((o) => o.output_type !== "stream")) return false;
  const lines = outputs.map((o) => stripAnsi(joinText(o.text))).join("").split("\n");
  return lines.some((line) => /^\s*✓/.test(line));
}

/**
 * How a code cell's input and outputs are shown on a slide: removed (`remove-input`,
 * `remove-output`, an empty source), folded (`hide-input`, `hide-output`, JupyterLab's folds,
 * the code of a check cell) or shown.
 *
 * @param cell A code cell.
 * @returns How its input and its outputs are shown.
 *
 * @example A hidden input
 * ```ts
 * import { codeDisplay } from "./_deck_plan.ts";
 * const shown = codeDisplay({ cell_type: "code", source: "x", metadata: { tags: ["hide-input"] } });
 * if (shown.input !== "folded" || shown.outputs !== "shown") throw new Error(JSON.stringify(shown));
 * ```
 */
export function codeDisplay(
  cell: NotebookCell,
): { input: "shown" | "folded" | "removed"; outputs: "shown" | "folded" | "removed" } {
  const tags = cellTags(cell);
  const source = joinText(cell.source).replace(/\s+$/, "");
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
 * import { deckTitle } from "./_deck_plan.ts";
 * const nb = { cells: [{ cell_type: "markdown" as const, source: "# 04 · L1 and L2", metadata: {} }], metadata: {} };
 * if (deckTitle(nb, "04_l1_l2.ipynb") !== "04 · L1 and L2") throw new Error("title");
 * if (deckTitle({ cells: [], metadata: {} }, "04_l1_l2.ipynb") !== "04_l1_l2") throw new Error("fallback");
 * ```
 */
export function deckTitle(nb: Notebook, name: string): string {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "markdown") continue;
    const heading = firstHeading(joinText(cell.source));
    if (heading) return heading.text;
  }
  return basename(name).replace(/\.ipynb$/, "");
}

/** Counts slides the way reveal.js does: every vertical slide, plus the title slide. */
export function countSlides(plan: DeckPlan): number {
  return 1 + plan.slides.reduce((n, stack) => n + stack.length, 0);
}

/**
 * The slides that have no speaker notes, numbered as the deck numbers them (the title slide is
 * 1). A slide has notes when a non-empty `notes` cell belongs to it or to one of its fragments.
 * The title slide is not listed (its notes are optional: the lesson's first slide follows it).
 *
 * @param nb The notebook.
 * @param options.subslides List vertical slides too, not only horizontal ones. @default false
 * @returns Slide numbers, in order.
 *
 * @example A slide with notes, a vertical slide and a slide without
 * ```ts
 * import { slidesWithoutNotes } from "./_deck_plan.ts";
 * const cell = (t: string, source = "x") => ({ cell_type: "markdown" as const, source, metadata: { slideshow: { slide_type: t } } });
 * const nb = { cells: [cell("slide"), cell("notes", "Say"), cell("subslide"), cell("slide"), cell("notes", " ")], metadata: {} };
 * if (slidesWithoutNotes(nb).join() !== "4") throw new Error(String(slidesWithoutNotes(nb)));
 * if (slidesWithoutNotes(nb, { subslides: true }).join() !== "3,4") throw new Error("3,4");
 * ```
 */
export function slidesWithoutNotes(
  nb: Notebook,
  options: { subslides?: boolean } = {},
): number[] {
  const written = (indices: number[]) =>
    indices.some((i) => joinText(nb.cells[i].source).trim() !== "");
  const missing: number[] = [];
  let number = 1;
  for (const stack of planDeck(nb).slides) {
    stack.forEach((slide, v) => {
      number++;
      if (v > 0 && !options.subslides) return;
      const hasNotes = written(slide.notes) ||
        slide.items.some((item) => item.kind === "fragment" && written(item.notes));
      if (!hasNotes) missing.push(number);
    });
  }
  return missing;
}
