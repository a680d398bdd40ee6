/**
 * Runs the course notebooks headless through Jupyter with the Deno kernel. Shared by
 * `tools/course.ts` (`deno task course`), `tools/lab.ts` (`deno task lab`) and
 * `test/notebooks_test.ts`.
 *
 * Jupyter is found as a Python interpreter that can import nbclient, nbformat and
 * jupyter_client: `COURSE_PYTHON` if set, else the interpreter behind `/usr/bin/jupyter`,
 * behind each `jupyter` on PATH, `/usr/bin/python3`, then `python3` on PATH.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, delimiter, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cellSource, joinText, type Notebook, readNotebook } from "./_notebook.ts";
import {
  type CellPosition,
  findSyntaxError,
  type KernelCode,
  mapTraceback,
  type SyntaxProblem,
} from "./_error_lines.ts";
import { forwardLib } from "./_forward_lib.ts";

/** The project's top folder (the one holding deno.json). */
export const ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the lessons live. */
export const NOTEBOOKS_DIR: string = join(ROOT, "notebooks");

/** Where executed copies of the lessons go (git-ignored). */
export const BUILD_DIR: string = join(ROOT, "build", "notebooks");

/** What to install when Jupyter is missing, as printed by every tool. */
export const INSTALL_HINT: string = [
  "Jupyter is needed to run the notebooks. Install it with one of:",
  "  Debian/Ubuntu: sudo apt-get install python3-nbclient python3-nbconvert jupyter-client \\",
  "                   python3-ipykernel jupyter-notebook",
  "  pip:           pip install jupyterlab",
  "then register the Deno kernel: deno jupyter --install",
  "(set COURSE_PYTHON to the Python interpreter that has Jupyter if it is not found on its own)",
].join("\n");

const DRIVER = fileURLToPath(new URL("./_execute_notebook.py", import.meta.url));
const CHECK_IMPORTS = "import nbclient, nbformat, jupyter_client; " +
  "print(nbclient.__version__, nbformat.__version__, jupyter_client.__version__)";

/** A Python interpreter that has Jupyter's execution libraries. */
export interface Jupyter {
  /** The interpreter (an absolute path or a command name found on PATH). */
  python: string;
  /** How it was found, for messages. */
  source: string;
  /** Versions of nbclient, nbformat and jupyter_client. */
  versions: { nbclient: string; nbformat: string; jupyterClient: string };
}

/** Thrown when no Python interpreter with Jupyter can be found; its message says what to install. */
export class JupyterMissingError extends Error {
  /**
   * @param detail What was tried, placed before the install hint.
   */
  constructor(detail: string) {
    super(`${detail}\n\n${INSTALL_HINT}`);
    this.name = "JupyterMissingError";
  }
}

/**
 * Finds a Python interpreter that can run notebooks (imports nbclient, nbformat and
 * jupyter_client).
 *
 * @param options.env Where to read `COURSE_PYTHON` and `PATH`. @default Deno.env
 * @returns The interpreter and how it was found.
 * @throws JupyterMissingError when none works, with what to install.
 *
 * @example Find Jupyter
 * ```ts ignore
 * import { findJupyter } from "./_jupyter.ts";
 * const jupyter = await findJupyter();
 * console.log(jupyter.python, jupyter.versions.nbclient);
 * ```
 */
export async function findJupyter(
  options: { env?: Record<string, string | undefined> } = {},
): Promise<Jupyter> {
  const env = options.env ?? Deno.env.toObject();
  const override = env.COURSE_PYTHON;
  if (override) {
    const versions = await _probe(override);
    if (versions) return { python: override, source: "COURSE_PYTHON", versions };
    throw new JupyterMissingError(
      `COURSE_PYTHON=${override} cannot import nbclient, nbformat and jupyter_client`,
    );
  }
  const tried: string[] = [];
  for (const [python, source] of _candidates(env.PATH ?? "")) {
    if (tried.includes(python)) continue;
    tried.push(python);
    const versions = await _probe(python);
    if (versions) return { python, source, versions };
  }
  throw new JupyterMissingError(
    `No Python interpreter with nbclient, nbformat and jupyter_client was found (tried ${
      tried.join(", ") || "nothing"
    })`,
  );
}

/** Candidate interpreters in order of preference, each with how it was found. */
function _candidates(path: string): [string, string][] {
  const out: [string, string][] = [];
  const fromJupyter = (file: string) => {
    const python = _shebangPython(file);
    if (python) out.push([python, `the interpreter of ${file}`]);
  };
  fromJupyter("/usr/bin/jupyter");
  const dirs = path.split(delimiter).filter((d) => d !== "");
  for (const dir of dirs) fromJupyter(join(dir, "jupyter"));
  out.push(["/usr/bin/python3", "/usr/bin/python3"]);
  for (const name of ["python3", "python"]) {
    const found = dirs.map((d) => join(d, name)).find((f) => _isFile(f));
    if (found) out.push([found, `${name} on PATH`]);
  }
  return out;
}

/** The Python interpreter named in a script's `#!` line, or undefined if it names another. */
function _shebangPython(file: string): string | undefined {
  if (!_isFile(file)) return undefined;
  let first: string;
  try {
    const bytes = readFileSync(file).subarray(0, 256);
    first = new TextDecoder().decode(bytes).split("\n")[0];
  } catch {
    return undefined;
  }
  if (!first.startsWith("#!")) return undefined;
  const words = first.slice(2).trim().split(/\s+/);
  const program = basename(words[0]) === "env"
    ? words.find((w, i) => i > 0 && !w.startsWith("-"))
    : words[0];
  return program && /^python[0-9.]*$/.test(basename(program)) ? program : undefined;
}

function _isFile(file: string): boolean {
  try {
    return Deno.statSync(file).isFile;
  } catch {
    return false;
  }
}

async function _probe(python: string): Promise<Jupyter["versions"] | undefined> {
  try {
    const out = await new Deno.Command(python, {
      args: ["-c", CHECK_IMPORTS],
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).output();
    if (!out.success) return undefined;
    const [nbclient, nbformat, jupyterClient] = new TextDecoder().decode(out.stdout).trim()
      .split(/\s+/);
    return { nbclient, nbformat, jupyterClient };
  } catch {
    return undefined;
  }
}

/** Result of running a Jupyter command through the found interpreter. */
interface CommandResult {
  success: boolean;
  stdout: string;
  stderr: string;
}

async function _run(command: string, args: string[]): Promise<CommandResult> {
  const out = await new Deno.Command(command, {
    args,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    success: out.success,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/** A kernelspec as `jupyter kernelspec list --json` reports it. */
interface KernelSpec {
  resource_dir: string;
  spec: { argv: string[]; display_name: string; language: string };
}

/**
 * Reads Jupyter's registered kernels.
 *
 * @param jupyter The interpreter from {@linkcode findJupyter}.
 * @returns The kernelspecs by name.
 *
 * @example Is the Deno kernel registered?
 * ```ts ignore
 * import { findJupyter, kernelSpecs } from "./_jupyter.ts";
 * const specs = await kernelSpecs(await findJupyter());
 * console.log("deno" in specs);
 * ```
 */
export async function kernelSpecs(jupyter: Jupyter): Promise<Record<string, KernelSpec>> {
  const out = await _run(jupyter.python, ["-m", "jupyter", "kernelspec", "list", "--json"]);
  if (!out.success) {
    throw new Error(`jupyter kernelspec list failed:\n${_tail(out.stderr, 15)}`);
  }
  return (JSON.parse(out.stdout) as { kernelspecs: Record<string, KernelSpec> }).kernelspecs;
}

/**
 * Makes sure Jupyter knows the Deno kernel: installs the kernelspec with
 * `deno jupyter --install --force` when it is missing or points at a deno that no longer exists.
 *
 * @param jupyter The interpreter from {@linkcode findJupyter}.
 * @param options.log Where to report an installation. @default console.log
 * @returns The kernelspec's folder and whether it was installed now.
 *
 * @example Register the kernel if needed
 * ```ts ignore
 * import { ensureDenoKernel, findJupyter } from "./_jupyter.ts";
 * const { resourceDir } = await ensureDenoKernel(await findJupyter());
 * console.log(resourceDir);
 * ```
 */
export async function ensureDenoKernel(
  jupyter: Jupyter,
  options: { log?: (line: string) => void } = {},
): Promise<{ resourceDir: string; installed: boolean }> {
  const log = options.log ?? console.log;
  const current = (await kernelSpecs(jupyter)).deno;
  if (current && _kernelWorks(current)) {
    return { resourceDir: current.resource_dir, installed: false };
  }
  const why = current
    ? `the Deno kernelspec points at ${current.spec.argv[0]}, which is missing`
    : "the Deno kernelspec is not installed";
  log(`${why}: running deno jupyter --install --force`);
  const out = await _run(Deno.execPath(), ["jupyter", "--install", "--force"]);
  if (!out.success) {
    throw new Error(`deno jupyter --install failed:\n${_tail(out.stderr + out.stdout, 15)}`);
  }
  const after = (await kernelSpecs(jupyter)).deno;
  if (!after) {
    throw new Error(
      `deno jupyter --install ran, but ${jupyter.python} -m jupyter kernelspec list does not ` +
        "show a kernel named deno (is JUPYTER_PATH or JUPYTER_DATA_DIR set elsewhere?)",
    );
  }
  return { resourceDir: after.resource_dir, installed: true };
}

function _kernelWorks(spec: KernelSpec): boolean {
  const program = spec.spec.argv?.[0];
  if (!program) return false;
  return !program.includes("/") || _isFile(program);
}

/**
 * Lists the lessons in course order (sorted by file name, `NN_name.ipynb`), optionally
 * keeping only those whose name contains one of the filters.
 *
 * @param filters Parts of notebook names, such as `03` or `overfitting`; none keeps all.
 * @param options.dir The folder to list. @default NOTEBOOKS_DIR
 * @returns Absolute paths of the matching notebooks.
 * @throws RangeError when a filter matches no notebook.
 *
 * @example Pick lessons by number
 * ```ts
 * import { listNotebooks } from "./_jupyter.ts";
 * const dir = await Deno.makeTempDir();
 * for (const name of ["03_overfitting.ipynb", "01_neurons.ipynb", "notes.md"]) {
 *   await Deno.writeTextFile(`${dir}/${name}`, "{}");
 * }
 * const all = listNotebooks([], { dir }).map((p) => p.slice(dir.length + 1));
 * if (all.join() !== "01_neurons.ipynb,03_overfitting.ipynb") throw new Error(all.join());
 * if (listNotebooks(["03"], { dir }).length !== 1) throw new Error("filter 03");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function listNotebooks(
  filters: string[] = [],
  options: { dir?: string } = {},
): string[] {
  const dir = options.dir ?? NOTEBOOKS_DIR;
  const all = existsSync(dir)
    ? readdirSync(dir).filter((f) => f.endsWith(".ipynb") && !f.startsWith(".")).sort()
    : [];
  if (filters.length === 0) return all.map((f) => join(dir, f));
  const picked: string[] = [];
  for (const filter of filters) {
    const name = filter.replace(/^.*\//, "");
    const matches = all.filter((f) => f.startsWith(name) || f.includes(name));
    if (matches.length === 0) {
      throw new RangeError(
        `notebook filter must match a notebook in ${relative(ROOT, dir) || "."}/, got ${
          JSON.stringify(filter)
        } (notebooks: ${all.join(", ") || "none"})`,
      );
    }
    for (const m of matches) if (!picked.includes(m)) picked.push(m);
  }
  return picked.sort().map((f) => join(dir, f));
}

/** How a notebook run ended. */
export type RunStatus = "ok" | "error" | "timeout" | "dead" | "failed";

/** The outcome of {@linkcode executeNotebook}. */
export interface NotebookRun {
  /** The notebook's file name. */
  name: string;
  /** Where the executed copy was written (also when a cell failed). */
  outPath: string;
  status: RunStatus;
  /** Wall-clock seconds, kernel start included. */
  seconds: number;
  /** Index (among all cells) of the cell that failed or timed out. */
  cellIndex: number | null;
  /** One line saying what went wrong (empty when ok). */
  message: string;
  /** The executed notebook, or null when the runner failed before writing it. */
  notebook: Notebook | null;
  /** The runner's and the kernel's stderr, for diagnosis. */
  stderr: string;
  /**
   * Where the failing cell's error happened, innermost frame first, in the cells' own lines
   * (the kernel's traceback counts lines of its transpiled code; see `_error_lines.ts`).
   * Frames in other cells (a function defined earlier) are included. Empty when unknown.
   */
  errorPositions: CellPosition[];
  /** Where the failing cell's code does not parse, when that is why it failed. */
  syntaxError: SyntaxProblem | null;
}

/** Progress report while a notebook runs. */
export interface CellProgress {
  /** The cell's number among the code cells (1-based). */
  number: number;
  /** How many code cells the notebook has. */
  count: number;
  /** Seconds since the notebook started. */
  seconds: number;
}

/**
 * Executes a notebook top to bottom through Jupyter with the Deno kernel (nbclient), in the
 * notebook's own folder, and writes the executed copy to the build folder. Every output a cell
 * publishes is kept, also what the kernel sends after the cell's "idle" (see
 * `_execute_notebook.py`). When a cell fails, the traceback's positions are mapped to the
 * cells' own lines (in the result and in the executed copy), and a cell that does not parse
 * is given to Deno's parser to say where.
 *
 * The executed copy can be run again where it is written: its `../lib/mod.ts` must reach the
 * kit's lib, so with `forwardLib` the folder above `outDir` gets a `lib/` of modules that
 * re-export the kit's (build/lib/ for build/notebooks/).
 *
 * @param jupyter The interpreter from {@linkcode findJupyter}.
 * @param path The notebook to run.
 * @param options.outDir Where the executed copy goes. @default BUILD_DIR
 * @param options.forwardLib Whether to write `lib/` forwarding modules next to `outDir`.
 *   @default true when `outDir` lies inside the kit's folder (as build/notebooks/ does)
 * @param options.timeout Seconds a single cell may run. @default 600
 * @param options.startupTimeout Seconds the kernel may take to start. @default 120
 * @param options.kernel The kernelspec name. @default "deno"
 * @param options.onCell Called as each code cell starts.
 * @returns How the run ended, with the executed notebook.
 *
 * @example Run lesson 03 and report
 * ```ts ignore
 * import { describeFailure, executeNotebook, findJupyter, listNotebooks } from "./_jupyter.ts";
 * const jupyter = await findJupyter();
 * const run = await executeNotebook(jupyter, listNotebooks(["03"])[0]);
 * console.log(run.status === "ok" ? `${run.seconds} s` : describeFailure(run));
 * ```
 */
export async function executeNotebook(
  jupyter: Jupyter,
  path: string,
  options: {
    outDir?: string;
    forwardLib?: boolean;
    timeout?: number;
    startupTimeout?: number;
    kernel?: string;
    onCell?: (progress: CellProgress) => void;
  } = {},
): Promise<NotebookRun> {
  const outDir = resolve(options.outDir ?? BUILD_DIR);
  const timeout = options.timeout ?? 600;
  const startupTimeout = options.startupTimeout ?? 120;
  for (const [name, value] of [["timeout", timeout], ["startupTimeout", startupTimeout]] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`${name} must be a positive whole number of seconds, got ${value}`);
    }
  }
  const name = basename(path);
  const outPath = join(outDir, name);
  await Deno.mkdir(outDir, { recursive: true });
  const inKit = !relative(ROOT, dirname(outDir)).startsWith("..") && dirname(outDir) !== ROOT;
  if (options.forwardLib ?? inKit) await forwardLib(dirname(outDir), ROOT);
  const resultPath = await Deno.makeTempFile({ prefix: "course-run-", suffix: ".json" });
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const child = new Deno.Command(jupyter.python, {
      args: [
        DRIVER,
        resolve(path),
        outPath,
        resultPath,
        options.kernel ?? "deno",
        String(timeout),
        String(startupTimeout),
      ],
      cwd: dirname(resolve(path)),
      env: { PYTHONWARNINGS: "ignore", PYDEVD_DISABLE_FILE_VALIDATION: "1" },
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    const stderrText = new Response(child.stderr).text();
    await _readLines(child.stdout, (line) => {
      const m = /^CELL (\d+) (\d+) (\d+)$/.exec(line);
      if (m && options.onCell) {
        options.onCell({ number: Number(m[2]), count: Number(m[3]), seconds: seconds() });
      }
    });
    const status = await child.status;
    const stderr = await stderrText;
    const elapsed = seconds();
    let result: RunnerResult;
    try {
      result = JSON.parse(await Deno.readTextFile(resultPath));
    } catch {
      result = {
        status: "failed",
        cellIndex: null,
        message: `the notebook runner exited with code ${status.code} before reporting`,
      };
    }
    let notebook: Notebook | null = null;
    try {
      notebook = await readNotebook(outPath, name);
    } catch (error) {
      // a run that reported success but left no readable copy did not succeed
      if (result.status === "ok") {
        result = { status: "failed", cellIndex: null, message: (error as Error).message };
      }
    }
    const located = notebook && result.status === "error" && result.cellIndex !== null
      ? await _locateError(notebook, result.cellIndex, result, outPath)
      : { errorPositions: [], syntaxError: null };
    return {
      name,
      outPath,
      status: result.status,
      cellIndex: result.cellIndex,
      message: result.message,
      seconds: elapsed,
      notebook,
      stderr,
      ...located,
    };
  } finally {
    await Deno.remove(resultPath).catch(() => {});
  }
}

/** What `_execute_notebook.py` writes to its result file. */
interface RunnerResult {
  status: RunStatus;
  cellIndex: number | null;
  message: string;
  /** Newlines put before each cell's code, by cell index. */
  lineOffsets?: Record<string, number>;
  /** The kernel's reprint of the cells a failing traceback passes through, by cell index. */
  transpiled?: Record<string, string>;
}

/**
 * Maps the failing cell's traceback to the cells' own lines, in `nb` and in the executed copy
 * at `outPath`; for a cell without a traceback, asks Deno's parser where its code breaks.
 */
async function _locateError(
  nb: Notebook,
  cellIndex: number,
  result: RunnerResult,
  outPath: string,
): Promise<Pick<NotebookRun, "errorPositions" | "syntaxError">> {
  const numeric = <T>(record: Record<string, T> | undefined) =>
    Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [Number(k), v]));
  const code: KernelCode = {
    sources: Object.fromEntries(nb.cells.map((cell, i) => [i, cellSource(cell)])),
    lineOffsets: numeric(result.lineOffsets),
    transpiled: numeric(result.transpiled),
  };
  const cell = nb.cells[cellIndex];
  const errors = (cell.outputs ?? []).filter((o) => o.output_type === "error");
  const errorPositions: CellPosition[] = [];
  const rewritten: string[][] = [];
  for (const output of errors) {
    const mapped = mapTraceback((output.traceback ?? []).map(stripAnsi), code);
    errorPositions.push(...mapped.positions);
    output.traceback = mapped.lines;
    rewritten.push(mapped.lines);
  }
  if (rewritten.length > 0) {
    // the copy on disk gets the same tracebacks (nbformat's layout: indent 1, keys as read)
    const raw = JSON.parse(await Deno.readTextFile(outPath));
    const outputs =
      (raw.cells[cellIndex].outputs as { output_type: string; traceback?: string[] }[])
        .filter((o) => o.output_type === "error");
    outputs.forEach((o, i) => (o.traceback = rewritten[i] ?? o.traceback));
    await Deno.writeTextFile(outPath, JSON.stringify(raw, null, 1) + "\n");
  }
  const hasFrames = errors.some((o) => (o.traceback ?? []).some((l) => /:\d+:\d+/.test(l)));
  const syntaxError = hasFrames ? null : (await findSyntaxError(cellSource(cell))) ?? null;
  return { errorPositions, syntaxError };
}

async function _readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let i;
    while ((i = buffer.indexOf("\n")) >= 0) {
      onLine(buffer.slice(0, i).trimEnd());
      buffer = buffer.slice(i + 1);
    }
  }
  if (buffer) onLine(buffer.trimEnd());
}

/**
 * Removes ANSI colour codes (the Deno kernel colours its tracebacks and values).
 *
 * @param text Text that may hold escape sequences.
 * @returns The text without them.
 *
 * @example Plain text from a coloured value
 * ```ts
 * import { stripAnsi } from "./_jupyter.ts";
 * if (stripAnsi("\u001b[33m6\u001b[39m") !== "6") throw new Error("ansi");
 * ```
 */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");
}

function _tail(text: string, lines: number): string {
  const all = stripAnsi(text).trimEnd().split("\n");
  const kept = all.slice(-lines);
  return (all.length > lines ? ["    ..."] : []).concat(kept).map((l) => `    ${l}`).join("\n");
}

/**
 * Keeps only the last line (the exception) of each Python traceback in a text, and drops the
 * "Exception ignored in" reports Python prints at exit.
 */
function _shortenPythonTracebacks(text: string): string {
  const kept: string[] = [];
  let skipping: "traceback" | "ignored" | null = null;
  for (const line of text.split("\n")) {
    if (line.startsWith("Exception ignored in")) {
      skipping = "ignored";
    } else if (line.startsWith("Traceback (most recent call last)")) {
      skipping ??= "traceback";
    } else if (!skipping) {
      kept.push(line);
    } else if (line !== "" && !/^\s/.test(line)) {
      if (skipping === "traceback") kept.push(line);
      skipping = null;
    }
  }
  return kept.join("\n");
}

/**
 * Says plainly why a notebook run failed: which cell, its source (each line of it on the
 * error's path marked `>`, from {@linkcode NotebookRun.errorPositions}; for a cell that does not
 * parse, the parser's message and a `^` under the column), what it printed last, and the error
 * with a short traceback.
 *
 * @param run A run whose status is not "ok".
 * @param options.maxSourceLines Source lines shown before cutting to the failing line. @default 40
 * @returns Indented text ready to print.
 *
 * @example Show a failed run
 * ```ts ignore
 * import { describeFailure, executeNotebook, findJupyter } from "./_jupyter.ts";
 * const run = await executeNotebook(await findJupyter(), "notebooks/03_overfitting.ipynb");
 * if (run.status !== "ok") console.log(describeFailure(run));
 * ```
 */
export function describeFailure(
  run: NotebookRun,
  options: { maxSourceLines?: number } = {},
): string {
  const maxLines = options.maxSourceLines ?? 40;
  const lines: string[] = [];
  const cell = run.notebook && run.cellIndex !== null ? run.notebook.cells[run.cellIndex] : null;
  const codeNumber = run.notebook && run.cellIndex !== null
    ? run.notebook.cells.slice(0, run.cellIndex + 1).filter((c) => c.cell_type === "code").length
    : null;
  const where = run.cellIndex === null
    ? run.name
    : `cell ${run.cellIndex + 1} (code cell ${codeNumber}) of ${run.name}`;
  const error = cell?.outputs?.find((o) => o.output_type === "error");
  const syntax = run.syntaxError;
  switch (run.status) {
    case "error":
      lines.push(
        syntax
          ? `${where} does not parse: ${syntax.message} (line ${syntax.line}, column ${syntax.column})`
          : `${where} raised ${error ? `${error.ename}: ${error.evalue}` : run.message}`,
      );
      break;
    case "timeout":
      lines.push(`${where} did not finish in time: ${run.message}`);
      break;
    case "dead":
      lines.push(`the kernel died while running ${where}: ${run.message}`);
      break;
    default:
      lines.push(`${run.name} could not be run: ${run.message}`);
  }
  if (cell) {
    const traceback = stripAnsi((error?.traceback ?? []).join("\n"));
    // the lines of this cell on the error's path, innermost first
    const marked = (run.errorPositions ?? [])
      .filter((p) => p.cellIndex === run.cellIndex)
      .map((p) => p.line);
    if (syntax) marked.unshift(syntax.line);
    const source = cellSource(cell).trimEnd().split("\n");
    let from = 0;
    let to = source.length;
    if (source.length > maxLines) {
      const centre = marked[0] ?? 1;
      from = Math.max(0, centre - 1 - Math.floor(maxLines / 2));
      to = Math.min(source.length, from + maxLines);
    }
    const width = String(to).length;
    lines.push("", "  source:");
    if (from > 0) lines.push("    ...");
    for (let i = from; i < to; i++) {
      const mark = marked.includes(i + 1) ? ">" : " ";
      lines.push(`  ${mark} ${String(i + 1).padStart(width)} | ${source[i]}`);
      if (syntax && syntax.line === i + 1) {
        lines.push(`  ${" ".repeat(width + 5 + syntax.column - 1)}^`);
      }
    }
    if (to < source.length) lines.push("    ...");
    const printed = (cell.outputs ?? [])
      .filter((o) => o.output_type === "stream")
      .map((o) => joinText(o.text))
      .join("");
    if (printed.trim()) lines.push("", "  printed:", _tail(printed, 10));
    if (traceback.trim()) lines.push("", "  error:", _tail(traceback, 15));
  }
  if (run.status === "dead" || run.status === "failed" || !cell) {
    const stderr = run.stderr;
    const shown = _shortenPythonTracebacks(stderr).trim();
    if (shown) lines.push("", "  runner and kernel stderr:", _tail(shown, 20));
    if (/kernel/i.test(run.message)) {
      lines.push(
        "",
        "  The Deno kernel did not start or stopped. Its command is in",
        "  `jupyter kernelspec list --json` (kernel deno); reinstall it with",
        "  `deno jupyter --install --force`.",
      );
    }
  }
  lines.push("", `  executed copy: ${relative(Deno.cwd(), run.outPath) || run.outPath}`);
  return lines.map((l) => (l === "" ? l : l.startsWith("  ") ? l : `  ${l}`)).join("\n");
}

/**
 * Formats seconds for the one-line report.
 *
 * @param seconds A duration.
 * @returns One decimal below 100 s, whole seconds above, e.g. `84.2 s`.
 *
 * @example Durations
 * ```ts
 * import { formatSeconds } from "./_jupyter.ts";
 * if (formatSeconds(84.24) !== "84.2 s" || formatSeconds(151.6) !== "152 s") throw new Error("format");
 * ```
 */
export function formatSeconds(seconds: number): string {
  return seconds < 100 ? `${seconds.toFixed(1)} s` : `${Math.round(seconds)} s`;
}

/**
 * Runs a command-line tool's `main` with the process arguments and exits with its code; an
 * exception is printed as its message alone (no stack trace) and exits with 1.
 *
 * @param main The tool's entry point: arguments in, exit code out.
 */
export async function runCli(main: (args: string[]) => Promise<number>): Promise<never> {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(1);
  }
}
