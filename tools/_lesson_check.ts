/**
 * Type-checks the lessons' code cells with `deno check`, which the Deno kernel never does (it
 * strips the types and runs). Used by `tools/check_lessons.ts` and `test/lesson_types_test.ts`.
 *
 * Each notebook's code cells become one TypeScript module that accepts what the kernel
 * accepts. The kernel runs every cell as top-level script code in one shared scope, with
 * top-level await, and lets a later cell declare a name again (`const`, `let`, `function`,
 * `class`, `interface`) or import a module. So each code cell goes into a block nested in the
 * previous cell's block: a cell sees every name declared before it, and a name declared again
 * in a later cell shadows the earlier one, as in the kernel. Import declarations move to the
 * top of the module (the same import twice is kept once), where ES modules hoist them anyway.
 * Every assembled line maps back to its cell and line, columns are unchanged.
 *
 * The modules are written to a scratch folder in `build/tmp/` with a config made from the
 * project's deno.json (its compiler options and imports, its lock file read-only) whose import
 * map sends the folder's `../lib/`, `../data/`, ... to the project's: `../lib/mod.ts`
 * resolves as it does from `notebooks/`. All are checked in one `deno check --config` on that
 * config (the project's own deno.json excludes `build/` from `deno check`; a module written
 * into `notebooks/` would be seen by a `deno fmt --check` or `deno lint` running meanwhile).
 *
 * Limits, where the module is stricter or looser than the kernel:
 * - A name used in a cell above the one that declares it is an error here; in the kernel it
 *   works if the cells were run out of order.
 * - An import is visible to the cells above it here (the kernel would throw there), and two
 *   different imports of one name are a duplicate here (the kernel keeps the later one).
 * - `var` in one cell and `let`/`const` of the same name in a later cell pass here; the kernel
 *   throws a SyntaxError.
 * - A cell whose code starts with `{` is a block here; the kernel may read it as an object.
 * - `namespace`, `declare global` and `export` inside a cell are rejected (they need the top
 *   level); lessons have no use for them.
 * - A syntax error stops `deno check` for the whole graph, so a notebook with one is dropped
 *   and the others are checked again: one syntax error per notebook is reported, and that
 *   notebook's type errors only once it parses.
 *
 * @module
 */
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cellSource, type Notebook, readNotebook } from "./_notebook.ts";
import { ROOT } from "./_jupyter.ts";
import { scratchDir } from "./_scratch.ts";

/** Where an assembled line came from: 1-based cell, code cell and line numbers. */
export interface CellLine {
  /** The cell's number among all cells of the notebook. */
  cell: number;
  /** The cell's number among the code cells. */
  codeCell: number;
  /** The line within the cell. */
  line: number;
}

/** A notebook's code cells as one module. */
export interface AssembledLesson {
  /** The module's TypeScript source. */
  source: string;
  /** For each line of the module (index 0 is line 1), the cell line it holds, or null. */
  lines: (CellLine | null)[];
  /** How many code cells went in. */
  codeCells: number;
}

/** One error in a lesson's code, at its notebook cell and line. */
export interface LessonDiagnostic {
  /** The notebook, as given to {@linkcode checkLessons}. */
  notebook: string;
  /** The cell's number among all cells (1-based). */
  cell: number;
  /** The cell's number among the code cells (1-based). */
  codeCell: number;
  /** Line within the cell (1-based). */
  line: number;
  /** Column (1-based). */
  column: number;
  /** The TypeScript code (`TS2322`) or `SyntaxError` or `error`. */
  code: string;
  /** What is wrong, possibly over several lines. */
  message: string;
  /** The cell's line the error is on. */
  sourceLine: string;
  /** Related places, e.g. where the expected type is declared: `where: message`. */
  related: string[];
}

/** What {@linkcode checkLessons} found. */
export interface LessonCheckResult {
  /** How many notebooks were checked. */
  notebooks: number;
  /** How many code cells they hold. */
  codeCells: number;
  /** Errors in the lessons' cells, in notebook, cell and line order. */
  diagnostics: LessonDiagnostic[];
  /** Anything else that went wrong (unreadable notebook, an error in lib, deno check failing). */
  problems: string[];
  /** Wall-clock seconds. */
  seconds: number;
}

/** One diagnostic as `deno check` prints it, before mapping back to a cell. */
export interface CheckOutputDiagnostic {
  /** `TS2322`, `SyntaxError` or `error`. */
  code: string;
  message: string;
  /** The file URL it is in, or "" when deno check gave no place. */
  url: string;
  line: number;
  column: number;
  /** Related places, unmapped. */
  related: { message: string; url: string; line: number; column: number }[];
}

// An import declaration starts at column 0 (`import(` and `import.meta` are expressions) ...
const IMPORT_START = /^import(?=[\s{*"'])/;
// ... and ends with its module specifier, maybe import attributes, a semicolon, a comment.
const IMPORT_END = /(["'])[^"'\n]*\1\s*(?:(?:with|assert)\s*\{[^}]*\}\s*)?;?\s*(?:\/\/.*)?$/;

/**
 * Assembles a notebook's code cells into one module that accepts what the Deno kernel accepts
 * (see the module doc): imports hoisted to the top, each cell in a block nested in the
 * previous one, `export {};` at the end.
 *
 * @param nb The notebook.
 * @returns The module's source and where each of its lines came from.
 *
 * @example A name declared again in a later cell
 * ```ts
 * import { assembleLesson } from "./_lesson_check.ts";
 * const cell = (source: string) => ({ cell_type: "code" as const, source, metadata: {} });
 * const nb = {
 *   cells: [cell('import * as lib from "../lib/mod.ts";\nconst x = 1;'), cell('const x = "one";')],
 *   metadata: {},
 * };
 * const { source, lines } = assembleLesson(nb);
 * const expected = 'import * as lib from "../lib/mod.ts";\n{\n\nconst x = 1;\n{\nconst x = "one";\n}}\nexport {};\n';
 * if (source !== expected) throw new Error(source);
 * if (JSON.stringify(lines[5]) !== '{"cell":2,"codeCell":2,"line":1}') throw new Error("line 6");
 * ```
 */
export function assembleLesson(nb: Notebook): AssembledLesson {
  const head: string[] = [];
  const headLines: CellLine[] = [];
  const body: string[] = [];
  const bodyLines: (CellLine | null)[] = [];
  const imports = new Set<string>();
  let codeCell = 0;
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== "code") return;
    codeCell++;
    const at = (line: number): CellLine => ({ cell: i + 1, codeCell, line });
    const lines = cellSource(c).split(/\r?\n/);
    body.push("{");
    bodyLines.push(null);
    for (let k = 0; k < lines.length; k++) {
      const end = IMPORT_START.test(lines[k]) ? _importEnd(lines, k) : -1;
      if (end < 0) {
        body.push(lines[k]);
        bodyLines.push(at(k + 1));
        continue;
      }
      const statement = lines.slice(k, end + 1);
      if (!imports.has(statement.join("\n"))) {
        imports.add(statement.join("\n"));
        statement.forEach((text, n) => {
          head.push(text);
          headLines.push(at(k + n + 1));
        });
      }
      for (let n = k; n <= end; n++) {
        body.push("");
        bodyLines.push(at(n + 1));
      }
      k = end;
    }
  });
  if (codeCell > 0) {
    body.push("}".repeat(codeCell));
    bodyLines.push(null);
  }
  body.push("export {};");
  bodyLines.push(null);
  return {
    source: [...head, ...body].join("\n") + "\n",
    lines: [...headLines, ...bodyLines],
    codeCells: codeCell,
  };
}

/** The last line of the import declaration starting at `start`, or -1 if none ends in the cell. */
function _importEnd(lines: string[], start: number): number {
  for (let k = start; k < lines.length; k++) {
    if (IMPORT_END.test(lines[k])) return k;
    if (k > start && IMPORT_START.test(lines[k])) return -1;
  }
  return -1;
}

const HEADER = /^(?:error: )?(TS\d+) \[(?:ERROR|WARN)\]: (.*)$/;
const ERROR_HEADER = /^error: (.*)$/;
const AT = /^\s*at (file:\/\/\S+):(\d+):(\d+)$/;
const CARET = /^\s*(?:\d*\s*\|\s*)?[\^~]+\s*$/;
const END = /^(?:Found \d+ errors?\.|error: Type checking failed\.|Stack backtrace:)$/;

/**
 * Reads the diagnostics out of `deno check`'s output (run with `NO_COLOR`): type errors with
 * their chained messages and related places, and `error:` blocks such as a syntax error.
 *
 * @param text What deno check printed (stdout and stderr).
 * @returns The diagnostics in the order printed; source and caret lines are left out.
 *
 * @example A type error and a syntax error
 * ```ts
 * import { parseCheckOutput } from "./_lesson_check.ts";
 * const out = [
 *   "TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.",
 *   'const x: number = "three";',
 *   "      ^",
 *   "    at file:///tmp/a.ts:3:7",
 *   "",
 *   "error: SyntaxError: Expression expected",
 *   "  |",
 *   "1 | const y = (1 + ;",
 *   "  |                ~",
 *   "    at file:///tmp/b.ts:1:16",
 * ].join("\n");
 * const [a, b] = parseCheckOutput(out);
 * if (a.code !== "TS2322" || a.url !== "file:///tmp/a.ts" || a.line !== 3 || a.column !== 7) {
 *   throw new Error(JSON.stringify(a));
 * }
 * if (b.code !== "SyntaxError" || b.message !== "Expression expected" || b.column !== 16) {
 *   throw new Error(JSON.stringify(b));
 * }
 * ```
 */
export function parseCheckOutput(text: string): CheckOutputDiagnostic[] {
  const found: CheckOutputDiagnostic[] = [];
  let current: CheckOutputDiagnostic | null = null;
  // Lines since the last `at` line: a message, then maybe a source line and a caret line.
  let pending: string[] = [];
  const messageOf = (lines: string[]): string[] => {
    const caret = lines.findLastIndex((l) => CARET.test(l));
    const kept = caret >= 1 ? lines.slice(0, caret - 1) : lines;
    return kept.map((l) => l.trim()).filter((l) => l !== "" && l !== "|");
  };
  for (const line of text.split(/\r?\n/)) {
    const header = HEADER.exec(line);
    const errorHeader = header ? null : ERROR_HEADER.exec(line);
    if (header || (errorHeader && !END.test(line))) {
      current = header
        ? { code: header[1], message: header[2], url: "", line: 0, column: 0, related: [] }
        : _errorBlock(errorHeader![1]);
      found.push(current);
      pending = [];
      continue;
    }
    if (END.test(line.trim())) {
      current = null;
      continue;
    }
    if (!current) continue;
    const at = AT.exec(line);
    if (!at) {
      pending.push(line);
      continue;
    }
    const place = { url: at[1], line: Number(at[2]), column: Number(at[3]) };
    const message = messageOf(pending);
    if (!current.url) {
      current.message = [current.message, ...message].join("\n");
      Object.assign(current, place);
    } else {
      current.related.push({ message: message.join("\n"), ...place });
    }
    pending = [];
  }
  return found;
}

function _errorBlock(text: string): CheckOutputDiagnostic {
  const syntax = /^SyntaxError: (.*)$/.exec(text);
  return syntax
    ? { code: "SyntaxError", message: syntax[1], url: "", line: 0, column: 0, related: [] }
    : { code: "error", message: text, url: "", line: 0, column: 0, related: [] };
}

/**
 * One diagnostic as the check prints it: where (notebook, cell, code cell, line and column),
 * the code and message, then the cell's line with a caret under the column.
 *
 * @param d A diagnostic from {@linkcode checkLessons}.
 * @returns Its text, over several lines.
 *
 * @example
 * ```ts
 * import { formatDiagnostic } from "./_lesson_check.ts";
 * const text = formatDiagnostic({
 *   notebook: "notebooks/03_overfitting.ipynb", cell: 7, codeCell: 3, line: 2, column: 7,
 *   code: "TS2322", message: "Type 'string' is not assignable to type 'number'.",
 *   sourceLine: 'const x: number = "three";', related: [],
 * });
 * if (!text.startsWith("notebooks/03_overfitting.ipynb cell 7 (code cell 3), line 2:7: TS2322 Type")) {
 *   throw new Error(text);
 * }
 * if (!text.endsWith('  | const x: number = "three";\n  |       ^')) throw new Error(text);
 * ```
 */
export function formatDiagnostic(d: LessonDiagnostic): string {
  const [first, ...rest] = d.message.split("\n");
  const lines = [
    `${d.notebook} cell ${d.cell} (code cell ${d.codeCell}), line ${d.line}:${d.column}: ${d.code} ${first}`,
    ...rest.map((l) => `    ${l}`),
    ...d.related.map((r) => `    (${r})`),
  ];
  if (d.sourceLine !== "") {
    lines.push(`  | ${d.sourceLine}`, `  | ${" ".repeat(Math.max(0, d.column - 1))}^`);
  }
  return lines.join("\n");
}

/** A module to check: its notebook, its file and how its lines map back. */
interface LessonModule {
  notebook: string;
  url: string;
  assembled: AssembledLesson;
  cellLines: string[][];
}

/**
 * Type-checks notebooks' code cells with one `deno check` (see the module doc for how the
 * cells are assembled and where) and maps every error back to its notebook cell and line.
 *
 * @param paths The `.ipynb` files; relative imports resolve as from the project's notebooks/.
 * @returns The errors in the lessons' cells, and any other problem.
 *
 * @example Check lesson 03
 * ```ts ignore
 * import { checkLessons, formatDiagnostic } from "./_lesson_check.ts";
 * import { listNotebooks } from "./_jupyter.ts";
 * const result = await checkLessons(listNotebooks(["03"]));
 * console.log(result.diagnostics.map(formatDiagnostic).join("\n\n"));
 * ```
 */
export async function checkLessons(paths: string[]): Promise<LessonCheckResult> {
  const started = performance.now();
  const problems: string[] = [];
  const diagnostics: LessonDiagnostic[] = [];
  const scratch = await scratchDir("lesson-types-");
  let codeCells = 0;
  try {
    const config = join(scratch, "deno.json");
    await Deno.writeTextFile(config, JSON.stringify(await _checkConfig(ROOT), null, 2));
    await Deno.mkdir(join(scratch, "notebooks"));
    const modules = new Map<string, LessonModule>();
    for (const path of paths) {
      let nb: Notebook;
      try {
        nb = await readNotebook(path);
      } catch (error) {
        problems.push((error as Error).message);
        continue;
      }
      const assembled = assembleLesson(nb);
      codeCells += assembled.codeCells;
      const stem = basename(path).replace(/\.ipynb$/, "").replace(/[^\w.-]/g, "_");
      let file = join(scratch, "notebooks", `${stem}.lesson.ts`);
      for (let n = 2; modules.has(pathToFileURL(file).href); n++) {
        file = join(scratch, "notebooks", `${stem}_${n}.lesson.ts`);
      }
      await Deno.writeTextFile(file, assembled.source);
      const url = pathToFileURL(file).href;
      const cellLines = nb.cells.map((c) => cellSource(c).split(/\r?\n/));
      modules.set(url, { notebook: path, url, assembled, cellLines });
    }
    const names = _pathNames(scratch, ROOT, modules);
    // A syntax error stops deno check for every module: drop that module and check again.
    const remaining = new Set(modules.keys());
    while (remaining.size > 0) {
      const output = await _denoCheck(config, [...remaining]);
      const found = parseCheckOutput(output.text);
      const fatal = found.find((d) => !/^TS\d+$/.test(d.code));
      if (fatal && remaining.has(fatal.url)) {
        diagnostics.push(_toLesson(fatal, modules.get(fatal.url)!, names));
        remaining.delete(fatal.url);
        continue;
      }
      for (const d of found) {
        const module = modules.get(d.url);
        if (module) diagnostics.push(_toLesson(d, module, names));
        else problems.push(_describeElsewhere(d, names));
      }
      if (!output.success && found.length === 0) {
        problems.push(
          `deno check failed without a diagnostic:\n${names.rename(output.text.trim())}`,
        );
      }
      break;
    }
    diagnostics.sort((a, b) =>
      paths.indexOf(a.notebook) - paths.indexOf(b.notebook) || a.cell - b.cell ||
      a.line - b.line || a.column - b.column
    );
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
  return {
    notebooks: paths.length,
    codeCells,
    diagnostics,
    problems,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * The config the lessons are checked with: the project's deno.json's compiler options, imports
 * (relative targets made absolute) and lock file (read-only), plus imports that send the
 * scratch folder's `./lib/`, `./data/`, ... and `./notebooks/<file>` to the project's.
 */
async function _checkConfig(root: string): Promise<Record<string, unknown>> {
  const path = join(root, "deno.json");
  let project: Record<string, unknown>;
  try {
    project = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new Error(
      `${path} must be readable JSON to check the lessons: ${(error as Error).message}`,
    );
  }
  const absolute = (target: string) =>
    /^\.{0,2}\//.test(target)
      ? pathToFileURL(resolve(root, target)).href + (target.endsWith("/") ? "/" : "")
      : target;
  const imports: Record<string, string> = {};
  for (const [key, target] of Object.entries(project.imports ?? {})) {
    imports[key] = absolute(String(target));
  }
  const link = async (dir: string, prefix: string, skip: (name: string) => boolean) => {
    for await (const entry of Deno.readDir(dir)) {
      if (skip(entry.name)) continue;
      const slash = entry.isDirectory ? "/" : "";
      imports[`${prefix}${entry.name}${slash}`] = pathToFileURL(join(dir, entry.name)).href + slash;
    }
  };
  await link(root, "./", (name) => name === "notebooks" || name === ".git");
  try {
    await link(join(root, "notebooks"), "./notebooks/", (name) => name.endsWith(".ipynb"));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const lockPath = typeof project.lock === "string"
    ? project.lock
    : (project.lock as { path?: string } | undefined)?.path ?? "deno.lock";
  const lock = project.lock === false ? false : { path: resolve(root, lockPath), frozen: true };
  return {
    imports,
    compilerOptions: project.compilerOptions ?? {},
    ...(project.nodeModulesDir !== undefined ? { nodeModulesDir: project.nodeModulesDir } : {}),
    ...(project.unstable !== undefined ? { unstable: project.unstable } : {}),
    lock,
  };
}

async function _denoCheck(
  config: string,
  urls: string[],
): Promise<{ success: boolean; text: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", "--config", config, ...urls],
    cwd: ROOT,
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    success: out.success,
    text: `${decoder.decode(out.stdout)}\n${decoder.decode(out.stderr)}`,
  };
}

/** How messages name files: the notebooks for their modules, the project for the scratch folder. */
interface PathNames {
  /** Replaces the scratch folder's file URLs in a message. */
  rename(text: string): string;
  /** A file URL and position as a path relative to the project, `lib/model.ts:311:3`. */
  place(url: string, line: number, column: number): string;
}

function _pathNames(scratch: string, root: string, modules: Map<string, LessonModule>): PathNames {
  const rename = (text: string) => {
    let renamed = text;
    for (const [url, module] of modules) renamed = renamed.replaceAll(url, module.notebook);
    return renamed.replaceAll(pathToFileURL(scratch).href, pathToFileURL(root).href);
  };
  const place = (url: string, line: number, column: number) => {
    const renamed = rename(url);
    const path = renamed.startsWith("file:") ? fileURLToPath(renamed) : renamed;
    const shown = path.startsWith(root) ? relative(root, path) : path;
    return `${shown}:${line}:${column}`;
  };
  return { rename, place };
}

/** The cell line a module line holds; a line the assembly added maps to the line above it. */
function _origin(module: LessonModule, line: number): CellLine {
  const lines = module.assembled.lines;
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const origin = lines[i];
    if (origin) return origin;
  }
  return { cell: 1, codeCell: 1, line: 1 };
}

function _toLesson(
  d: CheckOutputDiagnostic,
  module: LessonModule,
  paths: PathNames,
): LessonDiagnostic {
  const origin = _origin(module, d.line);
  const exact = module.assembled.lines[d.line - 1] !== null;
  return {
    notebook: module.notebook,
    ...origin,
    column: exact ? d.column : 1,
    code: d.code,
    message: paths.rename(d.message),
    sourceLine: module.cellLines[origin.cell - 1]?.[origin.line - 1] ?? "",
    related: d.related.map((r) => {
      const o = _origin(module, r.line);
      const where = r.url === module.url
        ? `cell ${o.cell} (code cell ${o.codeCell}), line ${o.line}:${r.column}`
        : paths.place(r.url, r.line, r.column);
      return `${where}: ${paths.rename(r.message)}`;
    }),
  };
}

function _describeElsewhere(d: CheckOutputDiagnostic, paths: PathNames): string {
  const where = d.url ? `${paths.place(d.url, d.line, d.column)}: ` : "";
  return `${where}${d.code} ${paths.rename(d.message)}`;
}
