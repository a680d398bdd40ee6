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
  chartOutputs,
  describeFailure,
  ensureDenoKernel,
  errorOutputs,
  executeNotebook,
  findJupyter,
  lessonProblems,
  listNotebooks,
  NOTEBOOKS_DIR,
  ROOT,
  stripAnsi,
} from "../tools/_jupyter.ts";
import {
  cellSource,
  joinText,
  parseNotebook,
  SVG_MIME,
  VEGA_LITE_MIME,
} from "../tools/_notebook.ts";

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

      const errors = errorOutputs(run.notebook);
      assert.deepEqual(
        errors.map((e) =>
          `cell ${e.cellIndex + 1}: ${e.output.ename}: ${stripAnsi(e.output.evalue ?? "")}`
        ),
        [],
        `${run.name} has error outputs`,
      );

      const charts = chartOutputs(run.notebook);
      assert.ok(charts.length > 0, `${run.name} must show at least one chart, got none`);
      // A chart the kernel dropped (it publishes outputs asynchronously) must not pass unseen:
      // every cell that calls lib.show() keeps at least one chart.
      const withCharts = new Set(charts.map((c) => c.cellIndex));
      const missing = run.notebook.cells.flatMap((cell, i) => {
        return cell.cell_type === "code" && /\blib\.show\(/.test(cellSource(cell)) &&
            !withCharts.has(i)
          ? [`cell ${i + 1}`]
          : [];
      });
      assert.deepEqual(missing, [], `${run.name}: cells that call lib.show() but show no chart`);
      // Likewise every check cell prints its verified claims.
      const silentChecks = run.notebook.cells.flatMap((cell, i) => {
        if (cell.cell_type !== "code" || !/\blib\.check\(/.test(cellSource(cell))) return [];
        const printed = (cell.outputs ?? []).map((o) => joinText(o.text)).join("");
        return printed.includes("✓ ") ? [] : [`cell ${i + 1}`];
      });
      assert.deepEqual(silentChecks, [], `${run.name}: check cells that printed no verified claim`);
      for (const chart of charts) {
        const where = `${run.name} cell ${chart.cellIndex + 1}`;
        assert.ok(
          chart.mimeTypes.includes(VEGA_LITE_MIME) && chart.mimeTypes.includes(SVG_MIME),
          `${where}: a chart bundle must carry ${VEGA_LITE_MIME} and ${SVG_MIME}, got ${
            chart.mimeTypes.join(", ")
          }`,
        );
        const spec = chart.data[VEGA_LITE_MIME] as { $schema?: string };
        assert.match(
          spec.$schema ?? "",
          /vega-lite\/v5(\.\d+)*\.json$/,
          `${where}: the spec must declare the Vega-Lite v5 $schema`,
        );
        const svg = chart.data[SVG_MIME];
        const svgText = joinText(svg as string | string[]);
        assert.match(
          svgText,
          /^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/,
          `${where}: ${SVG_MIME} must be SVG`,
        );
      }
    });
  }
});
