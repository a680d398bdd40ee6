/** `deno task course`'s lesson runner: what makes it stop at a lesson. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runLessons } from "../tools/course.ts";
import { scratchDir } from "../tools/_scratch.ts";
import { codeNotebookJson } from "./_notebooks.ts";

const lesson = codeNotebookJson;

Deno.test({
  name:
    "runLessons() fails a lesson that ran but whose show cell kept no chart and check cell no claim",
  sanitizeResources: false,
  fn: async () => {
    const dir = await scratchDir("course-lost-");
    try {
      // a stand-in lib whose show() displays nothing and whose check() prints no claim: what a
      // lost chart and a lost line look like in the executed copy
      const path = join(dir, "notebooks", "01_lost.ipynb");
      await Deno.mkdir(join(dir, "notebooks"));
      await Deno.writeTextFile(
        path,
        lesson([
          "const lib = { show: async (_: unknown) => {}, check: async (_: boolean, __: string) => {} };",
          'await lib.show({ mark: "point" });',
          'await lib.check(true, "it works");',
        ]),
      );
      const lines: string[] = [];
      const ok = await runLessons([path], {
        outDir: join(dir, "build", "notebooks"),
        timeout: 120,
        log: (line) => lines.push(line),
      });
      const text = lines.join("\n");
      assert.equal(ok, false, text);
      assert.match(text, /FAIL 01_lost\.ipynb/);
      assert.match(text, /01_lost\.ipynb ran, but its executed copy is incomplete:/);
      assert.match(text, /cell 2 calls lib\.show\(\) but shows no chart/);
      assert.match(text, /cell 3 calls lib\.check\(\) but printed no verified claim \(✓\)/);
      assert.match(text, /Stopped at 01_lost\.ipynb\./);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
