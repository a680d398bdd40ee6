/**
 * `deno run -A tools/check_lessons.ts [filter...]`: type-checks the lessons' code cells, which
 * the Deno kernel runs without checking. Each notebook's code cells become one module that
 * accepts what the kernel accepts (top-level await, a name declared again in a later cell),
 * all are checked in one `deno check` with the project's deno.json, and every error is listed
 * at its notebook, cell and line. Exits with 1 when any lesson has an error, 0 otherwise.
 *
 * @module
 */
import { relative } from "node:path";
import { formatSeconds, listNotebooks, ROOT, runCli } from "./_jupyter.ts";
import { checkLessons, formatDiagnostic } from "./_lesson_check.ts";

const USAGE = `Usage: deno run -A tools/check_lessons.ts [filter...]

Type-checks the code cells of the lessons in notebooks/ (or of those whose name contains a
filter, e.g. 03) with deno check, as one module per notebook, and lists every error at its
notebook, cell and line.`;

/** Checks the lessons picked by the filters; returns the exit code. */
async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const unknown = args.find((a) => a.startsWith("-"));
  if (unknown) {
    console.error(`check_lessons: option must be --help, got ${unknown}\n\n${USAGE}`);
    return 2;
  }
  const paths = listNotebooks(args);
  if (paths.length === 0) {
    console.error("check_lessons: notebooks/ holds no lesson to check");
    return 1;
  }
  const result = await checkLessons(paths);
  const shown = result.diagnostics.map((d) => ({
    ...d,
    notebook: relative(ROOT, d.notebook),
  }));
  for (const d of shown) console.error(`${formatDiagnostic(d)}\n`);
  for (const problem of result.problems) console.error(`${problem}\n`);
  const lessons = `${result.notebooks} lesson${result.notebooks === 1 ? "" : "s"}`;
  const cells = `${result.codeCells} code cells`;
  const took = formatSeconds(result.seconds);
  if (shown.length > 0 || result.problems.length > 0) {
    const failing = new Set(shown.map((d) => d.notebook)).size;
    const errors = shown.length + result.problems.length;
    console.error(
      `check_lessons: ${errors} error${errors === 1 ? "" : "s"} in ${failing} of ${lessons} ` +
        `(${cells}, deno check, ${took})`,
    );
    return 1;
  }
  console.log(`check_lessons: ${lessons} type-check (${cells}, deno check, ${took})`);
  return 0;
}

if (import.meta.main) await runCli(main);
