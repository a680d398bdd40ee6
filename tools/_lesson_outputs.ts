/**
 * What a lesson notebook must hold, committed and executed: committed clean (no outputs or
 * execution counts, slide metadata on every cell, Deno's kernel), and after a run every cell's
 * output in place: no error, a chart from every `lib.show(` cell (Vega-Lite v5 and SVG), a
 * verified claim (✓) from every `lib.check(` cell. Shared by `deno task course`
 * (`tools/course.ts`) and `test/notebooks_test.ts`, so the two fail a lesson for the same
 * reasons.
 *
 * @module
 */
import {
  cellSource,
  isVegaLiteMime,
  joinText,
  type Notebook,
  type NotebookOutput,
  SLIDE_TYPES,
  SVG_MIME,
  VEGA_LITE_MIME,
} from "./_notebook.ts";
import { stripAnsi } from "./_jupyter.ts";

/**
 * Every error output in a notebook, with the cell it came from.
 *
 * @param nb An executed notebook.
 * @returns One entry per error output.
 *
 * @example Find the failing cell
 * ```ts
 * import { errorOutputs } from "./_lesson_outputs.ts";
 * import type { Notebook } from "./_notebook.ts";
 * const nb: Notebook = {
 *   cells: [
 *     { cell_type: "code", source: "1", metadata: {}, outputs: [] },
 *     { cell_type: "code", source: "x", metadata: {}, outputs: [{ output_type: "error", ename: "ReferenceError", evalue: "x is not defined", traceback: [] }] },
 *   ],
 *   metadata: {},
 *   nbformat: 4,
 *   nbformat_minor: 5,
 * };
 * const errors = errorOutputs(nb);
 * if (errors.length !== 1 || errors[0].cellIndex !== 1) throw new Error("cell 1");
 * ```
 */
export function errorOutputs(nb: Notebook): { cellIndex: number; output: NotebookOutput }[] {
  const found: { cellIndex: number; output: NotebookOutput }[] = [];
  nb.cells.forEach((cell, cellIndex) => {
    for (const output of cell.outputs ?? []) {
      if (output.output_type === "error") found.push({ cellIndex, output });
    }
  });
  return found;
}

/**
 * Every chart output in a notebook: display or result bundles that carry a Vega-Lite spec (any
 * version) or an SVG image.
 *
 * @param nb An executed notebook.
 * @returns One entry per chart bundle, with its MIME types.
 *
 * @example Charts are bundles with Vega-Lite or SVG
 * ```ts
 * import { chartOutputs } from "./_lesson_outputs.ts";
 * import type { Notebook } from "./_notebook.ts";
 * const nb: Notebook = {
 *   cells: [{
 *     cell_type: "code",
 *     source: "show(spec)",
 *     metadata: {},
 *     outputs: [
 *       { output_type: "display_data", data: { "text/plain": "progress 3/10" } },
 *       { output_type: "display_data", data: { "application/vnd.vegalite.v5+json": {}, "image/svg+xml": "<svg/>" } },
 *     ],
 *   }],
 *   metadata: {},
 *   nbformat: 4,
 *   nbformat_minor: 5,
 * };
 * const charts = chartOutputs(nb);
 * if (charts.length !== 1 || charts[0].mimeTypes.length !== 2) throw new Error("one chart");
 * ```
 */
export function chartOutputs(
  nb: Notebook,
): { cellIndex: number; mimeTypes: string[]; data: Record<string, unknown> }[] {
  const found: { cellIndex: number; mimeTypes: string[]; data: Record<string, unknown> }[] = [];
  nb.cells.forEach((cell, cellIndex) => {
    for (const output of cell.outputs ?? []) {
      const data = output.data;
      if (!data) continue;
      const mimeTypes = Object.keys(data);
      if (
        mimeTypes.some((m) => m === SVG_MIME || isVegaLiteMime(m))
      ) {
        found.push({ cellIndex, mimeTypes, data });
      }
    }
  });
  return found;
}

/**
 * Problems that keep a notebook from being committed as a lesson: outputs or execution counts
 * left in, a cell without slide metadata, a kernel other than Deno's.
 *
 * @param nb A notebook as stored in git.
 * @returns One sentence per problem; empty when the notebook is clean.
 *
 * @example A committed cell with an output is a problem
 * ```ts
 * import { lessonProblems } from "./_lesson_outputs.ts";
 * import type { Notebook } from "./_notebook.ts";
 * const nb: Notebook = {
 *   cells: [{
 *     cell_type: "code",
 *     source: "1 + 1",
 *     metadata: { slideshow: { slide_type: "slide" } },
 *     outputs: [{ output_type: "execute_result", data: { "text/plain": "2" } }],
 *     execution_count: 1,
 *   }],
 *   metadata: { kernelspec: { name: "deno" }, language_info: { name: "typescript" } },
 *   nbformat: 4,
 *   nbformat_minor: 5,
 * };
 * const problems = lessonProblems(nb);
 * if (problems.length !== 2) throw new Error(problems.join("; "));
 * ```
 */
export function lessonProblems(nb: Notebook): string[] {
  const problems: string[] = [];
  const kernel = nb.metadata?.kernelspec?.name;
  if (kernel !== "deno") {
    problems.push(`metadata.kernelspec.name must be "deno", got ${JSON.stringify(kernel)}`);
  }
  const language = nb.metadata?.language_info?.name;
  if (language !== "typescript") {
    problems.push(
      `metadata.language_info.name must be "typescript", got ${JSON.stringify(language)}`,
    );
  }
  nb.cells.forEach((cell, i) => {
    const where = `cell ${i + 1} (${cell.cell_type})`;
    const slideType = cell.metadata?.slideshow?.slide_type;
    if (slideType === undefined || !SLIDE_TYPES.includes(slideType)) {
      problems.push(
        `${where} must carry metadata.slideshow.slide_type (one of ${SLIDE_TYPES.join(", ")}), ` +
          `got ${JSON.stringify(slideType)}`,
      );
    }
    if (cell.cell_type !== "code") return;
    if ((cell.outputs ?? []).length > 0) {
      problems.push(`${where} must have no outputs, got ${cell.outputs!.length}`);
    }
    if (cell.execution_count !== null && cell.execution_count !== undefined) {
      problems.push(`${where} must have no execution count, got ${cell.execution_count}`);
    }
  });
  return problems;
}

/**
 * Problems of an executed lesson: an error output; no chart at all; a cell that calls
 * `lib.show(` but kept no chart, or `lib.check(` but printed no verified claim (`✓ `), which is
 * how a lost output shows; a chart bundle without both Vega-Lite v5 (with its `$schema`) and
 * SVG.
 *
 * @param nb An executed lesson.
 * @returns One sentence per problem, naming the cell (1-based among all cells); empty when
 *   the lesson is complete.
 *
 * @example A check cell whose claim was lost
 * ```ts
 * import { executedLessonProblems } from "./_lesson_outputs.ts";
 * import type { Notebook } from "./_notebook.ts";
 * const spec = { $schema: "https://vega.github.io/schema/vega-lite/v5.json" };
 * const nb: Notebook = {
 *   cells: [
 *     { cell_type: "code", source: "await lib.show(chart)", metadata: {}, outputs: [
 *       { output_type: "display_data", data: { "application/vnd.vegalite.v5+json": spec, "image/svg+xml": "<svg></svg>" } },
 *     ] },
 *     { cell_type: "code", source: "await lib.check(ok, \"it works\")", metadata: {}, outputs: [] },
 *   ],
 *   metadata: {},
 *   nbformat: 4,
 *   nbformat_minor: 5,
 * };
 * const problems = executedLessonProblems(nb);
 * if (problems.join() !== "cell 2 calls lib.check() but printed no verified claim (✓)") {
 *   throw new Error(problems.join("; "));
 * }
 * ```
 */
export function executedLessonProblems(nb: Notebook): string[] {
  const problems = errorOutputs(nb).map((e) =>
    `cell ${e.cellIndex + 1} has an error output: ${e.output.ename}: ${
      stripAnsi(e.output.evalue ?? "")
    }`
  );
  const charts = chartOutputs(nb);
  if (charts.length === 0) problems.push("the lesson must show at least one chart, got none");
  const withCharts = new Set(charts.map((c) => c.cellIndex));
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const source = cellSource(cell);
    if (/\blib\.show\(/.test(source) && !withCharts.has(i)) {
      problems.push(`cell ${i + 1} calls lib.show() but shows no chart`);
    }
    if (/\blib\.check\(/.test(source)) {
      const printed = (cell.outputs ?? []).map((o) => joinText(o.text)).join("");
      if (!printed.includes("✓ ")) {
        problems.push(`cell ${i + 1} calls lib.check() but printed no verified claim (✓)`);
      }
    }
  });
  for (const chart of charts) {
    const where = `cell ${chart.cellIndex + 1}`;
    if (!chart.mimeTypes.includes(VEGA_LITE_MIME) || !chart.mimeTypes.includes(SVG_MIME)) {
      problems.push(
        `${where}: a chart bundle must carry ${VEGA_LITE_MIME} and ${SVG_MIME}, got ${
          chart.mimeTypes.join(", ")
        }`,
      );
      continue;
    }
    const spec = chart.data[VEGA_LITE_MIME] as { $schema?: string };
    if (!/vega-lite\/v5(\.\d+)*\.json$/.test(spec.$schema ?? "")) {
      problems.push(
        `${where}: the spec must declare the Vega-Lite v5 $schema, got ${
          JSON.stringify(spec.$schema)
        }`,
      );
    }
    const svg = joinText(chart.data[SVG_MIME] as string | string[]);
    if (!/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(svg)) {
      problems.push(`${where}: ${SVG_MIME} must be SVG, got ${JSON.stringify(svg.slice(0, 40))}`);
    }
  }
  return problems;
}
