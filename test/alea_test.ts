/**
 * The Alea generator of `_alea.ts` draws the numbers tfjs's seeded `tf.randomUniform` draws,
 * bit for bit, its dropout masks are tfjs dropout's, and the engine's dropout made from them
 * trains as the tfjs fast path does.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { alea, fillDropoutMask, fillUniform } from "../lib/_alea.ts";
import { initBackend } from "../lib/backend.ts";
import { toTensors } from "../lib/datasets.ts";
import { engineSwitch } from "../lib/_mlp_engine.ts";
import { mlp } from "../lib/model.ts";
import { makeRng } from "../lib/random.ts";
import { makeMoons } from "../lib/synthetic.ts";
import { fit } from "../lib/train.ts";

await initBackend("wasm");

/** The bits of float32 numbers, so that equality is bitwise (0 and −0, NaN included). */
function bits(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** What tf.randomUniform draws for the arguments, read back. */
function tfUniform(shape: number[], min: number, max: number, seed: number | string) {
  const u = tf.randomUniform(shape, min, max, "float32", seed);
  const values = (u.dataSync() as Float32Array).slice();
  u.dispose();
  return values;
}

Deno.test("alea's published first draw for the seed 'hello.'", () => {
  assert.equal(alea("hello.")(), 0.4783254903741181);
});

Deno.test("fillUniform equals tf.randomUniform bit for bit, for many seeds and shapes", () => {
  const rng = makeRng(2024);
  const seeds: (number | string)[] = [0, 1, 2, 7, 42, 1e6, 2 ** 31 - 1, 2 ** 32 + 5, "seed"];
  for (let i = 0; i < 40; i++) seeds.push(rng.int(2 ** 31));
  const shapes = [[1], [5], [3, 7], [32, 128], [2, 3, 4], [200, 33]];
  const ranges: [number, number][] = [[0, 1], [-2, 3], [0.25, 0.5]];
  let compared = 0;
  seeds.forEach((seed, i) => {
    const shape = shapes[i % shapes.length];
    const [min, max] = ranges[i % ranges.length];
    const want = tfUniform(shape, min, max, seed);
    const got = fillUniform(new Float32Array(want.length), seed, 0, want.length, min, max);
    assert.deepEqual(bits(got), bits(want), `seed ${seed}, shape [${shape}], [${min}, ${max})`);
    compared += want.length;
  });
  assert.ok(compared > 10000, `${compared} numbers compared`);
});

Deno.test("alea's stream, rounded to float32, is what fillUniform stores", () => {
  for (const seed of [3, 123456789]) {
    const next = alea(seed);
    const stream = Float32Array.from({ length: 1000 }, () => next());
    assert.deepEqual(bits(fillUniform(new Float32Array(1000), seed)), bits(stream));
  }
  const next = alea(99);
  for (let i = 0; i < 10000; i++) {
    const u = next();
    assert.ok(u >= 0 && u < 1, `draw ${i}: ${u}`);
  }
  // another seed, another stream
  assert.notEqual(alea(1)(), alea(2)());
});

Deno.test("fillUniform fills only the range it is given, from the stream's start", () => {
  const out = new Float32Array(10).fill(-1);
  fillUniform(out, 5, 3, 4);
  const want = tfUniform([4], 0, 1, 5);
  assert.deepEqual(Array.from(out.subarray(0, 3)), [-1, -1, -1]);
  assert.deepEqual(bits(out.subarray(3, 7)), bits(want));
  assert.deepEqual(Array.from(out.subarray(7)), [-1, -1, -1]);
});

Deno.test("fillUniform's range must lie inside the array", () => {
  const out = new Float32Array(4);
  assert.throws(
    () => fillUniform(out, 1, 2, 3),
    new RangeError(
      "start and count must name a range inside out (length 4), got start 2, count 3",
    ),
  );
  assert.throws(() => fillUniform(out, 1, -1, 1), /got start -1, count 1/);
  assert.throws(() => fillUniform(out, 1, 0, 1.5), /got start 0, count 1\.5/);
});

Deno.test("fillDropoutMask makes tfjs dropout's mask from tf.randomUniform's numbers, bit for bit", () => {
  const rng = makeRng(5);
  for (const [count, rate] of [[1, 0.5], [37, 0.1], [4096, 0.3], [1000, 0.9], [64, 0]]) {
    const seed = rng.int(2 ** 31);
    const keep = Math.fround(1 - rate);
    const u = tfUniform([count], 0, 1, seed);
    const input = Float32Array.from({ length: count }, () => rng.normal());
    // tfjs's dropout: x · ⌊u + keep⌋ / keep, every op in float32
    const mask = tf.tidy(() => tf.div(tf.floor(tf.add(tf.tensor1d(u), keep)), keep));
    const masked = tf.mul(tf.tensor1d(input), mask);
    const want = { mask: mask.dataSync() as Float32Array, out: masked.dataSync() as Float32Array };
    tf.dispose([mask, masked]);
    // mask at 0, input at count, output at 2·count
    const F = new Float32Array(3 * count);
    F.set(input, count);
    fillDropoutMask(F, seed, count, keep, 0, count, 2 * count);
    assert.deepEqual(bits(F.subarray(0, count)), bits(want.mask), `mask, rate ${rate}`);
    assert.deepEqual(bits(F.subarray(count, 2 * count)), bits(input), "the input is kept");
    assert.deepEqual(bits(F.subarray(2 * count)), bits(want.out), `output, rate ${rate}`);
    if (rate > 0 && count > 100) {
      const dropped = want.mask.filter((m) => m === 0).length / count;
      assert.ok(Math.abs(dropped - rate) < 0.06, `dropped ${dropped} at rate ${rate}`);
    }
    // in place: the output over the input
    F.fill(0, 0, count);
    F.set(input, count);
    fillDropoutMask(F, seed, count, keep, 0, count, count);
    assert.deepEqual(bits(F.subarray(count, 2 * count)), bits(want.out), "in place");
  }
});

Deno.test("fillDropoutMask's ranges must lie inside F and keep must be a probability", () => {
  const F = new Float32Array(8);
  assert.throws(
    () => fillDropoutMask(F, 1, 4, 0.5, 0, 2, 5),
    new RangeError(
      "outAt and count must name a range inside F (length 8), got outAt 5, count 4",
    ),
  );
  assert.throws(() => fillDropoutMask(F, 1, 2, 0.5, -1, 2, 4), /got maskAt -1, count 2/);
  assert.throws(
    () => fillDropoutMask(F, 1, 2, 0, 0, 2, 4),
    new RangeError("keep must be a probability in (0, 1], got 0"),
  );
  assert.throws(() => fillDropoutMask(F, 1, 2, NaN, 0, 2, 4), /got NaN/);
});

Deno.test("the engine's dropout trains as the tfjs fast path's (masks from tf.randomUniform)", async () => {
  const moons = toTensors(makeMoons(256, { noise: 0.2, seed: 3 }));
  const train = async (engine: boolean) => {
    const saved = engineSwitch.enabled;
    engineSwitch.enabled = engine;
    const m = mlp(2, { hidden: [32, 32, 16], dropout: [0.5, 0.3, 0.1], seed: 7 });
    try {
      const h = await fit(m, moons, { epochs: 4, batchSize: 20, seed: 11, progress: false });
      return { loss: h.epochs.map((e) => e.loss), w: m.getWeights().map((w) => w.dataSync()) };
    } finally {
      engineSwitch.enabled = saved;
      m.dispose();
    }
  };
  try {
    const eng = await train(true), old = await train(false);
    old.w.forEach((w, i) => {
      let d = 0, s = 0;
      w.forEach((v, j) => {
        d = Math.max(d, Math.abs(v - eng.w[i][j]));
        s = Math.max(s, Math.abs(v));
      });
      assert.ok(d <= 1e-4 * s, `weight tensor ${i}: difference ${d} at scale ${s}`);
    });
    old.loss.forEach((l, i) => assert.ok(Math.abs(l - eng.loss[i]) <= 1e-5, `epoch ${i + 1}`));
    // the masks matter: without dropout the weights are far from these
    const plain = mlp(2, { hidden: [32, 32, 16], seed: 7 });
    await fit(plain, moons, { epochs: 4, batchSize: 20, seed: 11, progress: false });
    const p0 = plain.getWeights()[0].dataSync();
    const gap = Math.max(...old.w[0].map((v, j) => Math.abs(v - p0[j])));
    plain.dispose();
    assert.ok(gap > 1e-2, `dropout changed the first kernel by ${gap} only`);
  } finally {
    tf.dispose([moons.X, moons.y]);
  }
});
