/**
 * `deno task slides [filter...] [--no-pdf] [--timeout=SECONDS]`: builds the instructors' decks.
 * For every lesson in notebooks/ (or those matching a filter, e.g. `03`) it takes the executed
 * copy in build/notebooks/, running the lesson first (as `deno task course` does) when that
 * copy is missing, older than the lesson, or from a run that did not finish. It then writes one
 * self-contained offline deck per lesson into slides/, the index page slides/index.html, and
 * a PDF handout per deck when Chromium is installed.
 *
 * @module
 */
import { basename } from "node:path";
import { executedPath, parseRunArgs, runLessons } from "./course.ts";
import { buildDecks, displayPath } from "./_decks.ts";
import { listNotebooks, NOTEBOOKS_DIR, runCli } from "./_jupyter.ts";
import { cellSource, readNotebook } from "./_notebook.ts";

const USAGE = `Usage: deno task slides [filter...] [--no-pdf] [--timeout=SECONDS]

Builds one offline reveal.js deck per lesson into slides/ (NN_name.html), the index page
slides/index.html, and a PDF handout per deck (NN_name.pdf) when Chromium is installed.
Lessons whose executed copy in build/notebooks/ is missing or older than the lesson are run
first, as \`deno task course\` does.

  filter             only lessons whose name contains it (e.g. 03 or overfitting)
  --no-pdf           skip the PDF handouts
  --timeout=SECONDS  longest a single cell may run when lessons are run (default 600)
  --help             show this text`;

/**
 * Why a lesson's executed copy cannot be used for its deck, or undefined when it can: it is
 * missing, older than the lesson, holds an error, or has code cells that never ran (a run that
 * stopped part-way).
 *
 * @param notebook The lesson in notebooks/.
 * @param executed Its executed copy.
 * @returns A short reason, or undefined when the copy is up to date and complete.
 *
 * @example A missing copy is stale
 * ```ts
 * import { staleReason } from "./slides.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.ipynb`, '{"cells": []}');
 * if (await staleReason(`${dir}/a.ipynb`, `${dir}/missing.ipynb`) !== "no executed copy") {
 *   throw new Error("stale");
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function staleReason(notebook: string, executed: string): Promise<string | undefined> {
  let built: Deno.FileInfo;
  try {
    built = await Deno.stat(executed);
  } catch {
    return "no executed copy";
  }
  const source = await Deno.stat(notebook);
  if ((built.mtime?.getTime() ?? 0) < (source.mtime?.getTime() ?? 0)) {
    return "the lesson changed since it last ran";
  }
  try {
    const nb = await readNotebook(executed);
    for (const cell of nb.cells) {
      if (cell.cell_type !== "code") continue;
      if ((cell.outputs ?? []).some((o) => o.output_type === "error")) {
        return "its last run ended with an error";
      }
      const count = cell.execution_count;
      if (cellSource(cell).trim() !== "" && (count === null || count === undefined)) {
        return "its last run did not reach every cell";
      }
    }
  } catch {
    return "the executed copy cannot be read";
  }
  return undefined;
}

/** Builds the decks; returns the process exit code. */
async function main(args: string[]): Promise<number> {
  const options = parseRunArgs(args, { noSlides: false });
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const notebooks = listNotebooks(options.filters);
  if (notebooks.length === 0) {
    console.error(`No notebooks in ${displayPath(NOTEBOOKS_DIR)}/`);
    return 1;
  }
  const stale: string[] = [];
  for (const notebook of notebooks) {
    const reason = await staleReason(notebook, executedPath(notebook));
    if (reason) {
      console.log(`${basename(notebook)} must run first: ${reason}`);
      stale.push(notebook);
    }
  }
  if (stale.length > 0) {
    if (!(await runLessons(stale, { timeout: options.timeout }))) return 1;
    console.log("");
  }
  const { ok } = await buildDecks(notebooks.map(executedPath), { pdf: options.pdf });
  return ok ? 0 : 1;
}

if (import.meta.main) await runCli(main);
