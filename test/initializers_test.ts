import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import {
  fans,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  initializer,
  INITIALIZER_NAMES,
  initializerVariance,
  type InitName,
  leCunNormal,
  leCunUniform,
  smallRandom,
  zeros,
} from "../lib/initializers.ts";
import { mlp } from "../lib/model.ts";
import { makeRng } from "../lib/random.ts";

await initBackend("wasm");

/** A Dense kernel and a 3×3 conv kernel from 16 to 32 channels. */
const SHAPES = [[400, 300], [3, 3, 16, 32]];
const RANDOM = INITIALIZER_NAMES.filter((n) => n !== "zeros");
const UNIFORM = RANDOM.filter((n) => n.endsWith("Uniform"));
const NORMAL = RANDOM.filter((n) => !n.endsWith("Uniform"));

/** Draws one tensor and returns its values (the tensor is freed). */
function draw(init: { apply(shape: number[]): tf.Tensor }, shape: number[]): Float32Array {
  const t = init.apply(shape);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

/**
 * Sample mean, unbiased sample variance s², their standard errors, and the sample kurtosis
 * m4/m2². SE(s²)² ≈ (m4 − s⁴·(n − 3)/(n − 1)) / n holds for any distribution with a fourth
 * moment; for a normal it is about 2σ⁴/n.
 */
function moments(values: ArrayLike<number>) {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let m2 = 0, m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] - mean) ** 2;
    m2 += d;
    m4 += d * d;
  }
  m2 /= n;
  m4 /= n;
  const variance = (m2 * n) / (n - 1);
  return {
    n,
    mean,
    variance,
    seMean: Math.sqrt(variance / n),
    seVariance: Math.sqrt((m4 - variance ** 2 * (n - 3) / (n - 1)) / n),
    kurtosis: m4 / (m2 * m2),
  };
}

/** The standard normal density. */
const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);

/** ∫ f over [a, b] by Simpson's rule with 2000 panels. */
function simpson(f: (x: number) => number, a: number, b: number): number {
  const k = 2000, h = (b - a) / k;
  let s = f(a) + f(b);
  for (let i = 1; i < k; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

/** Variance of a standard normal cut at ±2 (what tfjs's truncatedNormal leaves of σ² = 1). */
const TRUNCATED_VARIANCE = simpson((x) => x * x * phi(x), -2, 2) / simpson(phi, -2, 2);

Deno.test("each initializer's sample variance matches its formula within 4 standard errors, mean 0", () => {
  let seed = 10;
  for (const name of RANDOM) {
    for (const shape of SHAPES) {
      const expected = initializerVariance(name, fans(shape));
      const m = moments(draw(initializer(name, { seed: seed++ }), shape));
      const where = `${name} [${shape}]: s² = ${m.variance}, Var = ${expected}, SE ${m.seVariance}`;
      assert.ok(Math.abs(m.variance - expected) < 4 * m.seVariance, where);
      // the error bar is tight enough to tell tfjs's 0.77·Var apart
      assert.ok(4 * m.seVariance < 0.2 * expected, where);
      assert.ok(Math.abs(m.mean) < 4 * m.seMean, `${name} [${shape}]: mean ${m.mean}`);
    }
  }
});

Deno.test("the normal initializers draw an untruncated normal: kurtosis 3, tails beyond 2σ", () => {
  for (const name of NORMAL) {
    const values = draw(initializer(name, { seed: 3 }), [400, 300]);
    const m = moments(values);
    // for a normal the kurtosis has SE √(24/n); a normal cut at ±2σ has kurtosis about 2.4
    assert.ok(Math.abs(m.kurtosis - 3) < 4 * Math.sqrt(24 / m.n), `${name}: ${m.kurtosis}`);
    const sigma = Math.sqrt(m.variance);
    const beyond = values.filter((v) => Math.abs(v) > 2 * sigma).length / m.n;
    // P(|Z| > 2) = 4.55 %, with SE √(p(1 − p)/n) ≈ 0.06 %
    assert.ok(Math.abs(beyond - 0.0455) < 0.0025, `${name}: ${beyond} beyond 2σ`);
  }
});

Deno.test("the uniform initializers stay within ±√(3·Var) and come close to both ends", () => {
  for (const name of UNIFORM) {
    for (const shape of SHAPES) {
      const values = draw(initializer(name, { seed: 4 }), shape);
      const limit = Math.sqrt(3 * initializerVariance(name, fans(shape)));
      let lo = Infinity, hi = -Infinity;
      for (const v of values) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      // float32 rounding may land a hair past the limit computed in double precision
      assert.ok(hi <= limit * (1 + 1e-6) && lo >= -limit * (1 + 1e-6), `${name}: [${lo}, ${hi}]`);
      // n draws all miss the outer 10/n of the range with probability about e^-10
      const near = limit * (1 - 10 / values.length);
      assert.ok(hi > near && lo < -near, `${name} [${shape}]: [${lo}, ${hi}] vs ±${limit}`);
    }
  }
});

Deno.test("tfjs 4.22's own normal initializers give 0.774 × the formula's variance (cut at ±2σ)", () => {
  assert.ok(Math.abs(TRUNCATED_VARIANCE - 0.7737) < 1e-4, String(TRUNCATED_VARIANCE));
  const tfjs: [InitName, typeof tf.initializers.heNormal][] = [
    ["heNormal", tf.initializers.heNormal],
    ["glorotNormal", tf.initializers.glorotNormal],
    ["leCunNormal", tf.initializers.leCunNormal],
  ];
  for (const [name, make] of tfjs) {
    const values = draw(make({ seed: 5 }), [400, 300]);
    const m = moments(values);
    const expected = initializerVariance(name, fans([400, 300]));
    const ratio = m.variance / expected, se = m.seVariance / expected;
    assert.ok(Math.abs(ratio - TRUNCATED_VARIANCE) < 4 * se, `${name}: ratio ${ratio} ± ${se}`);
    assert.ok(ratio < 1 - 20 * se, `${name}: ratio ${ratio}`);
    // nothing beyond 2σ: the tails are cut
    const sigma = Math.sqrt(expected);
    assert.ok(values.every((v) => Math.abs(v) <= 2 * sigma * (1 + 1e-6)), name);
  }
});

Deno.test("lib's uniform initializers give tfjs's values for the same seed, Dense and conv", () => {
  const tfjs = {
    glorotUniform: tf.initializers.glorotUniform,
    heUniform: tf.initializers.heUniform,
    leCunUniform: tf.initializers.leCunUniform,
  };
  for (const name of UNIFORM) {
    for (const shape of [...SHAPES, [5, 8, 4]]) {
      const ours = draw(initializer(name, { seed: 6 }), shape);
      const theirs = draw(tfjs[name as keyof typeof tfjs]({ seed: 6 }), shape);
      assert.deepEqual(ours, theirs, `${name} [${shape}]`);
    }
  }
});

Deno.test("initializers are reproducible: same seed, same values; each later use draws anew", () => {
  for (const name of RANDOM) {
    const a = initializer(name, { seed: 7 }), b = initializer(name, { seed: 7 });
    const c = initializer(name, { seed: 8 });
    const [a1, a2] = [draw(a, [20, 10]), draw(a, [20, 10])];
    const [b1, b2] = [draw(b, [20, 10]), draw(b, [20, 10])];
    assert.deepEqual(a1, b1, name);
    assert.deepEqual(a2, b2, name);
    assert.notDeepEqual(a1, a2, `${name}: a second use repeats the first`);
    assert.notDeepEqual(a1, draw(c, [20, 10]), `${name}: seeds 7 and 8 agree`);
  }
  // the named factories are the same initializers
  const named: [InitName, typeof heNormal][] = [
    ["glorotNormal", glorotNormal],
    ["glorotUniform", glorotUniform],
    ["heNormal", heNormal],
    ["heUniform", heUniform],
    ["leCunNormal", leCunNormal],
    ["leCunUniform", leCunUniform],
  ];
  for (const [name, make] of named) {
    const byName = draw(initializer(name, { seed: 9 }), [6, 4]);
    assert.deepEqual(draw(make({ seed: 9 }), [6, 4]), byName, name);
  }
  assert.deepEqual(
    draw(smallRandom({ stddev: 0.5, seed: 9 }), [6, 4]),
    draw(initializer("smallRandom", { stddev: 0.5, seed: 9 }), [6, 4]),
  );
});

Deno.test("zeros are zeros, whatever the shape", () => {
  for (const shape of [...SHAPES, [7]]) {
    assert.ok(draw(zeros(), shape).every((v) => v === 0), `[${shape}]`);
  }
  assert.ok(draw(initializer("zeros", { seed: 1 }), [4, 4]).every((v) => v === 0));
});

Deno.test("smallRandom has σ = 0.01 by default and takes another σ", () => {
  const m = moments(draw(smallRandom({ seed: 2 }), [400, 300]));
  assert.ok(Math.abs(m.variance - 1e-4) < 4 * m.seVariance, String(m.variance));
  const wide = moments(draw(smallRandom({ stddev: 0.2, seed: 2 }), [400, 300]));
  assert.ok(Math.abs(wide.variance - 0.04) < 4 * wide.seVariance, String(wide.variance));
  assert.equal(initializerVariance("smallRandom", { fanIn: 1, fanOut: 1, stddev: 0.2 }), 0.2 ** 2);
});

Deno.test("fans() and initializerVariance() follow the Dense and channels-last conv conventions", () => {
  assert.deepEqual(fans([400, 300]), { fanIn: 400, fanOut: 300 });
  assert.deepEqual(fans([3, 3, 16, 32]), { fanIn: 3 * 3 * 16, fanOut: 3 * 3 * 32 });
  assert.deepEqual(fans([5, 8, 4]), { fanIn: 5 * 8, fanOut: 5 * 4 });
  assert.deepEqual(fans([16]), { fanIn: 4, fanOut: 4 });
  const dense = { fanIn: 400, fanOut: 300 };
  const expected: Record<InitName, number> = {
    zeros: 0,
    smallRandom: 1e-4,
    glorotNormal: 2 / 700,
    glorotUniform: 2 / 700,
    heNormal: 2 / 400,
    heUniform: 2 / 400,
    leCunNormal: 1 / 400,
    leCunUniform: 1 / 400,
  };
  for (const name of INITIALIZER_NAMES) {
    assert.ok(
      Math.abs(initializerVariance(name, dense) - expected[name]) <= 1e-15,
      `${name}: ${initializerVariance(name, dense)}`,
    );
  }
});

Deno.test("a tfjs layer takes lib's initializers, and a model built with them saves and loads", async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 30, inputShape: [40], kernelInitializer: heNormal({ seed: 1 }) }),
      tf.layers.dense({ units: 30, kernelInitializer: smallRandom({ stddev: 0.1, seed: 2 }) }),
    ],
  });
  const w = model.getWeights();
  assert.deepEqual(w[0].dataSync(), draw(heNormal({ seed: 1 }), [40, 30]));
  const json = JSON.stringify(model.toJSON(null, false));
  assert.match(json, /"class_name":"LibInitializer","config":\{"name":"heNormal","seed":1\}/);
  assert.match(json, /"name":"smallRandom","stddev":0.1,"seed":2/);
  const loaded = await tf.models.modelFromJSON(JSON.parse(json));
  // rebuilt from its configuration, the model draws the same first kernels
  assert.deepEqual(loaded.getWeights()[0].dataSync(), w[0].dataSync());
  assert.deepEqual(loaded.getWeights()[2].dataSync(), w[2].dataSync());
  model.dispose();
  loaded.dispose();
});

Deno.test("mlp() uses lib's initializers by name, and its default glorotUniform weights are tfjs's", () => {
  // mlp gives layer l the l-th seed of a generator started at its own seed
  const layerSeeds = (seed: number, k: number) => {
    const rng = makeRng(seed);
    return Array.from({ length: k }, () => rng.int(2147483647));
  };
  const [s1, s2] = layerSeeds(5, 2);
  const he = mlp(40, { hidden: [30], kernelInitializer: "heNormal", seed: 5 });
  assert.deepEqual(he.getWeights()[0].dataSync(), draw(heNormal({ seed: s1 }), [40, 30]));
  assert.deepEqual(he.getWeights()[2].dataSync(), draw(heNormal({ seed: s2 }), [30, 1]));
  const plain = mlp(40, { hidden: [30], seed: 5 });
  assert.deepEqual(
    plain.getWeights()[0].dataSync(),
    draw(tf.initializers.glorotUniform({ seed: s1 }), [40, 30]),
  );
  const small = mlp(40, {
    hidden: [30],
    kernelInitializer: { name: "smallRandom", stddev: 0.05 },
    seed: 5,
  });
  assert.deepEqual(
    small.getWeights()[0].dataSync(),
    draw(smallRandom({ stddev: 0.05, seed: s1 }), [40, 30]),
  );
  // every lib name builds
  for (const name of INITIALIZER_NAMES) mlp(3, { hidden: [4], kernelInitializer: name }).dispose();
  [he, plain, small].forEach((m) => m.dispose());
});

Deno.test("bad arguments are errors that name the parameter, the value and what is allowed", () => {
  const cases: [() => unknown, RegExp][] = [
    [
      () => initializer("xavier" as InitName),
      /name must be one of "zeros", "smallRandom".*got "xavier"/,
    ],
    [() => heNormal({ seed: 0.5 }), /options.seed must be an integer, got 0.5/],
    [
      () => heNormal({ stddev: 0.1 } as never),
      /options has no setting "stddev"; the settings are seed/,
    ],
    [
      () => initializer("heNormal", { stddev: 0.1 }),
      /options.stddev applies to "smallRandom" only, got stddev 0.1 for "heNormal"/,
    ],
    [() => smallRandom({ stddev: -1 }), /options.stddev must be a finite number >= 0, got -1/],
    [() => fans([3, -1]), /shape\[1\] must be an integer >= 0, got -1/],
    [() => fans("3x3" as never), /shape must be an array of sizes, got "3x3"/],
    [
      () => initializerVariance("heNormal", { fanIn: 0, fanOut: 3 }),
      /options.fanIn must be a positive number, got 0/,
    ],
    [() => initializerVariance("heNormal", 400 as never), /options must be an object, got 400/],
    [
      () => heNormal({ seed: 1 }).apply([2, 2], "int32"),
      /heNormal initializes float32 weights only, got dtype "int32"/,
    ],
    [
      () => mlp(2, { kernelInitializer: { name: "heNormal", stddev: 0.1 } }),
      /kernelInitializer "heNormal" takes no setting "stddev", got stddev 0.1; "stddev" is a setting of "smallRandom", "randomNormal", "truncatedNormal"/,
    ],
    [
      () => mlp(2, { kernelInitializer: { name: "randomNormal", minval: -1 } }),
      /kernelInitializer "randomNormal" takes no setting "minval", got minval -1; "minval" is a setting of "randomUniform"/,
    ],
  ];
  for (const [call, message] of cases) {
    assert.throws(
      call,
      (e: Error) => (e instanceof RangeError || e instanceof TypeError) && message.test(e.message),
      String(message),
    );
  }
});

Deno.test("initializers and mlp() with them leave no tensors behind", () => {
  const before = tf.memory().numTensors;
  for (const name of INITIALIZER_NAMES) {
    draw(initializer(name, { seed: 1 }), [5, 5]);
    mlp(3, { hidden: [4], kernelInitializer: name, seed: 1 }).dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});
