import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { makeRng } from "../lib/random.ts";
import {
  contourGrid,
  ravine,
  rosenbrock,
  saddle,
  type StepFunction,
  type Surface,
  tfjsTrajectory,
  trajectory,
} from "../lib/surfaces.ts";
import { tfjsOptimizer } from "../lib/optimizers.ts";

await initBackend("wasm");

const SURFACES: Surface[] = [
  ravine(),
  ravine({ a: 2, b: 30, angle: 30 }),
  saddle(),
  rosenbrock(),
  rosenbrock({ a: 0.5, b: 20 }),
];

Deno.test("each surface's gradient matches central finite differences of f", () => {
  const rng = makeRng(3);
  for (const s of SURFACES) {
    for (let k = 0; k < 25; k++) {
      const [x0, x1] = s.domain.x, [y0, y1] = s.domain.y;
      const x = x0 + (x1 - x0) * rng.next(), y = y0 + (y1 - y0) * rng.next();
      const h = 1e-5;
      const fd = [
        (s.f(x + h, y) - s.f(x - h, y)) / (2 * h),
        (s.f(x, y + h) - s.f(x, y - h)) / (2 * h),
      ];
      const g = s.grad(x, y);
      assert.equal(g.length, 2);
      g.forEach((gi, i) => {
        const scale = Math.max(1, Math.abs(fd[i]));
        assert.ok(Math.abs(gi - fd[i]) < 1e-6 * scale, `${s.name} at (${x}, ${y}): ${g} vs ${fd}`);
      });
    }
  }
});

Deno.test("the ravine is ½(a·u² + b·v²) in axes turned by the angle, with its minimum 0 at the origin", () => {
  const r = ravine({ a: 1, b: 20 });
  assert.equal(ravine().f(0, 1), 25, "b is 50 by default");
  assert.deepEqual(r.minimum, [0, 0]);
  assert.equal(r.f(0, 0), 0);
  assert.deepEqual(r.grad(0, 0), [0, 0]);
  assert.equal(r.f(2, 0), 2);
  assert.equal(r.f(0, 1), 10);
  // turned by 90°, the steep axis is x
  const turned = ravine({ a: 1, b: 20, angle: 90 });
  assert.ok(Math.abs(turned.f(1, 0) - 10) < 1e-12 && Math.abs(turned.f(0, 2) - 2) < 1e-12);
  // the Hessian's eigenvalues a and b: the condition number b/a along the turned axes
  const t = ravine({ a: 2, b: 50, angle: 30 });
  const c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6);
  assert.ok(Math.abs(t.f(c, s) - 1) < 1e-12 && Math.abs(t.f(-s, c) - 25) < 1e-12);
  const grid = contourGrid(r, { resolution: 21 });
  const lowest = Math.min(...grid.values.flat());
  assert.equal(lowest, 0);
  for (const v of grid.values.flat()) assert.ok(v >= 0);
});

Deno.test("Rosenbrock's valley has its minimum 0 at (a, a²); the saddle has none", () => {
  for (const [a, b] of [[1, 100], [0.5, 20]]) {
    const s = rosenbrock({ a, b });
    assert.deepEqual(s.minimum, [a, a * a]);
    assert.equal(s.f(a, a * a), 0);
    assert.deepEqual(s.grad(a, a * a).map(Math.abs), [0, 0]);
    assert.equal(s.f(0, 0), a * a);
    assert.equal(s.f(1, 0), (a - 1) ** 2 + b);
    assert.ok(s.logScale);
  }
  const sd = saddle();
  assert.equal(sd.minimum, undefined);
  assert.deepEqual(sd.grad(0, 0).map(Math.abs), [0, 0]);
  assert.equal(sd.f(1, 0), 1);
  assert.equal(sd.f(0, 1), -1);
});

Deno.test("contourGrid() evaluates f on an even grid over the domain", () => {
  const s = rosenbrock();
  const grid = contourGrid(s, { resolution: 5 });
  assert.equal(grid.name, s.name);
  assert.deepEqual(grid.xs, [-2, -1, 0, 1, 2]);
  assert.deepEqual(grid.ys, [-1, 0, 1, 2, 3]);
  assert.equal(grid.values.length, 5);
  grid.values.forEach((row, j) =>
    row.forEach((v, i) => assert.equal(v, s.f(grid.xs[i], grid.ys[j])))
  );
  assert.equal(grid.logScale, true);
  assert.deepEqual(grid.minimum, [1, 1]);
  const own = contourGrid(ravine(), {
    resolution: 3,
    domain: { x: [-1, 1], y: [0, 2] },
    logScale: true,
  });
  assert.deepEqual([own.xs, own.ys, own.logScale], [[-1, 0, 1], [0, 1, 2], true]);
  assert.equal(contourGrid(ravine()).xs.length, 61);
});

Deno.test("trajectory() of gradient descent on the ravine follows (1 − αa)ᵗ and (1 − αb)ᵗ", () => {
  const r = ravine({ a: 1, b: 20 });
  const alpha = 0.09;
  const seen: number[] = [];
  const gd: StepFunction = (p, g, t) => {
    seen.push(t);
    return [p[0] - alpha * g[0], p[1] - alpha * g[1]];
  };
  const points = trajectory(r, gd, { start: [-9, 4], steps: 30 });
  assert.equal(points.length, 31);
  assert.deepEqual(seen, [...Array(30).keys()].map((t) => t + 1));
  points.forEach((pt, t) => {
    assert.equal(pt.step, t);
    assert.ok(Math.abs(pt.x - -9 * (1 - alpha) ** t) < 1e-12);
    assert.ok(Math.abs(pt.y - 4 * (1 - 20 * alpha) ** t) < 1e-12);
    assert.equal(pt.loss, r.f(pt.x, pt.y));
  });
  // the surface's suggested start is the default
  assert.deepEqual(trajectory(r, gd, { steps: 1 })[0].x, r.start![0]);
});

Deno.test("trajectory() stops where the steps leave the finite numbers", () => {
  const blowUp: StepFunction = (p, _g, t) => (t === 5 ? [NaN, 0] : [p[0] * 2, p[1]]);
  const points = trajectory(saddle(), blowUp, { start: [1, 0], steps: 10 });
  assert.deepEqual(points.map((p) => p.x), [1, 2, 4, 8, 16]);
  // a step whose point overflows f stops the run too
  const far: StepFunction = (p) => [p[0] * 1e100, p[1]]; // f(1e200, 1) = ½·1e400 overflows
  assert.equal(trajectory(ravine(), far, { start: [1, 1], steps: 5 }).length, 2);
});

/** From-scratch optimizers written as a lesson would, in the notation of optimizers.ts. */
function sgd(alpha: number): StepFunction {
  return (p, g) => p.map((w, i) => w - alpha * g[i]);
}
function momentum(alpha: number, mu: number): StepFunction {
  const v = [0, 0];
  return (p, g) =>
    p.map((w, i) => {
      v[i] = mu * v[i] + g[i];
      return w - alpha * v[i];
    });
}
function adam(alpha: number, b1 = 0.9, b2 = 0.999, eps = 1e-7): StepFunction {
  const m = [0, 0], v = [0, 0];
  return (p, g, t) =>
    p.map((w, i) => {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2;
      const mHat = m[i] / (1 - b1 ** t), vHat = v[i] / (1 - b2 ** t);
      return w - (alpha * mHat) / (Math.sqrt(vHat) + eps);
    });
}

Deno.test("tfjsTrajectory() follows the same path as the same optimizer written in TypeScript", async (t) => {
  const cases: [string, Surface, StepFunction, () => tf.Optimizer, number][] = [
    ["sgd on the ravine", ravine(), sgd(0.03), () => tf.train.sgd(0.03), 60],
    ["sgd on Rosenbrock's valley", rosenbrock(), sgd(0.001), () => tf.train.sgd(0.001), 60],
    [
      "momentum on the ravine",
      ravine(),
      momentum(0.01, 0.9),
      () => tfjsOptimizer("momentum", 0.01),
      60,
    ],
    ["adam on Rosenbrock's valley", rosenbrock(), adam(0.05), () => tf.train.adam(0.05), 60],
  ];
  for (const [name, surface, step, make, steps] of cases) {
    await t.step(name, () => {
      const before = tf.memory().numTensors;
      const start: [number, number] = [-1.5, 2];
      const mine = trajectory(surface, step, { start, steps });
      const opt = make();
      const theirs = tfjsTrajectory(surface, opt, { start, steps });
      opt.dispose();
      assert.equal(tf.memory().numTensors, before);
      assert.equal(theirs.length, steps + 1);
      theirs.forEach((p, i) => {
        assert.equal(p.step, i);
        for (const k of ["x", "y"] as const) {
          const d = Math.abs(p[k] - mine[i][k]) / Math.max(1, Math.abs(mine[i][k]));
          assert.ok(d < 1e-4, `${k} at step ${i}: ${p[k]} vs ${mine[i][k]}`);
        }
        assert.equal(p.loss, surface.f(p.x, p.y));
      });
    });
  }
});

Deno.test("surfaces, grids and trajectories reject bad input with the parameter and the value", () => {
  const gd = sgd(0.1);
  const cases: [() => unknown, RegExp, typeof TypeError | typeof RangeError][] = [
    [() => ravine({ a: 0 }), /^a must be a positive number, got 0$/, RangeError],
    [() => ravine({ b: -1 }), /^b must be a positive number, got -1$/, RangeError],
    [
      () => ravine({ angle: Infinity }),
      /^angle must be a finite number, got Infinity$/,
      RangeError,
    ],
    [
      () => ravine({ c: 1 } as never),
      /^options has no setting "c"; the settings are a, b, angle$/,
      TypeError,
    ],
    [() => rosenbrock({ b: 0 }), /^b must be a positive number, got 0$/, RangeError],
    [
      () => contourGrid(ravine(), { resolution: 1 }),
      /^resolution must be an integer >= 2, got 1$/,
      RangeError,
    ],
    [
      () => contourGrid(ravine(), { resolution: 5000 }),
      /^resolution must be at most 1000 points per axis, got 5000$/,
      RangeError,
    ],
    [
      () => contourGrid(ravine(), { domain: { x: [1, 0], y: [0, 1] } }),
      /^domain.x must satisfy lo < hi, got \[1, 0\]$/,
      RangeError,
    ],
    [
      () => contourGrid({ ...ravine(), f: () => NaN }),
      /^surface.f must return a finite number, got NaN at \(-10, -5\)$/,
      RangeError,
    ],
    [
      () => contourGrid({ name: "x" } as never),
      /^surface.f must be a function, got undefined$/,
      TypeError,
    ],
    [
      () => trajectory(ravine(), gd, { steps: 0 }),
      /^steps must be a positive integer, got 0$/,
      RangeError,
    ],
    [
      () => trajectory(ravine(), gd, { steps: 2e6 }),
      /^steps must be at most 1000000 updates, got 2000000$/,
      RangeError,
    ],
    [
      () => trajectory(ravine(), gd, { steps: 3, start: [1] as never }),
      /^start must be a point \[x, y\] of two finite numbers, got \[1\]$/,
      TypeError,
    ],
    [
      () => trajectory(saddle(), gd, { steps: 3, start: [0, NaN] }),
      /^start must be a point \[x, y\] of two finite numbers, got \[0, NaN\]$/,
      TypeError,
    ],
    [
      () => trajectory(ravine(), "sgd" as never, { steps: 3 }),
      /^step must be a function, got "sgd"$/,
      TypeError,
    ],
    [
      () => trajectory(ravine(), () => [1, 2, 3], { steps: 3 }),
      /^step must return the new point \[x, y\], got \[1, 2, 3\] at t = 1$/,
      TypeError,
    ],
    [
      () => trajectory(ravine(), gd, { stesp: 3 } as never),
      /^options has no setting "stesp"; the settings are start, steps$/,
      TypeError,
    ],
    [
      () => tfjsTrajectory(ravine(), "adam" as never, { steps: 3 }),
      /^optimizer must be a tf.Optimizer, got "adam"$/,
      TypeError,
    ],
  ];
  for (const [call, message, kind] of cases) {
    assert.throws(
      call,
      (e: Error) => e instanceof kind && message.test(e.message),
      String(message),
    );
  }
});
