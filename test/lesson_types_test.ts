/**
 * The lessons' code type-checks: every notebook's code cells, assembled into one module the
 * way the Deno kernel runs them, pass `deno check`; and the checker reports a type error or a
 * syntax error at the notebook cell and line where it is, while accepting what the kernel
 * accepts (a name declared again in a later cell, an import in a later cell, top-level await).
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { listNotebooks } from "../tools/_jupyter.ts";
import type { Notebook } from "../tools/_notebook.ts";
import { checkLessons, formatDiagnostic, type LessonDiagnostic } from "../tools/_lesson_check.ts";
import { codeCell, denoNotebook, markdownCell } from "./_notebooks.ts";

const code = (source: string) => codeCell(source);
const markdown = markdownCell;
const notebook = denoNotebook;

const IMPORT_LIB = 'import * as lib from "../lib/mod.ts";\n';

/** Hand-made notebooks, each named for what it holds. */
const HAND_MADE: Record<string, Notebook> = {
  "clean.ipynb": notebook([
    markdown("# A clean lesson"),
    code(IMPORT_LIB + "const SEED = 3;\nawait lib.setup(SEED);"),
    markdown("Some prose."),
    code(
      "const moons = lib.makeMoons(40, { noise: 0.1, seed: SEED });\nconsole.log(moons.y.length);",
    ),
  ]),
  // The error is in cell 3 (the second code cell), on that cell's line 2, column 7.
  "type_error.ipynb": notebook([
    code(IMPORT_LIB + "const width = 4;"),
    markdown("Prose between the cells."),
    code('console.log(width);\nconst count: number = "three";\nconsole.log(count);'),
    code("const fine: string = `${width}`;\nconsole.log(fine);"),
  ]),
  // The kernel accepts these; a plain module would not.
  "kernel_tolerates.ipynb": notebook([
    code(IMPORT_LIB + "const width = 4;\nfunction describe(): string { return `${width}`; }"),
    code('const width = "four";\nfunction describe(): string { return width.toUpperCase(); }'),
    code('import { join } from "node:path";\nconst upper: string = width.toUpperCase();'),
    code("console.log(join(upper, describe()));\nawait Promise.resolve(1);"),
  ]),
  // The kernel rejects a name declared twice in one cell, and so does the check.
  "same_cell_twice.ipynb": notebook([
    code("const a = 1;\nconst a = 2;"),
  ]),
  // A lib call with a misspelled name and an argument of the wrong type.
  "lib_misuse.ipynb": notebook([
    code(IMPORT_LIB + "lib.makeMoonz(40);"),
    code('lib.makeMoons("forty");'),
  ]),
  "syntax_error.ipynb": notebook([
    code(IMPORT_LIB + "const ok = 1;"),
    markdown("Prose."),
    code("console.log(ok);\nconst broken = (1 + ;"),
  ]),
};

async function writeHandMade(): Promise<{ dir: string; paths: Record<string, string> }> {
  const dir = await Deno.makeTempDir({ prefix: "lesson-types-test-" });
  const paths: Record<string, string> = {};
  for (const [name, nb] of Object.entries(HAND_MADE)) {
    paths[name] = join(dir, name);
    await Deno.writeTextFile(paths[name], JSON.stringify(nb, null, 1));
  }
  return { dir, paths };
}

function where(d: LessonDiagnostic): string {
  return `${basename(d.notebook)} cell ${d.cell} (code cell ${d.codeCell}) ${d.line}:${d.column}`;
}

Deno.test("every lesson in notebooks/ type-checks", async () => {
  const lessons = listNotebooks();
  assert.ok(lessons.length > 0, "notebooks/ must hold at least one lesson, got none");
  const result = await checkLessons(lessons);
  assert.equal(result.notebooks, lessons.length);
  assert.deepEqual(
    result.diagnostics.map(formatDiagnostic),
    [],
    "lessons with type errors (run `deno run -A tools/check_lessons.ts` for the list)",
  );
  assert.deepEqual(result.problems, [], "deno check failed outside the lessons' cells");
});

Deno.test("checkLessons() reports each error at its notebook cell and line, and accepts what the kernel accepts", async () => {
  const { dir, paths } = await writeHandMade();
  try {
    const result = await checkLessons(Object.values(paths));
    assert.deepEqual(result.problems, []);
    assert.equal(result.notebooks, Object.keys(HAND_MADE).length);
    const of = (name: string) => result.diagnostics.filter((d) => d.notebook === paths[name]);

    assert.deepEqual(of("clean.ipynb").map(formatDiagnostic), [], "a clean notebook passes");
    assert.deepEqual(
      of("kernel_tolerates.ipynb").map(formatDiagnostic),
      [],
      "redeclaring in a later cell, importing in a later cell and top-level await pass",
    );

    const typeError = of("type_error.ipynb");
    assert.deepEqual(typeError.map(where), ["type_error.ipynb cell 3 (code cell 2) 2:7"]);
    assert.equal(typeError[0].code, "TS2322");
    assert.match(typeError[0].message, /Type 'string' is not assignable to type 'number'/);
    assert.equal(typeError[0].sourceLine, 'const count: number = "three";');
    const text = formatDiagnostic(typeError[0]);
    assert.ok(
      text.startsWith(`${paths["type_error.ipynb"]} cell 3 (code cell 2), line 2:7: TS2322 `),
      text,
    );
    assert.ok(text.includes('const count: number = "three";'), text);

    assert.deepEqual(
      of("same_cell_twice.ipynb").map((d) => `${where(d)} ${d.code}`),
      [
        "same_cell_twice.ipynb cell 1 (code cell 1) 1:7 TS2451",
        "same_cell_twice.ipynb cell 1 (code cell 1) 2:7 TS2451",
      ],
    );

    const misuse = of("lib_misuse.ipynb");
    assert.deepEqual(misuse.map((d) => `${where(d)} ${d.code}`), [
      "lib_misuse.ipynb cell 1 (code cell 1) 2:5 TS2551",
      "lib_misuse.ipynb cell 2 (code cell 2) 1:15 TS2345",
    ]);
    assert.ok(!misuse[0].message.includes(dir), "messages name no temporary path");

    const syntax = of("syntax_error.ipynb");
    assert.deepEqual(syntax.map((d) => `${where(d)} ${d.code}`), [
      "syntax_error.ipynb cell 3 (code cell 2) 2:21 SyntaxError",
    ]);
    assert.match(syntax[0].message, /Expression expected/);
    assert.equal(syntax[0].sourceLine, "const broken = (1 + ;");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
