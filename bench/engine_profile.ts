/**
 * Where the time of one training step goes on lib's dense training engine
 * (`lib/_mlp_engine.ts`, the path `fit` takes for Dense stacks with a named optimizer), for
 * the rows of the scaling grid in `fit_bench.ts`.
 *
 * Each workload is trained with `fit` exactly as the grid trains it (moons, ReLU hidden
 * layers, sigmoid output, Adam 1e-3, no regularization), once to warm up and then `--runs`
 * times with the engine's phase clock on (`engineSwitch.profile`): the milliseconds of every
 * phase of every step (gather, forward, dropout masks, output gradient, backward, update) are
 * summed, and the run with the smallest total counts. Printed per workload: µs per step for
 * each phase, the rest of `fit`'s time per step (scoring the epoch's predictions, writing
 * weights back, callbacks), and the multiply-adds of the step's matrix products with the rate
 * they imply.
 *
 * The last line is JSON for tooling: one object per workload.
 *
 * Run: deno run -P=kit bench/engine_profile.ts [--runs=3] [--only=TEXT]
 *
 * @module
 */
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { engineSwitch } from "../lib/_mlp_engine.ts";
import { mlp } from "../lib/model.ts";
import { makeMoons } from "../lib/synthetic.ts";
import { fit } from "../lib/train.ts";
import { GRID, type GridRow } from "./_grid.ts";

function flag(name: string): string | undefined {
  return Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const runs = Number(flag("runs") ?? 3);
if (!Number.isInteger(runs) || runs < 1) {
  throw new RangeError(`--runs must be a positive integer, got ${flag("runs")}`);
}
const only = flag("only");

if ((await initBackend("wasm")) !== "wasm") throw new Error("the wasm backend did not start");

/** Multiply-adds of one step's matrix products (forward, weight gradients, input gradients). */
function stepMacs(w: GridRow): number {
  const widths = [2, ...w.hidden, 1];
  let forward = 0, inputGrads = 0;
  for (let l = 1; l < widths.length; l++) {
    forward += widths[l - 1] * widths[l];
    if (l > 1) inputGrads += widths[l - 1] * widths[l]; // the first layer passes nothing back
  }
  return w.batchSize * (2 * forward + inputGrads);
}

const results: Record<string, unknown>[] = [];
for (const w of GRID.filter((w) => only === undefined || w.workload.includes(only))) {
  const data = toTensors(makeMoons(w.n, { noise: 0.2, seed: 1 }));
  const train = async (epochs: number) => {
    const model = mlp(2, {
      hidden: w.hidden,
      batchNorm: w.batchNorm ?? false,
      dropout: w.dropout ?? 0,
      seed: 1,
    });
    const t0 = performance.now();
    const history = await fit(model, data, {
      epochs,
      batchSize: w.batchSize,
      optimizer: "adam",
      learningRate: 1e-3,
      seed: 1,
      progress: false,
    });
    const ms = performance.now() - t0;
    model.dispose();
    if (history.path !== "fast") throw new Error(`${w.workload} did not train on the fast path`);
    return ms;
  };
  await train(1); // warm-up
  const steps = Math.ceil(w.n / w.batchSize) * w.epochs;
  let best: { total: number; phases: Record<string, number> } | undefined;
  for (let r = 0; r < runs; r++) {
    const phases: Record<string, number> = {};
    engineSwitch.profile = phases;
    let total: number;
    try {
      total = await train(w.epochs);
    } finally {
      engineSwitch.profile = undefined;
    }
    if (Object.keys(phases).length === 0) {
      throw new Error(`${w.workload} did not train on the engine (no phase was timed)`);
    }
    if (!best || total < best.total) best = { total, phases };
  }
  const { total, phases } = best!;
  const usPerStep = (ms: number) => ms / steps * 1000;
  const inSteps = Object.values(phases).reduce((s, t) => s + t, 0);
  const macs = stepMacs(w);
  const row: Record<string, unknown> = {
    workload: w.workload,
    fit_s: Math.round(total) / 1000,
    steps,
    step_us: Math.round(usPerStep(total) * 10) / 10,
    phases_us: Object.fromEntries(
      Object.entries(phases).map(([k, t]) => [k, Math.round(usPerStep(t) * 10) / 10]),
    ),
    outside_steps_us: Math.round(usPerStep(total - inSteps) * 10) / 10,
    step_macs: macs,
  };
  results.push(row);
  console.log(
    `\n${w.workload}: fit ${(total / 1000).toFixed(3)} s, ${steps} steps, ` +
      `${usPerStep(total).toFixed(1)} µs a step`,
  );
  for (const [k, t] of Object.entries(phases).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${k.padEnd(14)} ${usPerStep(t).toFixed(1).padStart(8)} µs`);
  }
  console.log(
    `  ${"outside steps".padEnd(14)} ${usPerStep(total - inSteps).toFixed(1).padStart(8)} µs` +
      "  (scoring, write-back, callbacks)",
  );
  console.log(
    `  matrix products: ${(macs / 1e6).toFixed(2)} M multiply-adds a step ` +
      `(${(macs / usPerStep(inSteps) / 1e3).toFixed(1)} GMAC/s over the whole step)`,
  );
  data.X.dispose();
  data.y.dispose();
}
console.log(JSON.stringify(results));
