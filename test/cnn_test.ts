import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { cnn, type CnnOptions } from "../lib/cnn.ts";
import { fans, heUniform, INITIALIZER_NAMES, initializerVariance } from "../lib/initializers.ts";
import { countParams } from "../lib/model.ts";
import { setSeed } from "../lib/random.ts";
import { optionTableTests } from "./_options_table.ts";

// Building needs no gradients, so the wasm backend serves whatever kernels it has.
await initBackend("wasm");

const CNN_OPTIONS = [
  "conv",
  "kernelSize",
  "padding",
  "pool",
  "dense",
  "outputs",
  "numClasses",
  "activation",
  "dropout",
  "batchNorm",
  "kernelRegularizer",
  "kernelInitializer",
  "seed",
];

function weightsOf(model: { getWeights(): tf.Tensor[] }): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

/** Builds, hands the model to `f`, disposes it. */
function withCnn<T>(
  inputShape: [number, number, number],
  options: CnnOptions,
  f: (m: tf.Sequential) => T,
): T {
  const model = cnn(inputShape, options);
  try {
    return f(model);
  } finally {
    model.dispose();
  }
}

Deno.test("cnn() stacks conv, pool, flatten, dense and output layers with the shapes of the formula", () => {
  withCnn([28, 28, 1], { seed: 1 }, (m) => {
    assert.deepEqual(
      m.layers.map((l) => `${l.name}:${l.getClassName()}`),
      [
        "conv1:Conv2D",
        "pool1:MaxPooling2D",
        "conv2:Conv2D",
        "pool2:MaxPooling2D",
        "flatten:Flatten",
        "dense1:Dense",
        "output:Dense",
      ],
    );
    // "same" keeps 28×28, each pool halves: 28 → 14 → 7.
    assert.deepEqual(m.layers.map((l) => l.outputShape), [
      [null, 28, 28, 16],
      [null, 14, 14, 16],
      [null, 14, 14, 32],
      [null, 7, 7, 32],
      [null, 7 * 7 * 32],
      [null, 64],
      [null, 10],
    ]);
    const cfg = (i: number) => m.layers[i].getConfig() as Record<string, unknown>;
    assert.equal(cfg(0).activation, "relu");
    assert.deepEqual(cfg(0).kernelSize, [3, 3]);
    assert.equal(cfg(0).padding, "same");
    assert.deepEqual(cfg(1).poolSize, [2, 2]);
    assert.deepEqual(cfg(1).strides, [2, 2]);
    assert.equal(cfg(6).activation, "softmax");
  });
  // "valid" shrinks by k − 1 = 4, pool 3 divides rounding down: 20×18 → 16×14 → 5×4.
  withCnn([20, 18, 3], { conv: [4], kernelSize: 5, padding: "valid", pool: 3, seed: 1 }, (m) => {
    assert.deepEqual(m.layers[0].outputShape, [null, 16, 14, 4]);
    assert.deepEqual(m.layers[1].outputShape, [null, 5, 4, 4]);
    assert.deepEqual(m.layers[2].outputShape, [null, 5 * 4 * 4]);
  });
  for (const pool of [0, 1, false] as const) {
    withCnn([8, 8, 1], { conv: [2], pool, seed: 1 }, (m) => {
      assert.ok(!m.layers.some((l) => l.getClassName() === "MaxPooling2D"), `pool ${pool}`);
      assert.deepEqual(m.layers.at(-1)?.outputShape, [null, 10]);
    });
  }
});

Deno.test("cnn() parameter counts are (k·k·c_in + 1)·c_out per conv layer and (fan_in + 1)·units per Dense layer", () => {
  const cases: [[number, number, number], CnnOptions][] = [
    [[28, 28, 1], {}],
    [[12, 10, 3], { conv: [5, 7, 2], kernelSize: 3, padding: "valid", pool: 0, dense: [9, 4] }],
    [[16, 16, 2], { conv: [3, 6], kernelSize: 5, pool: 2, dense: [], outputs: 1 }],
    [[9, 9, 1], { conv: [], dense: [5] }],
  ];
  for (const [[h0, w0, c0], options] of cases) {
    const conv = options.conv ?? [16, 32], k = options.kernelSize ?? 3;
    const pool = (options.pool ?? 2) || 0, valid = options.padding === "valid";
    // By hand: sizes after each block, then the Dense stack on the flattened maps.
    const expected: number[] = [];
    let h = h0, w = w0, c = c0;
    for (const filters of conv) {
      expected.push((k * k * c + 1) * filters);
      if (valid) [h, w] = [h - k + 1, w - k + 1];
      c = filters;
      if (pool > 1) {
        [h, w] = [Math.floor(h / pool), Math.floor(w / pool)];
        expected.push(0);
      }
    }
    expected.push(0); // flatten
    let fanIn = h * w * c;
    for (const units of [...(options.dense ?? [64]), options.outputs ?? 10]) {
      expected.push((fanIn + 1) * units);
      fanIn = units;
    }
    withCnn([h0, w0, c0], { ...options, seed: 2 }, (m) => {
      const counts = countParams(m);
      assert.deepEqual(counts.perLayer.map((l) => l.total), expected, JSON.stringify(options));
      assert.equal(counts.total, expected.reduce((a, b) => a + b, 0));
      assert.equal(counts.trainable, counts.total);
      // Biases are c_out per conv layer, units per Dense layer.
      for (const [i, layer] of m.layers.entries()) {
        const kernel = layer.weights.find((v) => v.originalName.endsWith("/kernel"));
        const cls = layer.getClassName();
        if (cls === "Conv2D") {
          const [kh, kw, cin, cout] = kernel!.shape as number[];
          assert.deepEqual([kh, kw], [k, k]);
          assert.equal(counts.perLayer[i].weights, kh * kw * cin * cout);
          assert.equal(counts.perLayer[i].biases, cout);
        }
      }
    });
  }
});

Deno.test("cnn() with batchNorm puts batch norm between a bias-free conv and its activation", () => {
  withCnn([8, 8, 1], { conv: [4, 6], batchNorm: true, activation: "elu", seed: 1 }, (m) => {
    assert.deepEqual(m.layers.slice(0, 5).map((l) => l.getClassName()), [
      "Conv2D",
      "BatchNormalization",
      "Activation",
      "MaxPooling2D",
      "Conv2D",
    ]);
    assert.equal((m.layers[0].getConfig() as { useBias: boolean }).useBias, false);
    assert.equal((m.layers[0].getConfig() as { activation: string }).activation, "linear");
    assert.equal((m.layers[2].getConfig() as { activation: string }).activation, "elu");
    const counts = countParams(m).perLayer;
    // conv without bias: k·k·c_in·c_out; batch norm: γ, β trainable, mean and variance not.
    assert.equal(counts[0].total, 3 * 3 * 1 * 4);
    assert.deepEqual([counts[1].weights, counts[1].biases, counts[1].nonTrainable], [4, 4, 8]);
    assert.equal(counts[4].total, 3 * 3 * 4 * 6);
  });
});

Deno.test("cnn() puts dropout before every Dense layer, the regularizer on conv and hidden kernels only", () => {
  const reg = tf.regularizers.l2({ l2: 1e-3 });
  withCnn(
    [8, 8, 1],
    { conv: [2], dense: [5, 3], dropout: 0.25, kernelRegularizer: reg, seed: 1 },
    (m) => {
      const names = m.layers.map((l) => l.name);
      assert.deepEqual(names.slice(3), [
        "dense1_dropout",
        "dense1",
        "dense2_dropout",
        "dense2",
        "output_dropout",
        "output",
      ]);
      const regularized = m.layers.filter((l) =>
        (l.getConfig() as { kernelRegularizer?: unknown }).kernelRegularizer != null
      ).map((l) => l.name);
      assert.deepEqual(regularized, ["conv1", "dense1", "dense2"]);
      assert.equal((m.layers[3].getConfig() as { rate: number }).rate, 0.25);
    },
  );
});

Deno.test("cnn() with outputs 1 ends in a sigmoid; numClasses is another name for outputs", () => {
  withCnn([8, 8, 1], { conv: [2], outputs: 1, seed: 1 }, (m) => {
    assert.equal((m.layers.at(-1)!.getConfig() as { activation: string }).activation, "sigmoid");
    assert.deepEqual(m.outputs[0].shape, [null, 1]);
  });
  withCnn([8, 8, 1], { conv: [2], numClasses: 3, seed: 1 }, (m) => {
    assert.equal((m.layers.at(-1)!.getConfig() as { activation: string }).activation, "softmax");
    assert.deepEqual(m.outputs[0].shape, [null, 3]);
  });
  withCnn([8, 8, 1], { conv: [2], activation: "leakyRelu", dense: [3], seed: 1 }, (m) => {
    assert.deepEqual(
      m.layers.map((l) => l.getClassName()),
      ["Conv2D", "LeakyReLU", "MaxPooling2D", "Flatten", "Dense", "LeakyReLU", "Dense"],
    );
  });
});

Deno.test("cnn() gives the same weights for the same seed and different ones for another", () => {
  const options: CnnOptions = { conv: [3, 4], dense: [6], batchNorm: true };
  const a = withCnn([8, 8, 2], { ...options, seed: 5 }, weightsOf);
  const b = withCnn([8, 8, 2], { ...options, seed: 5 }, weightsOf);
  const c = withCnn([8, 8, 2], { ...options, seed: 6 }, weightsOf);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // Every layer gets its own seed: no two kernels of one shape start equal.
  const kernels = withCnn(
    [4, 4, 3],
    { conv: [3, 3, 3], pool: 0, seed: 5 },
    (m) =>
      m.layers.filter((l) => l.getClassName() === "Conv2D").slice(1).map((l) =>
        Array.from(l.getWeights()[0].dataSync())
      ),
  );
  assert.notDeepEqual(kernels[0], kernels[1]);
  // Without a seed, lib's global stream decides.
  setSeed(9);
  const d = withCnn([8, 8, 2], options, weightsOf);
  setSeed(9);
  const e = withCnn([8, 8, 2], options, weightsOf);
  assert.deepEqual(d, e);
});

Deno.test("cnn()'s kernelInitializer: glorotUniform by default, by name the same weights", () => {
  const options: CnnOptions = { conv: [3, 4], dense: [6], seed: 5 };
  const byDefault = withCnn([8, 8, 2], options, weightsOf);
  const byName = withCnn([8, 8, 2], { ...options, kernelInitializer: "glorotUniform" }, weightsOf);
  assert.deepEqual(byName, byDefault);
  const he = withCnn([8, 8, 2], { ...options, kernelInitializer: "heUniform" }, weightsOf);
  assert.notDeepEqual(he, byDefault);
  // the same seed gives the same weights with every scheme
  for (const name of INITIALIZER_NAMES) {
    const a = withCnn([8, 8, 2], { ...options, kernelInitializer: name }, weightsOf);
    const b = withCnn([8, 8, 2], { ...options, kernelInitializer: name }, weightsOf);
    assert.deepEqual(a, b, name);
  }
});

Deno.test("cnn()'s kernelInitializer draws each kernel with its scheme's variance, fans of k·k·c", () => {
  // sample variance within 4 standard errors of Var; SE of the sample variance of N draws:
  // Var·√(2/N) for a normal, Var·√(0.8/N) for a uniform (kurtosis 9/5)
  for (const name of ["heNormal", "glorotNormal", "leCunUniform"] as const) {
    withCnn(
      [16, 16, 8],
      { conv: [32, 32], kernelSize: 3, dense: [64], kernelInitializer: name, seed: 3 },
      (m) => {
        for (const layer of m.layers.filter((l) => l.getWeights().length > 0)) {
          const w = layer.getWeights()[0];
          const values = Array.from(w.dataSync());
          const n = values.length;
          const variance = values.reduce((s, v) => s + v * v, 0) / n;
          const expected = initializerVariance(name, fans(w.shape));
          const se = expected * Math.sqrt((name.endsWith("Normal") ? 2 : 0.8) / n);
          assert.ok(
            Math.abs(variance - expected) < 4 * se,
            `${name}, ${layer.name} ${w.shape}: variance ${variance}, expected ${expected}`,
          );
        }
      },
    );
  }
  const zero = withCnn([8, 8, 1], { conv: [2], kernelInitializer: "zeros", seed: 1 }, weightsOf);
  assert.ok(zero.every((w) => w.every((v) => v === 0)));
});

Deno.test("cnn()'s kernelInitializer takes a tfjs initializer, used as is for every layer", () => {
  // one lib initializer shared by the layers draws from its own seed stream, layer after layer
  const kernels = withCnn(
    [4, 4, 3],
    { conv: [3, 5], pool: 0, dense: [], kernelInitializer: heUniform({ seed: 7 }), seed: 1 },
    (m) => m.layers.filter((l) => l.getWeights().length > 0).map((l) => weightsOf(l)[0]),
  );
  const again = heUniform({ seed: 7 });
  const draws = [[3, 3, 3, 3], [3, 3, 3, 5], [4 * 4 * 5, 10]].map((shape) => {
    const t = again.apply(shape);
    const v = Array.from(t.dataSync());
    t.dispose();
    return v;
  });
  assert.deepEqual(kernels, draws);
  const constant = withCnn(
    [4, 4, 1],
    { conv: [2], dense: [], pool: 0, kernelInitializer: tf.initializers.constant({ value: 0.5 }) },
    weightsOf,
  );
  assert.ok(constant[0].every((v) => v === 0.5), "a tfjs initializer instance is used as is");
});

Deno.test("cnn() rejects bad settings with a message naming the setting, the value and what is allowed", () => {
  const bad: [unknown, Record<string, unknown>, RegExp][] = [
    [[28, 28], {}, /inputShape must be \[height, width, channels\], got \[28, 28\]/],
    ["28", {}, /inputShape must be \[height, width, channels\], got "28"/],
    [[28, 0, 1], {}, /inputShape\[1\] must be a positive integer, got 0/],
    [[28, 28, 1.5], {}, /inputShape\[2\] must be a positive integer, got 1.5/],
    [[8, 8, 1], { conv: 16 }, /conv must be an array of filters per layer, got 16/],
    [[8, 8, 1], { conv: [4, 0] }, /conv\[1\] must be a positive integer, got 0/],
    [[8, 8, 1], { kernelSize: 0 }, /kernelSize must be a positive integer, got 0/],
    [[8, 8, 1], { padding: "full" }, /padding must be one of "same", "valid", got "full"/],
    [[8, 8, 1], { pool: "2" }, /pool must be a window size .* or 0 or false for none, got "2"/],
    [[8, 8, 1], { pool: 1.5 }, /pool must be an integer >= 0, got 1.5/],
    [[8, 8, 1], { pool: true }, /pool must be a window size .*, got true/],
    [[8, 8, 1], { dense: [3, -1] }, /dense\[1\] must be a positive integer, got -1/],
    [[8, 8, 1], { outputs: 0 }, /outputs must be a positive integer, got 0/],
    [[8, 8, 1], { numClasses: 2.5 }, /numClasses must be a positive integer, got 2.5/],
    [
      [8, 8, 1],
      { outputs: 3, numClasses: 3 },
      /give outputs or numClasses .*not both; got outputs 3 and numClasses 3/,
    ],
    [[8, 8, 1], { activation: "softmax" }, /activation must be one of "relu", .*, got "softmax"/],
    [
      [8, 8, 1],
      { dropout: 1 },
      /dropout \(the probability of dropping a unit\) must be a number in \[0, 1\), got 1/,
    ],
    [[8, 8, 1], { batchNorm: "yes" }, /batchNorm must be true or false, got "yes"/],
    [
      [8, 8, 1],
      { kernelRegularizer: { l2: 0.1 } },
      /kernelRegularizer must be a tfjs regularizer .*, got \{"l2":0.1\}/,
    ],
    [[8, 8, 1], { seed: "1" }, /seed must be an integer, got "1"/],
    [
      [8, 8, 1],
      { kernelInitializer: "he" },
      /kernelInitializer must be one of "zeros", .*"leCunUniform" or a tfjs initializer, got "he"/,
    ],
    [
      [8, 8, 1],
      { kernelInitializer: 0.1 },
      /kernelInitializer must be a name such as "heNormal" or a tfjs initializer, got 0.1/,
    ],
    [
      [8, 8, 1],
      { conv: [2, 2, 2, 2] },
      /pool 2 does not fit the 1×1 feature maps of conv block 4 of 4/,
    ],
    [
      [6, 6, 1],
      { conv: [2, 2], kernelSize: 5, padding: "valid", pool: 0 },
      /kernelSize 5 does not fit the 2×2 feature maps of conv block 2 of 2 with padding "valid"/,
    ],
    [
      [1000, 1000, 3],
      { pool: 0 },
      /cnn would have \d+ parameters .*1000×1000×32 features.*more than the limit of 10000000/,
    ],
  ];
  const before = tf.memory().numTensors;
  for (const [shape, options, message] of bad) {
    assert.throws(
      () => cnn(shape as [number, number, number], options as CnnOptions),
      (err: Error) => {
        assert.ok(err instanceof TypeError || err instanceof RangeError, String(err));
        assert.match(err.message, message);
        return true;
      },
      `${JSON.stringify(shape)} ${JSON.stringify(options)}`,
    );
  }
  assert.equal(tf.memory().numTensors, before, "a rejected cnn() allocates nothing");
});

optionTableTests(
  [{ name: "cnn", call: (o) => cnn([8, 8, 1], o), valid: CNN_OPTIONS, example: [4] }],
  {
    label: "cnn",
    cleanup: (m) => (m as tf.LayersModel).dispose(),
    sync: true,
  },
);
