/**
 * The lessons as learners get them: committed clean (no outputs, no execution counts, slide
 * metadata on every cell), and running top to bottom through Jupyter with the Deno kernel with
 * every check cell passing and every chart carrying both Vega-Lite and SVG.
 *
 * Jupyter must be installed (see README.md); without it this test fails and says what to
 * install.
 */
import assert from "node:assert/strict";
import { basename, relative } from "node:path";
import {
  describeFailure,
  ensureDenoKernel,
  executeNotebook,
  findJupyter,
  listNotebooks,
  NOTEBOOKS_DIR,
  ROOT,
} from "../tools/_jupyter.ts";
import { executedLessonProblems, lessonProblems } from "../tools/_lesson_outputs.ts";
import { parseNotebook } from "../tools/_notebook.ts";

const notebooks = listNotebooks();

/** A notebook's text as git will commit it: the index's copy if tracked, else the file. */
async function committedText(path: string): Promise<string> {
  const rel = relative(ROOT, path);
  try {
    const out = await new Deno.Command("git", {
      args: ["-C", ROOT, "show", `:${rel}`],
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).output();
    if (out.success) return new TextDecoder().decode(out.stdout);
  } catch {
    // git is not installed: read the file
  }
  return await Deno.readTextFile(path);
}

Deno.test("the notebooks folder holds the lessons", () => {
  assert.ok(
    notebooks.length > 0,
    `${relative(ROOT, NOTEBOOKS_DIR)}/ must hold at least one .ipynb lesson, got none`,
  );
});

Deno.test("notebooks are committed without outputs and with slide metadata on every cell", async (t) => {
  for (const path of notebooks) {
    await t.step(basename(path), async () => {
      const nb = parseNotebook(await committedText(path), basename(path));
      const problems = lessonProblems(nb);
      assert.deepEqual(
        problems,
        [],
        `${basename(path)} is not clean:\n  ${problems.join("\n  ")}\n` +
          "Clear outputs before committing (Edit > Clear Outputs of All Cells, or " +
          "`jupyter nbconvert --clear-output --inplace notebooks/*.ipynb`)",
      );
    });
  }
});

Deno.test("every notebook runs through Jupyter with the Deno kernel, checks passing and charts in Vega-Lite and SVG", async (t) => {
  const jupyter = await findJupyter();
  await ensureDenoKernel(jupyter);
  for (const path of notebooks) {
    await t.step(basename(path), async () => {
      const run = await executeNotebook(jupyter, path);
      console.log(`  ${run.status} ${run.name} in ${run.seconds.toFixed(1)} s`);
      if (run.status !== "ok" || !run.notebook) assert.fail(`\n${describeFailure(run)}`);
      // The rules deno task course applies: no error output, a chart (Vega-Lite v5 and SVG)
      // from every lib.show() cell, a verified claim from every lib.check() cell. A chart or
      // line the kernel published late must not go missing unseen.
      assert.deepEqual(
        executedLessonProblems(run.notebook),
        [],
        `${run.name}: the executed copy is incomplete`,
      );
    });
  }
});
