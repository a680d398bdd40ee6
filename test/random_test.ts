import assert from "node:assert/strict";
import { makeRng, nextSeed, setSeed } from "../lib/random.ts";

Deno.test("makeRng() gives the same draws for the same seed and others for another", () => {
  const a = makeRng(5), b = makeRng(5), c = makeRng(6);
  const draws = (r: ReturnType<typeof makeRng>) => [r.next(), r.normal(), r.int(10), r.next()];
  const first = draws(a);
  assert.deepEqual(draws(b), first);
  assert.notDeepEqual(draws(c), first);
});

Deno.test("makeRng() uniforms lie in [0, 1) and ints in [0, n)", () => {
  const rng = makeRng(1);
  for (let i = 0; i < 10_000; i++) {
    const u = rng.next();
    assert.ok(u >= 0 && u < 1);
    const k = rng.int(7);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
  }
});

Deno.test("makeRng() normals have mean 0 and variance 1", () => {
  const rng = makeRng(2);
  const xs = Array.from({ length: 40_000 }, () => rng.normal());
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  // Standard errors: 1/√n = 0.005 for the mean, √(2/n) ≈ 0.007 for the variance.
  assert.ok(Math.abs(mean) < 0.025, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.035, `variance ${variance}`);
});

Deno.test("shuffle() returns a permutation and leaves its input alone", () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const out = makeRng(3).shuffle(items);
  assert.deepEqual(items, Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual([...out].sort((a, b) => a - b), items);
  assert.notDeepEqual(out, items);
});

Deno.test("setSeed() restarts the global stream of seeds", () => {
  setSeed(42);
  const first = [nextSeed(), nextSeed()];
  setSeed(42);
  assert.deepEqual([nextSeed(), nextSeed()], first);
  for (const s of first) assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 31);
});

Deno.test("bad seeds raise errors that show the value", async (t) => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      "a string seed",
      () => makeRng("1" as unknown as number),
      /^seed must be an integer, got "1"$/,
    ],
    ["a fractional seed", () => makeRng(1.5), /^seed must be an integer, got 1.5$/],
    ["NaN", () => setSeed(NaN), /^seed must be an integer, got NaN$/],
    ["undefined", () => setSeed(undefined as unknown as number), /^seed must be .*undefined$/],
    ["an object", () => makeRng({} as unknown as number), /^seed must be an integer, got \{\}$/],
  ];
  for (const [name, fn, message] of cases) {
    await t.step(name, () => assert.throws(fn, { name: "TypeError", message }));
  }
  await t.step("int(n) checks n", () => {
    assert.throws(() => makeRng(1).int(0), {
      name: "RangeError",
      message: "n must be a positive integer, got 0",
    });
  });
});
