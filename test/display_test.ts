import assert from "node:assert/strict";
import { join } from "node:path";
import { decisionBoundary, learningCurves, type VegaLiteSpec } from "../lib/charts.ts";
import {
  $display,
  bundle,
  chart,
  type DisplayCallOptions,
  inJupyter,
  type MediaBundle,
  renderSvg,
  show,
} from "../lib/display.ts";
import { liveChart, notebookProgress, progressLine } from "../lib/live.ts";
import { setClock, setDisplayHook } from "../lib/testing.ts";
import { formatEpochLine } from "../lib/_format.ts";
import { progressBundle } from "../lib/_progress.ts";
import { settleMs } from "../lib/_kernel.ts";
import { compactSvg, describeChart } from "../lib/_render.ts";
import { executeNotebook, findJupyter, type Jupyter, ROOT } from "../tools/_jupyter.ts";
import { codeNotebookJson } from "./_notebooks.ts";

const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

function tiny(title: string): VegaLiteSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    data: { values: [{ a: 1, b: 2 }, { a: 2, b: 3 }, { a: 3, b: 1 }] },
    mark: "line",
    encoding: {
      x: { field: "a", type: "quantitative" },
      y: { field: "b", type: "quantitative" },
    },
  };
}

/** Records what lib would send to the kernel while `fn` runs. */
async function withFakeKernel(
  fn: (calls: { bundle: MediaBundle; options: DisplayCallOptions }[]) => Promise<void>,
  display?: (bundle: MediaBundle, options: DisplayCallOptions) => void,
): Promise<void> {
  const calls: { bundle: MediaBundle; options: DisplayCallOptions }[] = [];
  setDisplayHook((b, options) => {
    calls.push({ bundle: b, options });
    display?.(b, options);
  });
  try {
    await fn(calls);
  } finally {
    setDisplayHook(undefined);
  }
}

/** Waits until `done()` holds, then one more macrotask so pending promise callbacks have run. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 1));
  await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Captures console output of one kind while `fn` runs. */
async function capture(
  kind: "log" | "warn" | "error",
  fn: () => Promise<void>,
): Promise<string[]> {
  const lines: string[] = [];
  const original = console[kind];
  console[kind] = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  try {
    await fn();
  } finally {
    console[kind] = original;
  }
  return lines;
}

Deno.test("outside the kernel Deno.jupyter throws and inJupyter() is false", () => {
  assert.throws(() => Deno.jupyter, /only available in `deno jupyter`/);
  assert.equal(inJupyter(), false);
  setDisplayHook(() => {});
  try {
    assert.equal(inJupyter(), true);
  } finally {
    setDisplayHook(undefined);
  }
  assert.equal(inJupyter(), false);
});

Deno.test("bundle() holds exactly the spec, its SVG and a line of text", async () => {
  const spec = learningCurves([{ epoch: 1, loss: 0.9 }, { epoch: 2, loss: 0.5 }], {
    title: "Loss per epoch",
  });
  const b = await bundle(spec);
  assert.deepEqual(Object.keys(b).sort(), [VEGA_LITE_MIME, "image/svg+xml", "text/plain"].sort());
  assert.equal(b[VEGA_LITE_MIME], spec);
  assert.equal(b[VEGA_LITE_MIME].$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  assert.ok(b["image/svg+xml"].startsWith("<svg"));
  assert.ok(b["image/svg+xml"].includes(">Loss per epoch</text>"));
  assert.equal(b["text/plain"], "Chart: Loss per epoch");
});

Deno.test("bundle() leaves the caller's spec as it was", async () => {
  const spec = tiny("Untouched");
  const before = structuredClone(spec);
  await bundle(spec);
  assert.deepEqual(spec, before);
  for (const row of (spec.data as { values: object[] }).values) {
    assert.deepEqual(Object.getOwnPropertySymbols(row), []);
  }
});

Deno.test("describeChart() falls back on the panels' titles, then on a plain word", () => {
  const g = [0, 1].flatMap((x1) => [0, 1].map((x2) => ({ x1, x2, p: x1 })));
  const spec = decisionBoundary([{ title: "narrow", grid: g }, { title: "wide", grid: g }]);
  assert.equal(describeChart(spec), "Chart: narrow | wide");
  assert.equal(describeChart({ $schema: "x", description: "a table" }), "Chart: a table");
  assert.equal(describeChart({ $schema: "x" }), "Chart");
});

Deno.test("show() outside the kernel prints one line and sends nothing", async () => {
  const lines = await capture("log", () => show(tiny("Quiet chart")));
  assert.deepEqual(lines, ["Chart: Quiet chart"]);
});

Deno.test("show() in the kernel sends one raw bundle with the display id", async () => {
  const spec = tiny("Sent");
  await withFakeKernel(async (calls) => {
    await show(spec);
    await show(spec, { displayId: "d1" });
    await show(spec, { displayId: "d1", update: true });
    assert.equal(calls.length, 3);
    assert.deepEqual(calls.map((c) => c.options), [
      { raw: true, display_id: undefined, update: false },
      { raw: true, display_id: "d1", update: false },
      { raw: true, display_id: "d1", update: true },
    ]);
    assert.deepEqual(calls[0].bundle, await bundle(spec));
  });
});

Deno.test("show() rejects bad specs and options with clear errors", async () => {
  await assert.rejects(show([] as never), {
    name: "TypeError",
    message: "spec must be a Vega-Lite spec object, got []",
  });
  await assert.rejects(show({ mark: "bar" } as never), {
    name: "RangeError",
    message: /^spec\.\$schema must be a Vega-Lite v5 schema URL .*got undefined$/,
  });
  await assert.rejects(
    show({ ...tiny("old"), $schema: "https://vega.github.io/schema/vega-lite/v4.json" }),
    {
      name: "RangeError",
      message: /got "https:\/\/vega\.github\.io\/schema\/vega-lite\/v4\.json"$/,
    },
  );
  await assert.rejects(show(tiny("t"), { update: true }), {
    name: "TypeError",
    message: "options.update needs options.displayId, got undefined",
  });
  await assert.rejects(show(tiny("t"), { displayId: "" }), {
    name: "TypeError",
    message: 'options.displayId must be a non-empty string, got ""',
  });
});

Deno.test('chart() renders through Symbol.for("Jupyter.display") to the same bundle', async () => {
  assert.equal($display, Symbol.for("Jupyter.display"));
  const spec = tiny("Last expression");
  const c = chart(spec);
  assert.equal(c.spec, spec);
  const viaSymbol = c[Symbol.for("Jupyter.display") as typeof $display];
  assert.equal(typeof viaSymbol, "function");
  assert.deepEqual(await viaSymbol(), await bundle(spec));
  assert.throws(() => chart({ $schema: 5 } as never), { name: "RangeError" });
});

Deno.test("renderSvg() prints each vega-lite warning and still renders", async () => {
  const spec: VegaLiteSpec = {
    ...tiny("With a warning"),
    mark: "bar",
    encoding: {
      x: { field: "a", type: "quantitative" },
      y: { field: "b", type: "quantitative" },
      text: { field: "a", type: "quantitative" },
    },
  };
  let svg = "";
  const warnings = await capture("warn", async () => {
    svg = await renderSvg(spec);
  });
  assert.ok(svg.startsWith("<svg"));
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0], 'vega-lite: text dropped as it is incompatible with "bar".');
});

Deno.test("compactSvg() rounds geometry to hundredths and leaves text alone", async () => {
  const raw = '<path d="M1.23456,-2.5h3.14159v0.004Z"/>' +
    '<text transform="translate(10.126,3)" font-size="13px">0.123456</text>';
  assert.equal(
    compactSvg(raw),
    '<path d="M1.23,-2.5h3.14v0Z"/><text transform="translate(10.13,3)" font-size="13px">' +
      "0.123456</text>",
  );
  const svg = await renderSvg(tiny("Compact"));
  for (const m of svg.matchAll(/ (?:d|transform)="([^"]*)"/g)) {
    assert.ok(!/\d\.\d{3}/.test(m[1]), m[1]);
  }
});

Deno.test("liveChart() updates one display in place and always shows the final state", async (t) => {
  await t.step("throttles refreshes by the clock, sends the last state at done()", async () => {
    let now = 0;
    setClock(() => now);
    try {
      await withFakeKernel(async (calls) => {
        const live = liveChart(tiny("0"), { minInterval: 500 });
        await live.update(tiny("1")); // the first display is still being sent: kept for later
        await until(() => calls.length === 1);
        now = 100;
        await live.update(tiny("2")); // too soon
        now = 600;
        await live.update(tiny("3")); // 500 ms after the first: sent
        now = 700;
        await live.update(tiny("4")); // too soon
        await live.update(tiny("5"));
        await live.done();
        await live.update(tiny("6")); // after done: ignored
        assert.deepEqual(calls.map((c) => c.bundle["text/plain"]), [
          "Chart: 0",
          "Chart: 3",
          "Chart: 5",
        ]);
        assert.deepEqual(calls.map((c) => c.options.update), [false, true, true]);
        for (const c of calls) {
          assert.equal(c.options.display_id, live.displayId);
          assert.equal(c.options.raw, true);
        }
        assert.deepEqual(calls[2].bundle, await bundle(tiny("5")));
      });
    } finally {
      setClock(undefined);
    }
  });

  await t.step("waits five times as long as the last refresh took", async () => {
    let now = 0;
    setClock(() => now);
    try {
      // The fake front end takes 200 ms per display, so the next refresh is due 1000 ms later.
      await withFakeKernel(async (calls) => {
        const live = liveChart(undefined, { minInterval: 0 });
        await until(() => calls.length === 1);
        now = 900;
        await live.update(tiny("a"));
        now = 1000;
        await live.update(tiny("b"));
        await live.done(tiny("c"));
        assert.deepEqual(calls.map((c) => c.bundle["text/plain"]), [
          "Waiting for the first update...",
          "Chart: b",
          "Chart: c",
        ]);
      }, () => {
        now += 200;
      });
    } finally {
      setClock(undefined);
    }
  });

  await t.step("never rejects an update; done() raises the rendering error", async () => {
    const failure = new Error("front end went away");
    const errors = await capture("error", async () => {
      await withFakeKernel(async (calls) => {
        const live = liveChart(undefined, { minInterval: 0 });
        await until(() => calls.length === 1);
        await live.update(tiny("x"));
        assert.equal(calls.length, 2);
        await assert.rejects(live.done(tiny("y")), failure);
      }, (b) => {
        if (b["text/plain"] !== "Waiting for the first update...") throw failure;
      });
    });
    assert.equal(errors.length, 1);
    assert.match(errors[0], /front end went away/);
  });

  await t.step("outside the kernel updates do nothing and done() prints one line", async () => {
    const lines = await capture("log", async () => {
      const live = liveChart(tiny("start"));
      await live.update(tiny("middle"));
      await live.done(tiny("end"));
      await live.done();
    });
    assert.deepEqual(lines, ["Chart: end"]);
  });

  await t.step("rejects bad arguments", async () => {
    assert.throws(() => liveChart(tiny("a"), { minInterval: -1 }), {
      name: "RangeError",
      message: "options.minInterval must be a finite number >= 0, got -1",
    });
    assert.throws(() => liveChart({} as never), {
      name: "RangeError",
      message: /^initialSpec\.\$schema must be a Vega-Lite v5 schema URL/,
    });
    const live = liveChart();
    assert.throws(() => live.update({ $schema: "nope" }), { name: "RangeError" });
    await live.done();
  });
});

Deno.test("progressLine()", async (t) => {
  await t.step("draws a text bar and an HTML bar, escaping the text", () => {
    const b = progressBundle({ text: "loss <0.5>", fraction: 0.25 });
    const filled = Math.round(0.25 * 20);
    assert.equal(
      b["text/plain"],
      `[${"#".repeat(filled)}${".".repeat(20 - filled)}] 25% loss <0.5>`,
    );
    assert.match(b["text/html"] as string, /<progress value="0.25" max="1"/);
    assert.ok((b["text/html"] as string).includes("loss &lt;0.5&gt;"));
    const plain = progressBundle({ text: "a & b" });
    assert.equal(plain["text/plain"], "a & b");
    assert.equal(plain["text/html"], '<pre style="margin: 0">a &amp; b</pre>');
  });

  await t.step("rewrites one display in place", async () => {
    let now = 0;
    setClock(() => now);
    try {
      await withFakeKernel(async (calls) => {
        const line = progressLine("starting", { minInterval: 200 });
        await until(() => calls.length === 1);
        for (let epoch = 1; epoch <= 10; epoch++) {
          now = epoch * 100;
          await line.update(`epoch ${epoch}`, epoch / 10);
        }
        await line.done("trained");
        // Sent: the start, then every 200 ms (epochs 2, 4, 6, 8, 10), then the final line.
        assert.deepEqual(calls.map((c) => c.bundle["text/plain"]), [
          "starting",
          ...[2, 4, 6, 8, 10].map((e) =>
            progressBundle({ text: `epoch ${e}`, fraction: e / 10 })["text/plain"]
          ),
          progressBundle({ text: "trained", fraction: 1 })["text/plain"],
        ]);
        assert.equal(new Set(calls.map((c) => c.options.display_id)).size, 1);
      });
    } finally {
      setClock(undefined);
    }
  });

  await t.step("outside the kernel prints only the final line", async () => {
    const lines = await capture("log", async () => {
      const line = progressLine();
      await line.update("epoch 1/2", 0.5);
      await line.done("done");
    });
    assert.deepEqual(lines, [progressBundle({ text: "done", fraction: 0.5 })["text/plain"]]);
  });

  await t.step("rejects a fraction outside [0, 1] and text that is not a string", async () => {
    const line = progressLine();
    assert.throws(() => line.update("x", 1.5), {
      name: "RangeError",
      message: "fraction must be a number in [0, 1], got 1.5",
    });
    assert.throws(() => line.update(3 as never), {
      name: "TypeError",
      message: "text must be a string, got 3",
    });
    await line.done();
  });
});

Deno.test("notebookProgress() shows a training run in one output", async (t) => {
  /** Drives the callback the way `fit` does: begin, one record per epoch, end. */
  async function drive(kind: "line" | "chart", numEpochs: number, stopReason?: string) {
    const cb = notebookProgress(kind, { minInterval: 1e9 });
    const epochs: { epoch: number; loss: number; valLoss: number; seconds: number }[] = [];
    const ctx = { params: { epochs: 10 }, history: { epochs }, stopReason };
    cb.onTrainBegin(ctx);
    for (let epoch = 1; epoch <= numEpochs; epoch++) {
      epochs.push({ epoch, loss: 1 / epoch, valLoss: 1.1 / epoch, seconds: epoch / 10 });
      await cb.onEpochEnd(epochs[epochs.length - 1], ctx);
    }
    await cb.onTrainEnd(ctx);
    return epochs;
  }

  await t.step(
    "chart: the learning curves so far, then the final ones with the stop reason",
    async () => {
      await withFakeKernel(async (calls) => {
        const epochs = await drive("chart", 4, "stopped early at epoch 4");
        // Epochs come faster than the (huge) refresh interval: only the first and last show.
        assert.equal(calls.length, 2);
        assert.equal(new Set(calls.map((c) => c.options.display_id)).size, 1);
        assert.equal(calls[0].bundle["text/plain"], "Waiting for the first update...");
        const final = calls[1].bundle[VEGA_LITE_MIME] as VegaLiteSpec;
        assert.deepEqual(final.title, {
          text: "Learning curves",
          subtitle: "stopped early at epoch 4",
        });
        assert.deepEqual(
          final,
          learningCurves(epochs, {
            title: "Learning curves",
            subtitle: "stopped early at epoch 4",
          }),
        );
      });
    },
  );

  await t.step("chart: a diverged run (every loss NaN) says so instead of throwing", async () => {
    await withFakeKernel(async (calls) => {
      const cb = notebookProgress("chart", { minInterval: 0 });
      const epochs: { epoch: number; loss: number }[] = [];
      const ctx = { params: { epochs: 3 }, history: { epochs } };
      cb.onTrainBegin(ctx);
      for (let epoch = 1; epoch <= 3; epoch++) {
        epochs.push({ epoch, loss: NaN });
        await cb.onEpochEnd(epochs[epochs.length - 1], ctx);
      }
      await cb.onTrainEnd(ctx);
      const final = calls.at(-1)!.bundle[VEGA_LITE_MIME] as VegaLiteSpec;
      assert.match(JSON.stringify(final.data), /no finite loss to draw after 3 epochs/);
      // A run that recovers draws its curves again.
      epochs.push({ epoch: 4, loss: 0.5 });
      assert.doesNotThrow(() => learningCurves(epochs, { title: "t" }));
    });
  });

  await t.step(
    "line: a bar with the epoch's numbers, the last line when training ends",
    async () => {
      await withFakeKernel(async (calls) => {
        const epochs = await drive("line", 10);
        const texts = calls.map((c) => c.bundle["text/plain"]);
        assert.deepEqual(texts, [
          "training for 10 epochs",
          progressBundle({ text: formatEpochLine(epochs[9], 10), fraction: 1 })["text/plain"],
        ]);
        assert.equal(
          formatEpochLine(epochs[9], 10),
          "epoch 10/10  loss 0.1000  valLoss 0.1100  1.0 s",
        );
      });
    },
  );

  await t.step("outside the kernel only the final line is printed", async () => {
    const lines = await capture("log", async () => {
      await drive("line", 3, "stopped");
    });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /30% epoch 3\/10 .* \| {2}stopped$/);
  });

  await t.step("rejects an unknown kind", () => {
    assert.throws(() => notebookProgress("bar" as never), {
      name: "RangeError",
      message: 'kind must be one of "line", "chart", got "bar"',
    });
  });
});

const jupyter: Jupyter | null = await findJupyter().catch(() => null);

Deno.test({
  name:
    "in the Deno kernel: charts render, chart() formats through the display symbol, live output updates in place",
  ignore: jupyter === null,
  async fn() {
    const dir = join(ROOT, "build", "display_test");
    await Deno.mkdir(dir, { recursive: true });
    const lib = new URL("../lib/", import.meta.url).href;
    const sources = [
      `import { chart, inJupyter, show } from "${lib}display.ts";\n` +
      `import { liveChart, progressLine } from "${lib}live.ts";\n` +
      `import { learningCurves } from "${lib}charts.ts";\n` +
      'if (!inJupyter()) throw new Error("inJupyter() is false in the kernel");',
      "const epochs = [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, valLoss: 1.2 / epoch }));\n" +
      'await show(learningCurves(epochs, { title: "shown" }));',
      // The kernel formats a cell's last expression the way display() formats an object
      // (through Symbol.for("Jupyter.display")); display() is awaited here because a last
      // expression's result can arrive after the cell's idle status and be dropped headless.
      'await Deno.jupyter.display(chart(learningCurves(epochs, { title: "symbol" })));\n' +
      "await new Promise((resolve) => setTimeout(resolve, 100));",
      "const live = liveChart(undefined, { minInterval: 0 });\n" +
      "for (let e = 1; e <= 3; e++) {\n" +
      "  await live.update(learningCurves(epochs.slice(0, e), { title: `live ${e}` }));\n" +
      "}\n" +
      "await live.done();",
      'const line = progressLine("start", { minInterval: 0 });\n' +
      "for (let e = 1; e <= 3; e++) await line.update(`epoch ${e}`, e / 3);\n" +
      'await line.done("finished");',
    ];
    const path = join(dir, "display_check.ipynb");
    await Deno.writeTextFile(path, codeNotebookJson(sources));
    try {
      const run = await executeNotebook(jupyter!, path, { outDir: join(dir, "out"), timeout: 120 });
      assert.equal(run.status, "ok", `${run.message}\n${run.stderr}`);
      const out = run.notebook!.cells.map((c) => c.outputs ?? []);
      const text = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v));
      assert.deepEqual(out[0], []);
      const three = [VEGA_LITE_MIME, "image/svg+xml", "text/plain"].sort();
      assert.equal(out[1].length, 1);
      assert.equal(out[1][0].output_type, "display_data");
      assert.deepEqual(Object.keys(out[1][0].data!).sort(), three);
      assert.equal(out[2].length, 1);
      assert.equal(out[2][0].output_type, "display_data");
      assert.deepEqual(Object.keys(out[2][0].data!).sort(), three);
      assert.equal(text(out[2][0].data!["text/plain"]), "Chart: symbol");
      // One output, replaced in place by every update: it ends with the final state.
      assert.equal(out[3].length, 1);
      assert.equal(text(out[3][0].data!["text/plain"]), "Chart: live 3");
      assert.equal(out[4].length, 1);
      assert.match(text(out[4][0].data!["text/plain"]), /100% finished$/);
      // Nothing on stderr (vega's load-time deprecation warning is silenced).
      for (const cell of out) {
        for (const o of cell) {
          assert.notEqual((o as { name?: string }).name, "stderr", text(o.text));
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("settleMs() waits longer after bigger bundles: 20 ms plus 40 ms per MB", () => {
  const small = { "text/plain": "x" };
  const big = { "text/plain": "x".repeat(4_000_000) };
  assert.equal(settleMs(small), 20 + Math.ceil((40 * JSON.stringify(small).length) / 1e6));
  assert.ok(settleMs(big) >= 20 + 160, `got ${settleMs(big)}`);
  assert.ok(settleMs(big) > settleMs(small));
});
