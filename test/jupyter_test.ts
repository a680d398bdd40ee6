/** The notebook runner's own logic, without starting Jupyter. */
import assert from "node:assert/strict";
import {
  chartOutputs,
  describeFailure,
  executeNotebook,
  findJupyter,
  JupyterMissingError,
  lessonProblems,
  listNotebooks,
  type NotebookRun,
} from "../tools/_jupyter.ts";
import type { Notebook, NotebookCell } from "../tools/_notebook.ts";

function notebook(cells: NotebookCell[]): Notebook {
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

function code(source: string, outputs: NotebookCell["outputs"] = []): NotebookCell {
  return {
    cell_type: "code",
    source,
    metadata: { slideshow: { slide_type: "-" } },
    outputs,
    execution_count: null,
  };
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

Deno.test("describeFailure() names the cell, marks the failing line and shows the error", () => {
  const nb = notebook([
    { cell_type: "markdown", source: "# Lesson", metadata: {} },
    code("const a = 1;"),
    code("const b = 2;\nconsole.log(b);\ncheck(b);\n", [
      { output_type: "stream", name: "stdout", text: "2\n" },
      {
        output_type: "error",
        ename: "AssertionError",
        evalue: "b must exceed 2, got 2",
        traceback: ["\u001b[31mAssertionError\u001b[0m: b must exceed 2", "    at <anonymous>:3:1"],
      },
    ]),
  ]);
  const text = describeFailure(failedRun(nb, 2));
  assert.match(
    text,
    /cell 3 \(code cell 2\) of 03_overfitting\.ipynb raised AssertionError: b must exceed 2, got 2/,
  );
  assert.match(text, /> 3 \| check\(b\);/);
  assert.match(text, / {2}1 \| const b = 2;/);
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
      traceback: ["Error: boom", "    at <anonymous>:70:1"],
    }]),
  ]);
  const text = describeFailure(failedRun(nb, 0), { maxSourceLines: 10 });
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
