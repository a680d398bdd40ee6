/**
 * lib/uncertainty.ts: every formula against a second computation (hand values, brute-force
 * enumeration, root finding, numerical integration, polars' own group-by), seeded determinism,
 * the coverage of the Wilson interval, and the errors.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { assertClose } from "./_assert_close.ts";
import { makeRng, setSeed } from "../lib/random.ts";
import {
  accuracyInterval,
  accuracySE,
  bootstrapInterval,
  differenceSE,
  meanSpread,
  pairedDifference,
  separated,
  summarizeBySeeds,
} from "../lib/uncertainty.ts";

// ---------------------------------------------------------------------------------------------
// Second computations

/** The standard normal density. */
function phi(x: number): number {
  return Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
}

/** Φ(z) by Simpson's rule on [0, |z|] (4000 intervals): accurate to ~1e-15 for |z| < 8. */
function normalCdf(z: number): number {
  const a = Math.abs(z), m = 4000, h = a / m;
  let s = phi(0) + phi(a);
  for (let i = 1; i < m; i++) s += (i % 2 ? 4 : 2) * phi(i * h);
  const half = s * h / 3;
  return z >= 0 ? 0.5 + half : 0.5 - half;
}

/** The upper tail 1 − Φ(x) for large x, by Laplace's continued fraction of Mills' ratio. */
function upperTail(x: number): number {
  let f = x;
  for (let k = 200; k >= 1; k--) f = x + k / f;
  return phi(x) / f;
}

/** z with Φ(z) = q, by bisection on the Simpson CDF. */
function normalQuantileByBisection(q: number): number {
  let lo = -8, hi = 8;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(X = k) for X ~ Binomial(n, p), from log factorials summed term by term. */
function binomialPmf(n: number, k: number, p: number): number {
  let l = 0;
  for (let i = 0; i < k; i++) l += Math.log(n - i) - Math.log(i + 1);
  const lp = k === 0 ? 0 : k * Math.log(p), lq = n - k === 0 ? 0 : (n - k) * Math.log(1 - p);
  return Math.exp(l + lp + lq);
}

/**
 * The Wilson interval as its definition, not its closed form: the π in [0, 1] with
 * (p − π)² ≤ z²·π(1 − π)/n, its ends found by bisection on each side of p.
 */
function wilsonByRootFinding(p: number, n: number, z: number): [number, number] {
  const inside = (pi: number) => (p - pi) ** 2 - z * z * pi * (1 - pi) / n <= 0;
  const edge = (a: number, b: number) => { // a inside, b outside (or the end of [0, 1])
    if (inside(b)) return b;
    for (let i = 0; i < 200; i++) {
      const mid = (a + b) / 2;
      if (inside(mid)) a = mid;
      else b = mid;
    }
    return (a + b) / 2;
  };
  return [edge(p, 0), edge(p, 1)];
}

/** Bits set in i. */
function popcount(i: number): number {
  let c = 0;
  for (; i; i &= i - 1) c++;
  return c;
}

/**
 * McNemar's exact two-sided p-value by enumeration: of the 2^m equally likely ways the m
 * disagreements could split under the null, the fraction at least as far from m/2 as b.
 */
function mcnemarByEnumeration(b: number, c: number): number {
  const m = b + c;
  let extreme = 0;
  for (let i = 0; i < 2 ** m; i++) {
    if (Math.abs(popcount(i) - m / 2) >= Math.abs(b - m / 2) - 1e-9) extreme++;
  }
  return extreme / 2 ** m;
}

/** Per-example results with exactly the given counts of (A, B) = (1,1), (1,0), (0,1), (0,0). */
function pairs(n11: number, n10: number, n01: number, n00: number): [number[], number[]] {
  const a: number[] = [], b: number[] = [];
  const add = (count: number, x: number, y: number) => {
    for (let i = 0; i < count; i++) a.push(x), b.push(y);
  };
  add(n11, 1, 1), add(n10, 1, 0), add(n01, 0, 1), add(n00, 0, 0);
  const rng = makeRng(99); // the same shuffle for both arrays keeps the pairs
  const order = rng.shuffle(a.map((_, i) => i));
  return [order.map((i) => a[i]), order.map((i) => b[i])];
}

// ---------------------------------------------------------------------------------------------

Deno.test("accuracySE() is the binomial standard error √(p(1 − p)/n)", () => {
  assert.equal(accuracySE(0.5, 100), 0.05);
  assert.equal(accuracySE(0, 30), 0);
  assert.equal(accuracySE(1, 30), 0);
  // The population variance of a 0/1 vector with k ones is p(1 − p), p = k/n
  for (const [k, n] of [[160, 200], [3, 17], [50, 51]]) {
    const x: number[] = Array.from({ length: n }, (_, i) => (i < k ? 1 : 0));
    const p = k / n;
    const variance = x.reduce((s, v) => s + (v - p) ** 2, 0) / n;
    assertClose(accuracySE(p, n), Math.sqrt(variance / n), 1e-14, `se(${k}/${n})`);
  }
});

Deno.test("accuracyInterval()", async (t) => {
  await t.step("uses z = Φ⁻¹(1 − (1 − level)/2), checked by integrating the density", () => {
    const cases: [number, number][] = [
      [0.95, 1.959963984540054],
      [0.9, 1.6448536269514722],
      [0.99, 2.5758293035489004],
    ];
    for (const [level, known] of cases) {
      const { z } = accuracyInterval(0.5, 100, { level });
      assertClose(z, known, 1e-14, `z(${level})`);
    }
    for (const level of [0.5, 0.8, 0.95, 0.999]) {
      const { z } = accuracyInterval(0.5, 100, { level });
      assertClose(z, normalQuantileByBisection(1 - (1 - level) / 2), 1e-10, `z(${level})`);
    }
    // tails (AS 241's second and third branches, where a CDF near 1 has too few digits):
    // 1 − Φ(z) = (1 − level)/2 by the continued fraction
    for (const tail of [5e-8, 1e-12, 1e-15]) {
      const level = 1 - 2 * tail;
      const { z } = accuracyInterval(0.5, 100, { level });
      assertClose(upperTail(z) / ((1 - level) / 2), 1, 1e-12, `tail ${tail}`);
    }
  });

  await t.step("normal: p ± z·√(p(1 − p)/n), clipped to [0, 1]", () => {
    const r = accuracyInterval(0.8, 200, { method: "normal" });
    const half = 1.959963984540054 * Math.sqrt(0.8 * 0.2 / 200);
    assertClose(r.lower, 0.8 - half, 1e-14, "lower");
    assertClose(r.upper, 0.8 + half, 1e-14, "upper");
    assert.equal(r.method, "normal");
    assert.equal(accuracyInterval(0.95, 20, { method: "normal" }).upper, 1);
    const one = accuracyInterval(1, 50, { method: "normal" });
    assert.deepEqual([one.lower, one.upper], [1, 1]); // the failure Wilson avoids
  });

  await t.step("wilson: the closed form equals the interval found by root finding", () => {
    for (const [k, n] of [[0, 10], [1, 10], [10, 10], [18, 20], [37, 50], [400, 1000], [3, 7]]) {
      for (const level of [0.9, 0.95, 0.99]) {
        const r = accuracyInterval(k === 1 ? 1 / n : k / n, n, { level });
        const [lo, hi] = wilsonByRootFinding(k / n, n, r.z);
        assertClose(r.lower, lo, 1e-12, `lower ${k}/${n} at ${level}`);
        assertClose(r.upper, hi, 1e-12, `upper ${k}/${n} at ${level}`);
      }
    }
  });

  await t.step("wilson: hand values, symmetry, counts and accuracies alike", () => {
    // 0 of 10 at 95 %: upper = z²/n / (1 + z²/n) = 3.8415 / 13.8415
    const zero = accuracyInterval(0, 10);
    const z2 = 1.959963984540054 ** 2;
    assert.equal(zero.lower, 0);
    assertClose(zero.upper, z2 / (10 + z2), 1e-14, "upper of 0/10");
    assertClose(zero.upper, 0.2775, 1e-4, "published 0.2775");
    const all = accuracyInterval(10, 10);
    assertClose(all.lower, 1 - zero.upper, 1e-14, "10/10 mirrors 0/10");
    assert.equal(all.upper, 1);
    const a = accuracyInterval(13, 40), b = accuracyInterval(27, 40);
    assertClose(a.lower, 1 - b.upper, 1e-14, "13/40 mirrors 27/40");
    assert.deepEqual(accuracyInterval(18, 20), accuracyInterval(0.9, 20));
    assert.deepEqual(accuracyInterval(18, 20), {
      ...accuracyInterval(0.9, 20, { method: "wilson", level: 0.95 }),
    });
    assert.equal(accuracyInterval(18, 20).method, "wilson");
    assert.equal(accuracyInterval(18, 20).accuracy, 0.9);
  });

  await t.step("wilson covers the true p in 95 % ± 3 % of 400 seeded samples", () => {
    const rng = makeRng(2024);
    for (const [p, n] of [[0.1, 20], [0.8, 200], [0.85, 300], [0.5, 40]]) {
      let covered = 0;
      for (let s = 0; s < 400; s++) {
        let k = 0;
        for (let i = 0; i < n; i++) if (rng.next() < p) k++;
        const r = accuracyInterval(k / n, n);
        if (r.lower <= p && p <= r.upper) covered++;
      }
      const rate = covered / 400;
      assert.ok(Math.abs(rate - 0.95) <= 0.03, `coverage ${rate} for p = ${p}, n = ${n}`);
    }
  });

  await t.step(
    "near 0 and 1 and for small n, wilson keeps its coverage and normal does not",
    () => {
      // exact coverage: Σ over k of P(k) for the k whose interval holds p
      const coverage = (p: number, n: number, method: "wilson" | "normal") => {
        let c = 0;
        for (let k = 0; k <= n; k++) {
          const r = accuracyInterval(k / n, n, { method });
          if (r.lower <= p && p <= r.upper) c += binomialPmf(n, k, p);
        }
        return c;
      };
      for (const [p, n] of [[0.9, 30], [0.05, 100], [0.1, 20], [0.95, 20]]) {
        const w = coverage(p, n, "wilson"), z = coverage(p, n, "normal");
        assert.ok(w >= 0.92 && w <= 0.98, `wilson ${w} at p = ${p}, n = ${n}`);
        assert.ok(z < 0.89, `normal ${z} at p = ${p}, n = ${n}`);
      }
      // the numbers the doc comment quotes
      assertClose(coverage(0.95, 20, "normal"), 0.64, 0.005, "normal at 0.95, 20");
      assertClose(coverage(0.95, 20, "wilson"), 0.92, 0.005, "wilson at 0.95, 20");
    },
  );
});

Deno.test("differenceSE() equals the sd of p̂_a − p̂_b over every outcome of two binomials", () => {
  assertClose(
    differenceSE({ acc: 0.5, n: 100 }, { acc: 0.5, n: 100 }),
    Math.sqrt(0.005),
    1e-15,
    "hand",
  );
  for (const [pa, na, pb, nb] of [[0.7, 12, 0.4, 9], [0.95, 30, 0.9, 25]]) {
    let v = 0;
    for (let x = 0; x <= na; x++) {
      for (let y = 0; y <= nb; y++) {
        v += binomialPmf(na, x, pa) * binomialPmf(nb, y, pb) * (x / na - y / nb - (pa - pb)) ** 2;
      }
    }
    const se = differenceSE({ acc: pa, n: na }, { acc: pb, n: nb });
    assertClose(se, Math.sqrt(v), 1e-12, `se ${pa}/${na} vs ${pb}/${nb}`);
  }
});

Deno.test("pairedDifference()", async (t) => {
  await t.step("counts b and c and gives diff, se and interval from the differences", () => {
    const [a, b] = pairs(50, 12, 5, 13); // n = 80
    const r = pairedDifference(a, b, { level: 0.9 });
    assert.equal(r.n, 80);
    assert.equal(r.b, 12);
    assert.equal(r.c, 5);
    assertClose(r.accA, 62 / 80, 1e-15, "accA");
    assertClose(r.accB, 55 / 80, 1e-15, "accB");
    assertClose(r.diff, 7 / 80, 1e-15, "diff");
    // se² = (b + c − (b − c)²/n) / (n(n − 1))
    assertClose(r.se, Math.sqrt((17 - 49 / 80) / (80 * 79)), 1e-14, "se");
    const z = 1.6448536269514722;
    assertClose(r.lower, r.diff - z * r.se, 1e-14, "lower");
    assertClose(r.upper, r.diff + z * r.se, 1e-14, "upper");
    assert.equal(r.level, 0.9);
    // the paired se is smaller than treating the two accuracies as independent
    assert.ok(r.se < differenceSE({ acc: r.accA, n: 80 }, { acc: r.accB, n: 80 }));
  });

  await t.step("gives McNemar's exact p-value, checked by enumerating every split", () => {
    for (const [b, c] of [[0, 1], [1, 9], [3, 1], [4, 4], [0, 12], [7, 2], [5, 9], [2, 12]]) {
      const [x, y] = pairs(3, b, c, 2);
      const r = pairedDifference(x, y);
      assert.equal(r.b, b);
      assert.equal(r.c, c);
      assertClose(r.pValue, mcnemarByEnumeration(b, c), 1e-12, `p for b = ${b}, c = ${c}`);
    }
    assertClose(pairedDifference(...pairs(0, 1, 9, 0)).pValue, 22 / 1024, 1e-14, "1 vs 9");
    assert.equal(pairedDifference(...pairs(5, 0, 0, 5)).pValue, 1);
    assert.equal(pairedDifference(...pairs(5, 3, 3, 5)).pValue, 1);
  });

  await t.step("the exact p-value is near the normal approximation for many disagreements", () => {
    for (const [b, c] of [[480, 520], [2500, 2650], [9000, 9300]]) {
      const r = pairedDifference(...pairs(100, b, c, 100));
      // continuity-corrected z = (|b − c| − 1)/√(b + c)
      const z = (Math.abs(b - c) - 1) / Math.sqrt(b + c);
      const approx = 2 * (1 - normalCdf(z));
      assert.ok(Number.isFinite(r.pValue) && r.pValue > 0);
      assertClose(r.pValue, approx, 0.005, `p for b = ${b}, c = ${c}`);
    }
  });

  await t.step("takes booleans and typed arrays", () => {
    const a = [true, true, false, true], b = [true, false, false, false];
    const r = pairedDifference(a, b);
    assert.deepEqual(r, pairedDifference(Uint8Array.from([1, 1, 0, 1]), [1, 0, 0, 0]));
    assert.equal(r.diff, 0.5);
  });
});

Deno.test("bootstrapInterval()", async (t) => {
  const rng = makeRng(11);
  const big = Array.from({ length: 5000 }, () => 10 + 2 * rng.normal());

  await t.step("on a large sample, the interval of a mean is close to mean ± z·se", () => {
    const s = meanSpread(big);
    const r = bootstrapInterval(big, { seed: 1 });
    const half = 1.959963984540054 * s.se;
    assertClose(r.estimate, s.mean, 1e-12, "estimate");
    assert.ok(Math.abs(r.lower - (s.mean - half)) < 0.1 * half, `lower ${r.lower}`);
    assert.ok(Math.abs(r.upper - (s.mean + half)) < 0.1 * half, `upper ${r.upper}`);
    assert.ok(Math.abs(r.se / s.se - 1) < 0.05, `se ${r.se} vs ${s.se}`);
    const r90 = bootstrapInterval(big, undefined, { seed: 1, level: 0.9 });
    const half90 = 1.6448536269514722 * s.se;
    assert.ok(Math.abs(r90.upper - r90.lower - 2 * half90) < 0.1 * half90);
  });

  await t.step("on paired arrays, matches pairedDifference's interval on many examples", () => {
    const [a, b] = pairs(1400, 300, 220, 80);
    const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
    const r = bootstrapInterval([a, b], (x, y) => mean(x) - mean(y), { seed: 2 });
    const p = pairedDifference(a, b);
    const half = p.upper - p.diff;
    assertClose(r.estimate, p.diff, 1e-12, "estimate");
    assert.ok(Math.abs(r.lower - p.lower) < 0.1 * half, `lower ${r.lower} vs ${p.lower}`);
    assert.ok(Math.abs(r.upper - p.upper) < 0.1 * half, `upper ${r.upper} vs ${p.upper}`);
  });

  await t.step("gives the percentiles of its resampled statistics, pairs kept together", () => {
    const x = Array.from({ length: 30 }, (_, i) => i), y = x.map((v) => 10 * v);
    const seen: number[] = [];
    const draws = new Array(30).fill(0);
    const r = bootstrapInterval([x, y], (u, v) => {
      assert.equal(u.length, 30);
      u.forEach((ui, i) => {
        assert.equal(v[i], 10 * ui); // each (x, y) pair resampled as a pair
        draws[ui]++;
      });
      const m = Math.max(...v) - Math.min(...u);
      seen.push(m);
      return m;
    }, { seed: 3, resamples: 500, level: 0.8 });
    assert.equal(seen.length, 501); // the data, then 500 resamples
    assert.equal(r.estimate, seen[0]);
    const stats = seen.slice(1).sort((a, b) => a - b);
    // the 10 % and 90 % quantiles, interpolating at (R − 1)·q
    const at = (q: number) => {
      const h = 499 * q, i = Math.floor(h);
      return stats[i] * (1 - (h - i)) + stats[Math.min(i + 1, 499)] * (h - i);
    };
    assertClose(r.lower, at(0.1), 1e-12, "lower");
    assertClose(r.upper, at(0.9), 1e-12, "upper");
    assertClose(r.se, meanSpread(stats).sd, 1e-12, "se");
    assert.equal(r.resamples, 500);
    // indices are uniform: each of the 30 values drawn about 500 times (+30 for the data)
    draws.forEach((d, i) => assert.ok(Math.abs(d - 530) < 4 * Math.sqrt(500), `value ${i}: ${d}`));
  });

  await t.step("is deterministic for a seed, and draws one from setSeed's stream otherwise", () => {
    const small = big.slice(0, 200);
    assert.deepEqual(bootstrapInterval(small, { seed: 5 }), bootstrapInterval(small, { seed: 5 }));
    assert.notDeepEqual(
      bootstrapInterval(small, { seed: 5 }),
      bootstrapInterval(small, { seed: 6 }),
    );
    setSeed(42);
    const first = bootstrapInterval(small);
    setSeed(42);
    assert.deepEqual(bootstrapInterval(small), first);
    assert.deepEqual(bootstrapInterval(small, { seed: first.seed }), first);
    const median = (v: number[]) => v.slice().sort((a, b) => a - b)[v.length >> 1];
    assert.deepEqual(
      bootstrapInterval(small, median, { seed: 7 }),
      bootstrapInterval(small, median, { seed: 7 }),
    );
  });

  await t.step("counts booleans as 1 and 0", () => {
    const flags = Array.from({ length: 40 }, (_, i) => i % 4 !== 0);
    const r = bootstrapInterval(flags, { seed: 1 });
    assert.equal(r.estimate, 0.75);
    assert.deepEqual(r, bootstrapInterval(flags.map(Number), { seed: 1 }));
  });
});

Deno.test("meanSpread() gives mean, sample sd, se = sd/√n, min, max and n", () => {
  const x = [2, 4, 4, 4, 5, 5, 7, 9]; // mean 5, Σ(x − 5)² = 32
  const s = meanSpread(x);
  assert.equal(s.mean, 5);
  assertClose(s.sd, Math.sqrt(32 / 7), 1e-15, "sd");
  assertClose(s.se, Math.sqrt(32 / 7 / 8), 1e-15, "se");
  assert.deepEqual([s.min, s.max, s.n], [2, 9, 8]);
  // the one-pass formula (Σx² − n·mean²)/(n − 1) on other values
  const y = [0.812, 0.834, 0.829, 0.806, 0.841, 0.82];
  const m = y.reduce((a, v) => a + v, 0) / y.length;
  const v1 = (y.reduce((a, v) => a + v * v, 0) - y.length * m * m) / (y.length - 1);
  assertClose(meanSpread(y).sd, Math.sqrt(v1), 1e-9, "sd by Σx²");
  assert.deepEqual(meanSpread(Float64Array.from(y)), meanSpread(y));
});

Deno.test("summarizeBySeeds()", async (t) => {
  const RUNS = [0, 1, 2, 3].flatMap((seed) =>
    ["sgd", "adam"].flatMap((optimizer) =>
      [0.1, 0.01].map((lr) => ({
        optimizer,
        lr,
        seed,
        acc: 0.7 + (optimizer === "adam" ? 0.1 : 0) + lr + 0.01 * ((seed * 7) % 4),
        loss: 0.5 - lr + 0.02 * seed,
      }))
    )
  );

  await t.step("gives one row per setting in first-seen order, with hand-checkable numbers", () => {
    const rows = summarizeBySeeds(RUNS, { by: ["optimizer", "lr"], metrics: ["acc", "loss"] });
    assert.deepEqual(rows.map((r) => [r.optimizer, r.lr]), [
      ["sgd", 0.1],
      ["sgd", 0.01],
      ["adam", 0.1],
      ["adam", 0.01],
    ]);
    assert.deepEqual(Object.keys(rows[0]), [
      "optimizer",
      "lr",
      "acc_mean",
      "acc_sd",
      "acc_se",
      "loss_mean",
      "loss_sd",
      "loss_se",
      "n",
    ]);
    // (seed·7) mod 4 over seeds 0..3 is 0, 3, 2, 1: acc offsets 0, 3, 2, 1 points
    // mean offset 1.5 points, Σ squared deviations 5 points², sd = √(5/3) points
    const sgd = rows[0];
    assertClose(sgd.acc_mean as number, 0.8 + 0.015, 1e-12, "acc mean");
    assertClose(sgd.acc_sd as number, 0.01 * Math.sqrt(5 / 3), 1e-12, "acc sd");
    assertClose(sgd.acc_se as number, 0.01 * Math.sqrt(5 / 3) / 2, 1e-12, "acc se");
    // loss offsets 0, 2, 4, 6 points: mean 3, Σd² = 20, sd = √(20/3) points
    assertClose(sgd.loss_mean as number, 0.4 + 0.03, 1e-12, "loss mean");
    assertClose(sgd.loss_sd as number, 0.01 * Math.sqrt(20 / 3), 1e-12, "loss sd");
    assert.equal(sgd.n, 4);
    const all = summarizeBySeeds(RUNS, { by: [], metrics: ["acc"] });
    assert.equal(all.length, 1);
    assert.equal(all[0].n, 16);
    assertClose(all[0].acc_mean as number, meanSpread(RUNS.map((r) => r.acc)).mean, 1e-14, "all");
  });

  await t.step("reads a DataFrame and returns one, equal to polars' own group-by", () => {
    const df = pl.DataFrame(RUNS).withColumns(pl.col("lr").cast(pl.Float32));
    const out = summarizeBySeeds(df, { by: ["optimizer", "lr"], metrics: ["acc"] });
    assert.deepEqual(out.columns, ["optimizer", "lr", "acc_mean", "acc_sd", "acc_se", "n"]);
    assert.equal(String(out.getColumn("lr").dtype), "DataType(Float32)");
    assert.equal(String(out.getColumn("optimizer").dtype), "DataType(String)");
    const polars = df.groupBy("optimizer", "lr").agg(
      pl.col("acc").mean().alias("m"),
      pl.col("acc").std().alias("s"),
      pl.col("acc").count().alias("n"),
    );
    const theirs = new Map(polars.toRecords().map((r) => [`${r.optimizer} ${r.lr}`, r]));
    const ours = out.toRecords();
    assert.equal(ours.length, 4);
    assert.equal(theirs.size, 4);
    for (const r of ours) {
      const p = theirs.get(`${r.optimizer} ${r.lr}`)!;
      assertClose(r.acc_mean as number, p.m as number, 1e-14, `mean ${r.optimizer} ${r.lr}`);
      assertClose(r.acc_sd as number, p.s as number, 1e-12, `sd ${r.optimizer} ${r.lr}`);
      assertClose(r.acc_se as number, (p.s as number) / 2, 1e-12, `se ${r.optimizer} ${r.lr}`);
      assert.equal(r.n, Number(p.n));
    }
    // first-seen order, as for records
    assert.deepEqual(
      ours.map((r) => r.optimizer),
      summarizeBySeeds(RUNS, { by: ["optimizer", "lr"], metrics: ["acc"] }).map((r) => r.optimizer),
    );
  });

  await t.step("does not touch its input", () => {
    const before = structuredClone(RUNS);
    summarizeBySeeds(RUNS, { by: ["optimizer"], metrics: ["acc"] });
    assert.deepEqual(RUNS, before);
  });
});

Deno.test("separated() compares |diff| with k·√(se_a² + se_b²)", () => {
  const s = separated([1, 2, 3], [4, 5, 6]); // sd 1 each, se 1/√3 each
  assert.equal(s.diff, -3);
  assertClose(s.se, Math.sqrt(2 / 3), 1e-15, "se");
  assertClose(s.z, -3 / Math.sqrt(2 / 3), 1e-14, "z");
  assert.equal(s.separated, true);
  assert.equal(s.k, 2);
  assert.equal(separated([1, 2, 3], [4, 5, 6], { k: 4 }).separated, false); // z = 3.67
  const back = separated([4, 5, 6], [1, 2, 3]);
  assert.equal(back.z, -s.z);
  // the same numbers through meanSpread
  const a = [0.81, 0.84, 0.79, 0.83], b = [0.8, 0.82, 0.78, 0.79, 0.81];
  const sa = meanSpread(a), sb = meanSpread(b), r = separated(a, b);
  assertClose(r.se, Math.hypot(sa.se, sb.se), 1e-14, "se via meanSpread");
  assert.equal(r.separated, Math.abs(sa.mean - sb.mean) > 2 * Math.hypot(sa.se, sb.se));
  // no spread at all
  assert.deepEqual(separated([1, 1], [1, 1]), { separated: false, diff: 0, se: 0, z: 0, k: 2 });
  const apart = separated([2, 2], [1, 1]);
  assert.equal(apart.z, Infinity);
  assert.equal(apart.separated, true);
});

Deno.test("uncertainty helpers reject bad input with parameter, value and rule", () => {
  const err = (f: () => unknown, name: string, message: string | RegExp) =>
    assert.throws(f, { name, message });
  // n ≤ 0, accuracy outside [0, 1]
  err(() => accuracySE(0.5, 0), "RangeError", "n must be a positive integer, got 0");
  err(() => accuracySE(0.5, -3), "RangeError", "n must be a positive integer, got -3");
  err(() => accuracySE(1.2, 10), "RangeError", "accuracy must be a number in [0, 1], got 1.2");
  err(() => accuracySE(-0.1, 10), "RangeError", "accuracy must be a number in [0, 1], got -0.1");
  err(() => accuracyInterval(0.5, 0), "RangeError", "n must be a positive integer, got 0");
  err(
    () => accuracyInterval(21, 20),
    "RangeError",
    "correctOrAccuracy must be an accuracy in [0, 1] or a whole number of correct examples in [0, n = 20], got 21",
  );
  err(() => accuracyInterval(1.5, 20), "RangeError", /got 1\.5$/);
  err(() => accuracyInterval(-0.2, 20), "RangeError", /got -0\.2$/);
  err(
    () => accuracyInterval("18" as unknown as number, 20),
    "TypeError",
    /^correctOrAccuracy must be .*, got "18"$/,
  );
  err(
    () => differenceSE({ acc: 0.5, n: 0 }, { acc: 0.5, n: 10 }),
    "RangeError",
    "a.n must be a positive integer, got 0",
  );
  err(
    () => differenceSE({ acc: 0.5, n: 10 }, { acc: 1.1, n: 10 }),
    "RangeError",
    "b.acc must be a number in [0, 1], got 1.1",
  );
  // misspelt options
  err(
    () => accuracyInterval(0.5, 10, { levle: 0.9 } as never),
    "TypeError",
    'options has no setting "levle"; the settings are level, method',
  );
  err(
    () => accuracyInterval(0.5, 10, { method: "wald" } as never),
    "RangeError",
    'options.method must be one of "wilson", "normal", got "wald"',
  );
  err(
    () => accuracyInterval(0.5, 10, { level: 95 }),
    "RangeError",
    "options.level (a confidence level) must be a number in (0, 1), got 95",
  );
  err(
    () => differenceSE({ acc: 0.5, n: 10 }, { accuracy: 0.5, n: 10 } as never),
    "TypeError",
    'b has no setting "accuracy"; the settings are acc, n',
  );
  err(
    () => pairedDifference([1, 0], [0, 1], { levl: 0.9 } as never),
    "TypeError",
    'options has no setting "levl"; the settings are level',
  );
  err(
    () => bootstrapInterval([1, 2, 3], { resample: 500 } as never),
    "TypeError",
    'options has no setting "resample"; the settings are resamples, level, seed',
  );
  err(
    () => summarizeBySeeds([{ a: 1, x: 1 }], { by: ["a"], metric: ["x"] } as never),
    "TypeError",
    'options has no setting "metric"; the settings are by, metrics',
  );
  err(
    () => separated([1, 2], [3, 4], { K: 3 } as never),
    "TypeError",
    'options has no setting "K"; the settings are k',
  );
  err(
    () => separated([1, 2], [3, 4], { k: 0 }),
    "RangeError",
    "options.k must be a positive number, got 0",
  );
  // mismatched lengths
  err(
    () => pairedDifference([1, 0, 1], [1, 0]),
    "RangeError",
    "correctB must have the same length as correctA (3 examples), got 2",
  );
  err(
    () => bootstrapInterval([[1, 2, 3], [1, 2]], (a, b) => a[0] - b[0], { seed: 1 }),
    "RangeError",
    "data[1] must have the same length as data[0] (3 paired values), got 2",
  );
  // empty arrays
  err(
    () => pairedDifference([], []),
    "RangeError",
    "correctA must hold at least 2 examples (the standard error divides by n − 1), got an empty array",
  );
  err(
    () => bootstrapInterval([], { seed: 1 }),
    "RangeError",
    "data must hold at least 2 values (a sample standard deviation divides by n − 1), got an empty array",
  );
  err(
    () => meanSpread([]),
    "RangeError",
    "values must hold at least 2 values (a sample standard deviation divides by n − 1), got an empty array",
  );
  err(() => meanSpread([0.8]), "RangeError", /^values must hold at least 2 values .*, got 1$/);
  err(() => separated([], [1, 2]), "RangeError", /^a must hold at least 2 values/);
  err(
    () => summarizeBySeeds([], { by: [], metrics: ["acc"] }),
    "RangeError",
    "rows must hold at least one run, got none",
  );
  // bad values
  err(
    () => pairedDifference([1, 2], [1, 0]),
    "RangeError",
    "correctA[1] must be true, false, 1 or 0 (was the example classified correctly), got 2",
  );
  err(() => pairedDifference([1, 0], [1, "0"] as never), "TypeError", /^correctB\[1\] must be/);
  err(() => meanSpread([1, NaN]), "RangeError", "values[1] must be a finite number, got NaN");
  err(() => meanSpread("12" as never), "TypeError", 'values must be an array of numbers, got "12"');
  err(
    () => bootstrapInterval([1, 2, 3], () => NaN, { seed: 1 }),
    "RangeError",
    "statistic must return a finite number, got NaN on the data",
  );
  err(
    () => bootstrapInterval([[1, 2], [3, 4]] as never, { seed: 1 }),
    "TypeError",
    /^statistic must be a function when data holds paired arrays/,
  );
  err(
    () => bootstrapInterval([1, 2, 3], { resamples: 10 }),
    "RangeError",
    "options.resamples must be an integer >= 100, got 10",
  );
  err(
    () => bootstrapInterval([1, 2, 3], { seed: "1" } as never),
    "TypeError",
    'options.seed must be an integer, got "1"',
  );
  const runs = [{ lr: 0.1, acc: 0.8 }, { lr: 0.1, acc: 0.9 }, { lr: 0.01, acc: 0.7 }];
  err(
    () => summarizeBySeeds(runs, { by: ["lrr"], metrics: ["acc"] }),
    "RangeError",
    'options.by[0] must name a column of rows ("lr", "acc"), got "lrr"',
  );
  err(
    () => summarizeBySeeds(runs, { by: ["lr"], metrics: ["acc"] }),
    "RangeError",
    "rows must hold at least 2 runs of every setting (a sample sd divides by n − 1), got 1 for the setting lr = 0.01 (rows[2])",
  );
  err(
    () => summarizeBySeeds([...runs, { lr: 0.01, acc: null }], { by: ["lr"], metrics: ["acc"] }),
    "TypeError",
    "rows[3].acc must be a finite number, got null",
  );
  err(
    () => summarizeBySeeds(runs, { by: ["lr"], metrics: [] }),
    "RangeError",
    "options.metrics must name at least 1 column, got an empty array",
  );
  err(
    () =>
      summarizeBySeeds([{ n: 1, acc: 0.8 }, { n: 1, acc: 0.9 }], { by: ["n"], metrics: ["acc"] }),
    "RangeError",
    'options.by and options.metrics must give the summary distinct column names, got two named "n" (rename that column of rows)',
  );
  err(
    () => summarizeBySeeds(runs, { by: ["lr"], metrics: ["lr"] }),
    "RangeError",
    'options.metrics must not name a column of options.by, got "lr" in both',
  );
});
