/**
 * Where the time of one training step goes on lib's tfjs fast MLP path (the path `fit` takes
 * for Dense stacks when the WebAssembly engine does not run: a tfjs optimizer instance, or no
 * WebAssembly SIMD; `bench/engine_profile.ts` profiles the engine), for the rows of the
 * scaling grid in `fit_bench.ts` that were slowest next to PyTorch on this path.
 *
 * A step is what `fit` does for each batch on the fast path (`lib/train.ts`): gather the
 * batch by index, `forward` in training mode, `outputGrad`, `backward` (`lib/_fast_dense.ts`),
 * then the flat Adam update (`lib/_optimizers.ts`: read back every gradient, update all
 * weights in JavaScript, upload each weight again). For each workload it prints:
 *
 * - the wall time per step (best and median over `--steps` steps, default 300, after a
 *   warm-up), split into those phases (each phase runs its kernels synchronously on wasm);
 * - the kernels one step runs: count and time per kernel name (tf.profile, best of 5 steps),
 *   and how much of the step's wall time the kernels themselves account for;
 * - the read-backs (backend `readSync`/`read` calls) and uploads (tensors created from
 *   JavaScript arrays, i.e. `write` calls) per step;
 * - the fixed cost of one small tfjs op (`tf.add` of two [batch, 64] tensors).
 *
 * The last line is JSON for tooling: one object per workload.
 *
 * Run: deno run -A bench/mlp_profile.ts [--steps=300] [--only=TEXT]
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { backward, compilePlan, forward, outputGrad, type Plan } from "../lib/_fast_dense.ts";
import { makeUpdater } from "../lib/_optimizers.ts";
import { mlp } from "../lib/model.ts";
import { makeRng } from "../lib/random.ts";
import { makeMoons } from "../lib/synthetic.ts";

interface Workload {
  workload: string;
  n: number;
  hidden: number[];
  batchSize: number;
  batchNorm?: boolean;
}

const WORKLOADS: Workload[] = [
  { workload: "n2000_8x64_b32", n: 2000, hidden: Array(8).fill(64), batchSize: 32 },
  {
    workload: "n2000_8x64_bn_b32",
    n: 2000,
    hidden: Array(8).fill(64),
    batchSize: 32,
    batchNorm: true,
  },
  { workload: "n20000_2x128_b256", n: 20000, hidden: [128, 128], batchSize: 256 },
  { workload: "n2000_2x128_b32", n: 2000, hidden: [128, 128], batchSize: 32 },
];

function flag(name: string): string | undefined {
  return Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const steps = Number(flag("steps") ?? 300);
if (!Number.isInteger(steps) || steps < 5) throw new RangeError("--steps must be an integer ≥ 5");
const only = flag("only");

const backend = await initBackend("wasm");
if (backend !== "wasm") throw new Error("the wasm backend did not start");

// Count read-backs and uploads at the backend.
const be = tf.backend() as unknown as Record<string, (...a: unknown[]) => unknown>;
// `write` with values is an upload from JavaScript; with null, the wasm backend allocating a
// kernel's output (counted as allocations).
const counts = { read: 0, write: 0, alloc: 0 };
for (const method of ["readSync", "read", "write"]) {
  const original = be[method].bind(be);
  be[method] = (...a: unknown[]) => {
    if (method !== "write") counts.read++;
    else if (a[0] == null) counts.alloc++;
    else counts.write++;
    return original(...a);
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The fixed cost of one small op, in µs (best of 5 rounds of 2000 adds). */
function opCostUs(batch: number): number {
  const a = tf.ones([batch, 64]), b = tf.ones([batch, 64]);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) tf.add(a, b).dispose();
    best = Math.min(best, (performance.now() - t0) / 2000 * 1000);
  }
  tf.dispose([a, b]);
  return best;
}

const results: Record<string, unknown>[] = [];
for (const w of WORKLOADS.filter((w) => only === undefined || w.workload.includes(only))) {
  const model = mlp(2, {
    hidden: w.hidden,
    activation: "relu",
    outputActivation: "sigmoid",
    batchNorm: w.batchNorm ?? false,
    seed: 1,
  });
  const plan = compilePlan(model);
  if (typeof plan === "string") throw new Error(plan);
  const data = toTensors(makeMoons(w.n, { noise: 0.2, seed: 1 }));
  const X = data.X as tf.Tensor2D, y = data.y as tf.Tensor2D;
  const updater = makeUpdater(plan.params, "adam", 1e-3, true);
  const rng = makeRng(7);
  const nextSeed = () => rng.int(2147483647);
  let order = rng.shuffle([...Array(w.n).keys()]);
  let pos = 0;

  const phases = { gather: [] as number[], forward: [] as number[], grad: [] as number[] };
  const phases2 = { backward: [] as number[], update: [] as number[], total: [] as number[] };
  const step = (p: Plan, record: boolean) => {
    if (pos + w.batchSize > w.n) {
      order = rng.shuffle(order);
      pos = 0;
    }
    const rows = order.slice(pos, pos + w.batchSize);
    pos += w.batchSize;
    const t0 = performance.now();
    const [xb, yb] = tf.tidy(() => {
      const idx = tf.tensor1d(rows, "int32");
      return [tf.gather(X, idx), tf.gather(y, idx)];
    });
    const t1 = performance.now();
    let t2 = 0, t3 = 0, t4 = 0;
    const out = tf.tidy(() => {
      const { output, cache } = forward(p, xb, true, nextSeed);
      t2 = performance.now();
      const { grad, fused } = outputGrad(p, "binaryCrossentropy", output, yb);
      t3 = performance.now();
      const grads = backward(p, cache, grad, fused);
      t4 = performance.now();
      updater.step(grads);
      return output;
    });
    const t5 = performance.now();
    tf.dispose([xb, yb, out]);
    if (record) {
      phases.gather.push(t1 - t0);
      phases.forward.push(t2 - t1);
      phases.grad.push(t3 - t2);
      phases2.backward.push(t4 - t3);
      phases2.update.push(t5 - t4);
      phases2.total.push(performance.now() - t0);
    }
  };

  for (let i = 0; i < 30; i++) step(plan, false); // warm-up
  const before = { ...counts };
  for (let i = 0; i < steps; i++) step(plan, true);
  const readsPerStep = (counts.read - before.read) / steps;
  const writesPerStep = (counts.write - before.write) / steps;
  const allocsPerStep = (counts.alloc - before.alloc) / steps;

  // Kernels of one step: the best of 5 profiled steps per kernel name.
  const kernelMs = new Map<string, number>(), kernelCount = new Map<string, number>();
  const shapeMs = new Map<string, number>();
  for (let rep = 0; rep < 5; rep++) {
    const profile = await tf.profile(() => step(plan, false));
    const ms = new Map<string, number>(), cnt = new Map<string, number>();
    for (const k of profile.kernels) {
      if (k.name.endsWith("__op")) continue;
      const t = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
      ms.set(k.name, (ms.get(k.name) ?? 0) + t);
      cnt.set(k.name, (cnt.get(k.name) ?? 0) + 1);
      if (/MatMul|Transpose/.test(k.name)) {
        const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
        ms.set(`@${key}`, (ms.get(`@${key}`) ?? 0) + t);
      }
    }
    for (const [k, t] of ms) {
      if (k.startsWith("@")) {
        shapeMs.set(k.slice(1), Math.min(shapeMs.get(k.slice(1)) ?? Infinity, t));
      }
    }
    for (const k of [...ms.keys()]) if (k.startsWith("@")) ms.delete(k);
    for (const [k, t] of ms) kernelMs.set(k, Math.min(kernelMs.get(k) ?? Infinity, t));
    for (const [k, c] of cnt) kernelCount.set(k, c);
  }
  const kernels = [...kernelMs].sort((a, b) => b[1] - a[1]);
  const kernelSum = kernels.reduce((s, [, t]) => s + t, 0);
  const opCount = [...kernelCount.values()].reduce((s, c) => s + c, 0);
  const op = opCostUs(w.batchSize);

  const med = (xs: number[]) => median(xs);
  const total = med(phases2.total);
  const stepsPerEpoch = Math.ceil(w.n / w.batchSize);
  console.log(
    `\n${w.workload}: ${plan.params.length} weight tensors, ` +
      `${plan.params.reduce((s, q) => s + q.variable.size, 0)} weights, ` +
      `${stepsPerEpoch} steps per epoch`,
  );
  console.log(
    `step: best ${Math.min(...phases2.total).toFixed(3)} ms, median ${total.toFixed(3)} ms ` +
      `(× ${stepsPerEpoch} = ${(total * stepsPerEpoch / 1000).toFixed(3)} s per epoch)`,
  );
  console.log(
    "phases (median ms): " +
      Object.entries({ ...phases, ...phases2 }).filter(([k]) => k !== "total")
        .map(([k, xs]) => `${k} ${med(xs).toFixed(3)}`).join(", "),
  );
  console.log(
    `kernels per step: ${opCount} (${kernels.length} kinds), kernel time ${
      kernelSum.toFixed(3)
    } ms of the step's ${
      total.toFixed(3)
    } ms; read-backs ${readsPerStep}, uploads ${writesPerStep}, ` +
      `kernel outputs allocated ${allocsPerStep}` +
      ` per step; one small op (tf.add [${w.batchSize}, 64]) ${op.toFixed(1)} µs`,
  );
  for (const [k, t] of kernels) {
    console.log(`${t.toFixed(3).padStart(8)} ms  ${String(kernelCount.get(k)).padStart(3)}×  ${k}`);
  }
  console.log("matrix products and transposes by input shapes (summed over the step):");
  for (const [k, t] of [...shapeMs].sort((a, b) => b[1] - a[1])) {
    console.log(`${t.toFixed(3).padStart(8)} ms  ${k}`);
  }
  results.push({
    workload: w.workload,
    step_ms: +total.toFixed(3),
    phases_ms: Object.fromEntries(
      Object.entries({ ...phases, ...phases2 }).filter(([k]) => k !== "total")
        .map(([k, xs]) => [k, +med(xs).toFixed(3)]),
    ),
    kernels_per_step: opCount,
    kernel_ms: +kernelSum.toFixed(3),
    readbacks_per_step: readsPerStep,
    uploads_per_step: writesPerStep,
    allocations_per_step: allocsPerStep,
    small_op_us: +op.toFixed(1),
    kernels: Object.fromEntries(
      kernels.map(([k, t]) => [k, { count: kernelCount.get(k), ms: +t.toFixed(3) }]),
    ),
  });
  updater.dispose();
  tf.dispose([X, y]);
  model.dispose();
}
console.log(JSON.stringify(results));
