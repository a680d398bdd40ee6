/**
 * `deno task course [filter...] [--timeout=SECONDS] [--no-slides] [--no-pdf]`: the kit's main
 * job. Executes every lesson in notebooks/ (or those whose names contain a filter, e.g. `03`)
 * headless through Jupyter with the Deno kernel, in course order, writing executed copies to
 * build/notebooks/ and one line per notebook as it goes. The first failing notebook stops the
 * run and its failing cell is shown; a lesson also fails when a `lib.show(` cell kept no chart
 * or a `lib.check(` cell printed no verified claim (the rules of `_lesson_outputs.ts`, which
 * test/notebooks_test.ts applies too). It ends by building those lessons' slide decks into
 * slides/ (with the index page and, when Chromium is installed, PDF handouts).
 *
 * @module
 */
import {
  BUILD_DIR,
  type CellProgress,
  describeFailure,
  ensureDenoKernel,
  executeNotebook,
  findJupyter,
  formatSeconds,
  JupyterMissingError,
  listNotebooks,
  type NotebookRun,
  NOTEBOOKS_DIR,
  ROOT,
  runCli,
} from "./_jupyter.ts";
import { basename, join, relative } from "node:path";
import { buildDecks } from "./_decks.ts";
import { executedLessonProblems } from "./_lesson_outputs.ts";

const USAGE = `Usage: deno task course [filter...] [--timeout=SECONDS] [--no-slides] [--no-pdf]

Executes the lessons in notebooks/ headless through Jupyter with the Deno kernel, writes
executed copies to build/notebooks/, then builds their slide decks into slides/ (an offline
HTML deck per lesson, slides/index.html, and PDF handouts when Chromium is installed).

  filter             run only notebooks whose name contains it (e.g. 03 or overfitting)
  --timeout=SECONDS  longest a single cell may run (default 600)
  --no-slides        stop after running the notebooks
  --no-pdf           build the decks but not the PDF handouts
  --help             show this text

Set COURSE_PYTHON to the Python interpreter that has Jupyter if it is not found on its own.`;

/** Command-line options of the course runner and of `deno task slides`. */
export interface RunOptions {
  filters: string[];
  timeout: number;
  slides: boolean;
  pdf: boolean;
}

/**
 * Reads the arguments shared by `deno task course` and `deno task slides`: lesson filters,
 * `--timeout=SECONDS`, `--no-pdf`, `--help`, and (course only) `--no-slides`.
 *
 * @param args The command-line arguments.
 * @param options.noSlides Whether `--no-slides` is accepted. @default true
 * @returns The options, or "help" when help was asked for.
 *
 * @example
 * ```ts
 * import { parseRunArgs } from "./course.ts";
 * const o = parseRunArgs(["03", "--no-pdf"]);
 * if (o === "help" || o.filters[0] !== "03" || o.pdf) throw new Error();
 * ```
 */
export function parseRunArgs(
  args: string[],
  options: { noSlides?: boolean } = {},
): RunOptions | "help" {
  const noSlides = options.noSlides ?? true;
  const parsed: RunOptions = { filters: [], timeout: 600, slides: true, pdf: true };
  for (const arg of args) {
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--no-slides" && noSlides) {
      parsed.slides = false;
      continue;
    }
    if (arg === "--no-pdf") {
      parsed.pdf = false;
      continue;
    }
    const timeout = /^--timeout=(.*)$/.exec(arg);
    if (timeout) {
      const value = Number(timeout[1]);
      if (!Number.isInteger(value) || value <= 0) {
        throw new RangeError(
          `--timeout must be a positive whole number of seconds, got ${timeout[1]}`,
        );
      }
      parsed.timeout = value;
    } else if (arg.startsWith("-")) {
      const allowed = noSlides
        ? "--timeout=SECONDS, --no-slides, --no-pdf or --help"
        : "--no-pdf, --timeout=SECONDS or --help";
      throw new RangeError(`option must be ${allowed}, got ${arg}`);
    } else {
      parsed.filters.push(arg);
    }
  }
  return parsed;
}

/**
 * Runs lessons headless through Jupyter with the Deno kernel, in the order given, writing
 * executed copies to build/notebooks/ and one line per lesson; the first failure (a cell that
 * failed, or an executed copy that lost a chart or a claim) stops the run and is shown. Used by `deno task course` and by `deno task slides` for
 * lessons whose executed copies are missing or stale.
 *
 * @param notebooks The lessons (paths of .ipynb files).
 * @param options.timeout Seconds a single cell may run. @default 600
 * @param options.outDir Where the executed copies go. @default BUILD_DIR
 * @param options.log Where the report lines go. @default console.log
 * @returns True when every lesson ran without error.
 *
 * @example Run lesson 03
 * ```ts ignore
 * import { runLessons } from "./course.ts";
 * import { listNotebooks } from "./_jupyter.ts";
 * const ok = await runLessons(listNotebooks(["03"]));
 * ```
 */
export async function runLessons(
  notebooks: string[],
  options: { timeout?: number; outDir?: string; log?: (line: string) => void } = {},
): Promise<boolean> {
  const timeout = options.timeout ?? 600;
  const outDir = options.outDir ?? BUILD_DIR;
  const log = options.log ?? console.log;
  let jupyter;
  try {
    jupyter = await findJupyter();
  } catch (error) {
    if (error instanceof JupyterMissingError) {
      console.error(error.message);
      return false;
    }
    throw error;
  }
  const kernel = await ensureDenoKernel(jupyter, { log });
  log(
    `Jupyter: ${jupyter.python} (nbclient ${jupyter.versions.nbclient}), ` +
      `Deno kernel: ${kernel.resourceDir}`,
  );
  log(
    `Running ${notebooks.length} notebook${notebooks.length === 1 ? "" : "s"} into ${
      relative(ROOT, outDir)
    }/ (cell timeout ${timeout} s)`,
  );

  const width = Math.max(...notebooks.map((n) => basename(n).length));
  const live = Deno.stdout.isTerminal();
  const encoder = new TextEncoder();
  const status = (text: string) => live && Deno.stdout.writeSync(encoder.encode(`\r\x1b[K${text}`));
  const started = performance.now();
  for (const path of notebooks) {
    const name = basename(path);
    status(`...  ${name.padEnd(width)}  starting the kernel`);
    const run = await executeNotebook(jupyter, path, {
      outDir,
      timeout,
      onCell: (p: CellProgress) =>
        status(
          `...  ${name.padEnd(width)}  cell ${p.number}/${p.count}  ${formatSeconds(p.seconds)}`,
        ),
    });
    status("");
    const problems = run.status === "ok" && run.notebook
      ? executedLessonProblems(run.notebook)
      : [];
    const ok = run.status === "ok" && problems.length === 0;
    log(
      `${ok ? "ok  " : "FAIL"} ${name.padEnd(width)}  ${formatSeconds(run.seconds).padStart(7)}`,
    );
    if (!ok) {
      log(
        `\n${run.status === "ok" ? describeProblems(run, problems) : describeFailure(run)}\n`,
      );
      log(`Stopped at ${name}.`);
      return false;
    }
  }
  const total = (performance.now() - started) / 1000;
  log(
    `${notebooks.length} notebook${notebooks.length === 1 ? "" : "s"} ran in ${
      formatSeconds(total)
    }`,
  );
  return true;
}

/** Says which cells of a lesson that ran lost their chart or claim, or showed an error. */
function describeProblems(run: NotebookRun, problems: string[]): string {
  return [
    `  ${run.name} ran, but its executed copy is incomplete:`,
    ...problems.map((p) => `    ${p}`),
    "",
    `  executed copy: ${relative(Deno.cwd(), run.outPath) || run.outPath}`,
  ].join("\n");
}

/** The executed copy of a lesson in build/notebooks/. */
export function executedPath(notebook: string): string {
  return join(BUILD_DIR, basename(notebook));
}

/** Runs the course, then builds the decks; returns the process exit code. */
async function main(args: string[]): Promise<number> {
  const options = parseRunArgs(args);
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const notebooks = listNotebooks(options.filters);
  if (notebooks.length === 0) {
    console.error(`No notebooks in ${relative(ROOT, NOTEBOOKS_DIR)}/`);
    return 1;
  }
  if (!(await runLessons(notebooks, { timeout: options.timeout }))) return 1;
  if (!options.slides) return 0;
  console.log("");
  const decks = await buildDecks(notebooks.map(executedPath), { pdf: options.pdf });
  return decks.ok ? 0 : 1;
}

if (import.meta.main) await runCli(main);
