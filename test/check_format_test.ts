import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../tools/_jupyter.ts";
import { fmtFlags, unformattedNotebooks } from "../tools/check_format.ts";
import { codeNotebookJson } from "./_notebooks.ts";

/** A one-cell notebook whose code is `source`. */
const notebook = (source: string) => codeNotebookJson([source]);

Deno.test("a formatted notebook passes and a misformatted one is named with its first bad line", async () => {
  const dir = join(ROOT, "build", "check-format-test");
  await Deno.mkdir(dir, { recursive: true });
  try {
    const good = join(dir, "good.ipynb"), bad = join(dir, "bad.ipynb");
    await Deno.writeTextFile(good, notebook("const x = 1;\n"));
    // format the good one for real, so the test does not depend on the JSON layout above
    await new Deno.Command(Deno.execPath(), { args: ["fmt", ...fmtFlags({}), good] }).output();
    await Deno.writeTextFile(bad, (await Deno.readTextFile(good)).replace("const x", "const   x"));
    assert.deepEqual(await unformattedNotebooks([good]), []);
    const problems = await unformattedNotebooks([good, bad]);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /bad\.ipynb: not formatted \(line \d+: found .*const {3}x/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fmtFlags() reproduces deno.json's fmt settings and rejects one it cannot", () => {
  assert.deepEqual(fmtFlags({ fmt: { lineWidth: 100, exclude: ["build/"] } }), [
    "--no-config",
    "--line-width=100",
  ]);
  assert.deepEqual(fmtFlags({ fmt: { useTabs: true, semiColons: false } }), [
    "--no-config",
    "--use-tabs",
    "--no-semicolons",
  ]);
  assert.throws(() => fmtFlags({ fmt: { quoteProps: "asNeeded" } }), /fmt\.quoteProps has no/);
});
