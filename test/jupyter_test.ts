/**
 * The notebook runner: its own logic, and small hand-made notebooks run through Jupyter with
 * the Deno kernel (no output lost, errors marked at the cell's own line, executed copies that
 * run again where they are written).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  describeFailure,
  executeNotebook,
  findJupyter,
  type Jupyter,
  JupyterMissingError,
  listNotebooks,
  type NotebookRun,
  ROOT,
} from "../tools/_jupyter.ts";
import { chartOutputs, executedLessonProblems, lessonProblems } from "../tools/_lesson_outputs.ts";
import { forwardLib } from "../tools/_forward_lib.ts";
import { cellSource, joinText, type Notebook, type NotebookCell } from "../tools/_notebook.ts";
import { scratchDir } from "../tools/_scratch.ts";
import { codeCell, denoNotebook } from "./_notebooks.ts";

const notebook = denoNotebook;

function code(source: string, outputs: NotebookCell["outputs"] = []): NotebookCell {
  return codeCell(source, { metadata: { slideshow: { slide_type: "-" } }, outputs });
}

function failedRun(nb: Notebook, cellIndex: number): NotebookRun {
  return {
    name: "03_overfitting.ipynb",
    outPath: "build/notebooks/03_overfitting.ipynb",
    status: "error",
    seconds: 1,
    cellIndex,
    message: "",
    notebook: nb,
    stderr: "",
    errorPositions: [],
    syntaxError: null,
  };
}

Deno.test("findJupyter() says what to install when the named interpreter lacks Jupyter", async () => {
  await assert.rejects(
    findJupyter({ env: { COURSE_PYTHON: "/nonexistent/python3", PATH: "" } }),
    (error: unknown) => {
      assert.ok(error instanceof JupyterMissingError);
      assert.match(error.message, /COURSE_PYTHON=\/nonexistent\/python3/);
      for (const pkg of ["python3-nbclient", "python3-nbconvert", "jupyter-client"]) {
        assert.ok(error.message.includes(pkg), `the message must name ${pkg}`);
      }
      assert.match(error.message, /pip install jupyterlab/);
      assert.match(error.message, /deno jupyter --install/);
      return true;
    },
  );
});

Deno.test("lessonProblems() accepts a clean lesson and names each problem of a dirty one", () => {
  const clean = notebook([
    { cell_type: "markdown", source: "# Title", metadata: { slideshow: { slide_type: "slide" } } },
    code("const x = 1;"),
  ]);
  assert.deepEqual(lessonProblems(clean), []);

  const dirty = notebook([
    { cell_type: "markdown", source: "# Title", metadata: {} },
    { ...code("x"), execution_count: 3, outputs: [{ output_type: "stream", text: "1" }] },
    { ...code("y"), metadata: { slideshow: { slide_type: "sideways" } } },
  ]);
  dirty.metadata.kernelspec = { name: "python3" };
  const problems = lessonProblems(dirty);
  assert.equal(problems.length, 5, problems.join("\n"));
  assert.ok(
    problems.some((p) => p.startsWith("metadata.kernelspec.name") && p.includes("python3")),
  );
  assert.ok(problems.some((p) => p.startsWith("cell 1 (markdown)") && p.includes("slide_type")));
  assert.ok(problems.some((p) => p.startsWith("cell 2 (code) must have no outputs")));
  assert.ok(problems.some((p) => p.startsWith("cell 2 (code) must have no execution count")));
  assert.ok(problems.some((p) => p.startsWith("cell 3 (code)") && p.includes('"sideways"')));
});

Deno.test("chartOutputs() finds Vega-Lite-only and SVG-only bundles so a missing half is caught", () => {
  const nb = notebook([
    code("a", [{ output_type: "display_data", data: { "application/vnd.vegalite.v4+json": {} } }]),
    code("b", [{ output_type: "execute_result", data: { "image/svg+xml": "<svg/>" } }]),
    code("c", [{ output_type: "stream", text: "epoch 3" }]),
  ]);
  const charts = chartOutputs(nb);
  assert.deepEqual(charts.map((c) => c.cellIndex), [0, 1]);
  assert.deepEqual(charts[0].mimeTypes, ["application/vnd.vegalite.v4+json"]);
});

Deno.test("describeFailure() names the cell, marks the lines on the error's path and shows the error", () => {
  const nb = notebook([
    { cell_type: "markdown", source: "# Lesson", metadata: {} },
    code("const a = 1;"),
    code("const b = 2;\nconsole.log(b);\ncheck(b);\n", [
      { output_type: "stream", name: "stdout", text: "2\n" },
      {
        output_type: "error",
        ename: "AssertionError",
        evalue: "b must exceed 2, got 2",
        traceback: ["\u001b[31mAssertionError\u001b[0m: b must exceed 2", "    at <cell 3>:3:1"],
      },
    ]),
  ]);
  const text = describeFailure({
    ...failedRun(nb, 2),
    // innermost first; a frame in another cell marks nothing here
    errorPositions: [{ cellIndex: 1, line: 1, column: 1 }, { cellIndex: 2, line: 3, column: 1 }],
  });
  assert.match(
    text,
    /cell 3 \(code cell 2\) of 03_overfitting\.ipynb raised AssertionError: b must exceed 2, got 2/,
  );
  assert.match(text, /> 3 \| check\(b\);/);
  assert.match(text, / {2}1 \| const b = 2;/);
  assert.equal(text.split("\n").filter((l) => /^ *> /.test(l)).length, 1, text);
  assert.match(text, /printed:\n {4}2/);
  assert.match(text, /error:\n {4}AssertionError: b must exceed 2/);
  assert.ok(!text.includes("\u001b["), "colour codes must be stripped");
});

Deno.test("describeFailure() cuts a long cell to the lines around the failing one", () => {
  const source = Array.from({ length: 100 }, (_, i) => `line${i + 1}();`).join("\n");
  const nb = notebook([
    code(source, [{
      output_type: "error",
      ename: "Error",
      evalue: "boom",
      traceback: ["Error: boom", "    at <cell 1>:70:1"],
    }]),
  ]);
  const run = { ...failedRun(nb, 0), errorPositions: [{ cellIndex: 0, line: 70, column: 1 }] };
  const text = describeFailure(run, { maxSourceLines: 10 });
  const shown = text.split("\n").filter((l) => / \d+ \| /.test(l));
  assert.equal(shown.length, 10);
  assert.ok(shown.some((l) => l.includes("> 70 | line70();")));
  assert.ok(!text.includes("line1();") && !text.includes("line100();"));
});

Deno.test("listNotebooks() rejects a filter that matches nothing, naming it and the lessons", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/03_overfitting.ipynb`, "{}");
    assert.throws(
      () => listNotebooks(["07"], { dir }),
      (error: unknown) =>
        error instanceof RangeError && error.message.includes('got "07"') &&
        error.message.includes("03_overfitting.ipynb"),
    );
    assert.equal(listNotebooks(["overfit", "03"], { dir }).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("executeNotebook() rejects a timeout that is not a positive whole number", async () => {
  const jupyter = {
    python: "/nonexistent/python3",
    source: "test",
    versions: { nbclient: "0", nbformat: "0", jupyterClient: "0" },
  };
  for (const timeout of [0, -5, 2.5, NaN]) {
    await assert.rejects(
      executeNotebook(jupyter, "notebooks/x.ipynb", { timeout }),
      new RegExp(
        `^RangeError: timeout must be a positive whole number of seconds, got ${timeout}$`,
      ),
    );
  }
});

Deno.test("describeFailure() shows a syntax error's message and marks its line and column", () => {
  const nb = notebook([code("const a: number = 1;\nconst b = (a +;\nconsole.log(b);")]);
  const run = {
    ...failedRun(nb, 0),
    message: "Error: Execution failed",
    syntaxError: { message: "Expression expected", line: 2, column: 15 },
  };
  const text = describeFailure(run);
  assert.match(
    text,
    /cell 1 \(code cell 1\) of .* does not parse: Expression expected \(line 2, column 15\)/,
  );
  const lines = text.split("\n");
  const at = lines.findIndex((l) => l.includes("> 2 | const b = (a +;"));
  assert.ok(at > 0, text);
  // the caret sits under column 15 of the source line
  assert.equal(lines[at + 1].indexOf("^"), lines[at].indexOf("| ") + 2 + 14, text);
});

Deno.test("executedLessonProblems() names each show cell without a chart and each check cell without a claim", () => {
  const spec = { $schema: "https://vega.github.io/schema/vega-lite/v5.json" };
  const chart = {
    output_type: "display_data",
    data: { "application/vnd.vegalite.v5+json": spec, "image/svg+xml": "<svg></svg>" },
  };
  const complete = notebook([
    code("await lib.show(a);", [chart]),
    code('await lib.check(true, "a");', [{ output_type: "stream", name: "stdout", text: "✓ a\n" }]),
  ]);
  assert.deepEqual(executedLessonProblems(complete), []);
  const lost = notebook([
    code("await lib.show(a);", [chart]),
    code("await lib.show(b);\nconsole.log(1);", [{ output_type: "stream", text: "1\n" }]),
    code('await lib.check(true, "b");', [{ output_type: "stream", text: "checking\n" }]),
    code("x", [{ output_type: "error", ename: "ReferenceError", evalue: "x", traceback: [] }]),
  ]);
  assert.deepEqual(executedLessonProblems(lost), [
    "cell 4 has an error output: ReferenceError: x",
    "cell 2 calls lib.show() but shows no chart",
    "cell 3 calls lib.check() but printed no verified claim (✓)",
  ]);
});

// ---- through Jupyter with the Deno kernel ----

let jupyterFound: Jupyter | undefined;
async function jupyter(): Promise<Jupyter> {
  return jupyterFound ??= await findJupyter();
}

/** Writes a notebook of code cells into `dir` and runs it into `dir/build/notebooks`. */
async function runCells(dir: string, name: string, sources: string[]): Promise<NotebookRun> {
  const path = join(dir, "notebooks", name);
  await Deno.mkdir(join(dir, "notebooks"), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(notebook(sources.map((s) => code(s)))));
  return await executeNotebook(await jupyter(), path, {
    outDir: join(dir, "build", "notebooks"),
    timeout: 120,
  });
}

function streamText(cell: NotebookCell): string {
  return (cell.outputs ?? []).filter((o) => o.output_type === "stream").map((o) => joinText(o.text))
    .join("");
}

Deno.test({
  name: "executeNotebook() keeps output the kernel publishes after the cell has finished",
  sanitizeResources: false,
  fn: async () => {
    const dir = await scratchDir("jupyter-late-");
    try {
      // Nothing waits here: 300 lines and a 300 KB display are still in the kernel's queue when
      // the cell's reply and "idle" go out. Measured with the bare nbclient runner, this cell
      // kept neither the display nor most lines, and some landed in the next cell. (With a
      // 4 MB display the Deno kernel 2.9 sometimes writes the runner's next status message
      // into the middle of it, and the display arrives garbled: a kernel bug that lib.show
      // avoids by waiting until its display is written.)
      const run = await runCells(dir, "late.ipynb", [
        "for (let i = 1; i <= 300; i++) console.log(`line ${i}`);\n" +
        'await Deno.jupyter.display({ "text/plain": "big " + "x".repeat(300_000) }, { raw: true });',
        'console.log("second cell");',
      ]);
      assert.equal(run.status, "ok", describeFailure(run));
      const [first, second] = run.notebook!.cells;
      const lines = streamText(first).trimEnd().split("\n");
      assert.equal(lines.length, 300);
      assert.equal(lines[299], "line 300");
      const displays = (first.outputs ?? []).filter((o) => o.output_type === "display_data");
      assert.equal(displays.length, 1, "the late display must stay with its cell");
      assert.ok(joinText(displays[0].data!["text/plain"] as string).startsWith("big xxx"));
      assert.equal(streamText(second), "second cell\n");
      assert.equal(
        (second.outputs ?? []).length,
        1,
        "nothing of the first cell leaks into the second",
      );
      assert.equal(first.execution_count, 1);
      assert.equal(second.execution_count, 2);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "executeNotebook() reports progress, a cell past its timeout and a kernel that exits, and writes the copy",
  sanitizeResources: false,
  fn: async () => {
    const dir = await scratchDir("jupyter-stop-");
    try {
      const path = join(dir, "notebooks", "stop.ipynb");
      await Deno.mkdir(join(dir, "notebooks"));
      const write = (sources: string[]) =>
        Deno.writeTextFile(path, JSON.stringify(notebook(sources.map((s) => code(s)))));
      await write(['console.log("before");', "await new Promise(() => {});", "1"]);
      const progress: string[] = [];
      const slow = await executeNotebook(await jupyter(), path, {
        outDir: join(dir, "out"),
        timeout: 3,
        onCell: (p) => progress.push(`${p.number}/${p.count}`),
      });
      assert.equal(slow.status, "timeout", describeFailure(slow));
      assert.equal(slow.cellIndex, 1);
      assert.deepEqual(progress, ["1/3", "2/3"]);
      assert.equal(streamText(slow.notebook!.cells[0]), "before\n", "the copy holds what ran");
      assert.match(
        describeFailure(slow),
        /cell 2 \(code cell 2\) of stop\.ipynb did not finish in time/,
      );

      await write(['console.log("before");', "Deno.exit(3);", "1"]);
      const dead = await executeNotebook(await jupyter(), path, {
        outDir: join(dir, "out"),
        timeout: 60,
      });
      assert.equal(dead.status, "dead", describeFailure(dead));
      assert.equal(dead.cellIndex, 1);
      assert.equal(streamText(dead.notebook!.cells[0]), "before\n");
      assert.match(describeFailure(dead), /the kernel died while running cell 2/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The lines describeFailure marks with `>`, as "line | text". */
function markedLines(text: string): string[] {
  return text.split("\n").filter((l) => /^ *> +\d+ \| /.test(l)).map((l) =>
    l.replace(/^ *> +/, "")
  );
}

Deno.test({
  name: "executeNotebook() maps a runtime error to the line of the cell it happened on",
  sanitizeResources: false,
  fn: async () => {
    const dir = await scratchDir("jupyter-lines-");
    // each failing cell has types, objects the kernel reprints one property per line, and
    // multi-line template strings above the failing line
    const line3 =
      'const label: string = `first\nsecond`;\nmissingFunction(label);\nconsole.log("after");';
    const line11 = [
      "interface Point {",
      "  x: number;",
      "  y: number;",
      "}",
      "const points: Point[] = [",
      "  { x: 1, y: 2 }, { x: 3, y: 4 },",
      "];",
      "const text = `${points.length} points",
      "on two lines`;",
      "",
      "points.forEach((p: Point) => notDefined(p, text));",
    ].join("\n");
    const line13 = [
      "type Pair = [number, number];",
      "const pairs: Pair[] = [[1, 2], [3, 4]];",
      "const table = pairs.map(([a, b]) => ({ a, b, sum: a + b }));",
      "const report = `rows:",
      "${table.map((r) => `${r.a} + ${r.b} = ${r.sum}`).join(`",
      "`)}",
      "end`;",
      "",
      "function total(rows: { sum: number }[]): number {",
      "  return rows.reduce((s, r) => s + r.sum, 0);",
      "}",
      "console.log(report, total(table));",
      "throw new RangeError(`total ${total(table)} is too big`);",
    ].join("\n");
    try {
      const runs = await Promise.all([
        runCells(dir, "line3.ipynb", ["const warmUp: number = 1;", line3]),
        runCells(dir, "line11.ipynb", [line11]),
        runCells(dir, "line13.ipynb", ["// a cell before\nconst before = { a: 1, b: 2 };", line13]),
      ]);
      for (
        const [run, cellIndex, line, ename] of [
          [runs[0], 1, 3, "ReferenceError"],
          [runs[1], 0, 11, "ReferenceError"],
          [runs[2], 1, 13, "RangeError"],
        ] as const
      ) {
        assert.equal(run.status, "error", describeFailure(run));
        assert.equal(run.cellIndex, cellIndex);
        const text = describeFailure(run);
        assert.match(text, new RegExp(`raised ${ename}`));
        const source = cellSource(run.notebook!.cells[cellIndex]).split("\n");
        assert.deepEqual(markedLines(text), [`${line} | ${source[line - 1]}`], text);
        assert.ok(run.errorPositions.length > 0);
        assert.ok(run.errorPositions.every((p) => p.cellIndex === cellIndex && p.line === line));
        // the executed copy's traceback names the cell and its own line too
        const copy = JSON.parse(await Deno.readTextFile(run.outPath));
        const traceback = copy.cells[cellIndex].outputs.find(
          (o: { output_type: string }) => o.output_type === "error",
        ).traceback.join("\n");
        assert.match(traceback, new RegExp(`<cell ${cellIndex + 1}>:${line}:\\d+`));
        assert.doesNotMatch(traceback, /<anonymous>:\d+/);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "executeNotebook() marks both the throw inside an awaited function and the awaiting line",
  sanitizeResources: false,
  fn: async () => {
    const dir = await scratchDir("jupyter-await-");
    try {
      const run = await runCells(dir, "await.ipynb", [
        [
          "async function load(n: number): Promise<number> {",
          "  await new Promise((resolve) => setTimeout(resolve, 1));",
          "  if (n > 1) throw new TypeError(`cannot load ${n}`);",
          "  return n;",
          "}",
        ].join("\n"),
        [
          "const ids: number[] = [",
          "  1,",
          "  2,",
          "];",
          "for (const id of ids) {",
          "  await load(id);",
          "}",
        ].join("\n"),
      ]);
      assert.equal(run.status, "error", describeFailure(run));
      assert.equal(run.cellIndex, 1);
      assert.deepEqual(
        run.errorPositions.map((p) => [p.cellIndex, p.line]),
        [[0, 3], [1, 6]],
        "innermost first: the throw in cell 1, then the await in cell 2",
      );
      const text = describeFailure(run);
      assert.deepEqual(markedLines(text), ["6 |   await load(id);"], text);
      assert.match(text, /at load \(<cell 1>:3:\d+\)/);
      assert.match(text, /<cell 2>:6:\d+/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "executeNotebook() reports where a cell that does not parse breaks",
  sanitizeResources: false,
  fn: async () => {
    const dir = await scratchDir("jupyter-syntax-");
    try {
      const run = await runCells(dir, "syntax.ipynb", [
        "const fine = `a\nb`;",
        "const a: number = 1;\nconst b = (a +;\nconsole.log(b);",
      ]);
      assert.equal(run.status, "error");
      assert.equal(run.cellIndex, 1);
      assert.deepEqual(run.syntaxError, { message: "Expression expected", line: 2, column: 15 });
      const text = describeFailure(run);
      assert.match(text, /does not parse: Expression expected \(line 2, column 15\)/);
      assert.deepEqual(markedLines(text), ["2 | const b = (a +;"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "an executed copy runs again where it is written, lib and data found through build/",
  sanitizeResources: false,
  fn: async () => {
    const dir = await scratchDir("jupyter-rerun-");
    try {
      // the kit's layout, notebooks/ next to lib/ (here a module forwarding to the kit's)
      await Deno.mkdir(join(dir, "lib"));
      await Deno.writeTextFile(
        join(dir, "lib", "mod.ts"),
        `export * from ${JSON.stringify(join(ROOT, "lib", "mod.ts"))};\n`,
      );
      const cells = [
        'import * as lib from "../lib/mod.ts";',
        "const { dataset } = lib.loadIris();\nconsole.log(`${dataset.y.length} flowers`);",
      ];
      const first = await runCells(dir, "rerun.ipynb", cells);
      assert.equal(first.status, "ok", describeFailure(first));
      assert.equal(first.outPath, join(dir, "build", "notebooks", "rerun.ipynb"));
      // run from build/notebooks/, where ../lib/mod.ts is build/lib/mod.ts
      const again = await executeNotebook(await jupyter(), first.outPath, {
        outDir: join(dir, "again"),
        timeout: 120,
      });
      assert.equal(again.status, "ok", describeFailure(again));
      assert.equal(streamText(again.notebook!.cells[1]), "150 flowers\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("forwardLib() never writes into the kit's lib, through a link or over a module of its own", async () => {
  const dir = await scratchDir("jupyter-forward-");
  const kitMod = await Deno.readTextFile(join(ROOT, "lib", "mod.ts"));
  try {
    // dir/a/lib is a symbolic link to the kit's lib (made with ln: the kit's permissions let
    // Deno itself make none)
    await Deno.mkdir(join(dir, "a"));
    const ln = await new Deno.Command("ln", {
      args: ["-s", join(ROOT, "lib"), join(dir, "a", "lib")],
    }).output();
    assert.ok(ln.success, new TextDecoder().decode(ln.stderr));
    assert.equal(await forwardLib(join(dir, "a"), ROOT), 0);
    assert.equal(await forwardLib(ROOT, ROOT), 0, "ROOT/lib is the kit's lib itself");
    // a module someone wrote by hand stays; the others are forwarded, once
    await Deno.mkdir(join(dir, "b", "lib"), { recursive: true });
    await Deno.writeTextFile(join(dir, "b", "lib", "mod.ts"), "export const mine = 1;\n");
    const written = await forwardLib(join(dir, "b"), ROOT);
    assert.ok(written > 10, `got ${written}`);
    assert.equal(
      await Deno.readTextFile(join(dir, "b", "lib", "mod.ts")),
      "export const mine = 1;\n",
    );
    assert.match(
      await Deno.readTextFile(join(dir, "b", "lib", "train.ts")),
      /export \* from "(\.\.\/)+lib\/train\.ts";/,
    );
    assert.equal(await forwardLib(join(dir, "b"), ROOT), 0, "nothing to rewrite the second time");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(await Deno.readTextFile(join(ROOT, "lib", "mod.ts")), kitMod);
});
