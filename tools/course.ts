/**
 * `deno task course [filter...] [--timeout=SECONDS]`: the kit's main job. Executes every lesson
 * in notebooks/ (or those whose names contain a filter, e.g. `03`) headless through Jupyter
 * with the Deno kernel, in course order, writing executed copies to build/notebooks/ and one
 * line per notebook as it goes. The first failing notebook stops the run and its failing cell
 * is shown.
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
  NOTEBOOKS_DIR,
  ROOT,
} from "./_jupyter.ts";
import { basename, relative } from "node:path";

const USAGE = `Usage: deno task course [filter...] [--timeout=SECONDS]

Executes the lessons in notebooks/ headless through Jupyter with the Deno kernel and writes
executed copies to build/notebooks/.

  filter             run only notebooks whose name contains it (e.g. 03 or overfitting)
  --timeout=SECONDS  longest a single cell may run (default 600)
  --help             show this text

Set COURSE_PYTHON to the Python interpreter that has Jupyter if it is not found on its own.`;

/** Command-line options of the course runner. */
interface Options {
  filters: string[];
  timeout: number;
}

function _parseArgs(args: string[]): Options | "help" {
  const options: Options = { filters: [], timeout: 600 };
  for (const arg of args) {
    if (arg === "--help" || arg === "-h") return "help";
    const timeout = /^--timeout=(.*)$/.exec(arg);
    if (timeout) {
      const value = Number(timeout[1]);
      if (!Number.isInteger(value) || value <= 0) {
        throw new RangeError(
          `--timeout must be a positive whole number of seconds, got ${timeout[1]}`,
        );
      }
      options.timeout = value;
    } else if (arg.startsWith("-")) {
      throw new RangeError(`option must be --timeout=SECONDS or --help, got ${arg}`);
    } else {
      options.filters.push(arg);
    }
  }
  return options;
}

/** Runs the course; returns the process exit code. */
async function main(args: string[]): Promise<number> {
  const options = _parseArgs(args);
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const notebooks = listNotebooks(options.filters);
  if (notebooks.length === 0) {
    console.error(`No notebooks in ${relative(ROOT, NOTEBOOKS_DIR)}/`);
    return 1;
  }

  let jupyter;
  try {
    jupyter = await findJupyter();
  } catch (error) {
    if (error instanceof JupyterMissingError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  const kernel = await ensureDenoKernel(jupyter);
  console.log(
    `Jupyter: ${jupyter.python} (nbclient ${jupyter.versions.nbclient}), ` +
      `Deno kernel: ${kernel.resourceDir}`,
  );
  console.log(
    `Running ${notebooks.length} notebook${notebooks.length === 1 ? "" : "s"} into ${
      relative(ROOT, BUILD_DIR)
    }/ (cell timeout ${options.timeout} s)`,
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
      timeout: options.timeout,
      onCell: (p: CellProgress) =>
        status(
          `...  ${name.padEnd(width)}  cell ${p.number}/${p.count}  ${formatSeconds(p.seconds)}`,
        ),
    });
    status("");
    const ok = run.status === "ok";
    console.log(
      `${ok ? "ok  " : "FAIL"} ${name.padEnd(width)}  ${formatSeconds(run.seconds).padStart(7)}`,
    );
    if (!ok) {
      console.log(`\n${describeFailure(run)}\n`);
      console.log(`Stopped at ${name}.`);
      return 1;
    }
  }
  const total = (performance.now() - started) / 1000;
  console.log(
    `${notebooks.length} notebook${notebooks.length === 1 ? "" : "s"} ran in ${
      formatSeconds(total)
    }`,
  );
  // Decks: the slides step (a later issue) goes here. It reads the executed copies in
  // build/notebooks/ (every cell carries slideshow.slide_type) and writes slides/.
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(1);
  }
}
