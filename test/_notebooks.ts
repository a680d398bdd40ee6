/**
 * Hand-made Deno notebooks for the tests of the runner, the lesson checks and the display:
 * one place that knows what a minimal notebook for the Deno kernel looks like.
 *
 * @module
 */
import type { Notebook, NotebookCell } from "../tools/_notebook.ts";

/** A code cell without outputs; `metadata` as given (e.g. slideshow metadata). */
export function codeCell(
  source: string,
  options: { metadata?: NotebookCell["metadata"]; outputs?: NotebookCell["outputs"] } = {},
): NotebookCell {
  return {
    cell_type: "code",
    source,
    metadata: options.metadata ?? {},
    outputs: options.outputs ?? [],
    execution_count: null,
  };
}

/** A markdown cell. */
export function markdownCell(source: string): NotebookCell {
  return { cell_type: "markdown", source, metadata: {} };
}

/** A notebook for the Deno kernel (kernelspec and TypeScript language info) holding `cells`. */
export function denoNotebook(cells: NotebookCell[]): Notebook {
  return {
    cells,
    metadata: {
      kernelspec: { name: "deno", display_name: "Deno", language: "typescript" },
      language_info: { name: "typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** A Deno notebook of code cells, one per source, as the JSON text of an .ipynb file. */
export function codeNotebookJson(sources: readonly string[]): string {
  return JSON.stringify(denoNotebook(sources.map((s) => codeCell(s))), null, 1) + "\n";
}
