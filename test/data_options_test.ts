import assert from "node:assert/strict";
import { toDataFrame } from "../lib/datasets.ts";
import {
  makeBlobs,
  makeCircles,
  makeCorrelated,
  makeMoons,
  makeRegression1d,
  makeSpirals,
  makeXor,
} from "../lib/synthetic.ts";
import {
  kFold,
  splitSizes,
  stratifiedKFold,
  trainDevTestSplit,
  trainTestSplit,
} from "../lib/split.ts";
import { loadBreastCancer, loadDiabetes, loadIris, loadWine } from "../lib/tabular.ts";

/** Calls a function with its options object; `any` lets a test pass a misspelt name. */
// deno-lint-ignore no-explicit-any
type Call = (options: any) => unknown;

const moons = makeMoons(20, { seed: 1 });

/** Every public function of the data modules that takes options, with its valid names. */
const functions: [string, Call, string[]][] = [
  ["makeMoons", (o) => makeMoons(10, o), ["noise", "seed"]],
  ["makeCircles", (o) => makeCircles(10, o), ["noise", "factor", "seed"]],
  ["makeSpirals", (o) => makeSpirals(10, o), ["numClasses", "noise", "turns", "seed"]],
  ["makeXor", (o) => makeXor(10, o), ["noise", "distribution", "seed"]],
  ["makeBlobs", (o) => makeBlobs(10, o), ["centers", "std", "dim", "centerBox", "seed"]],
  ["makeRegression1d", (o) => makeRegression1d(10, o), ["noise", "fn", "xRange", "seed"]],
  [
    "makeCorrelated",
    (o) => makeCorrelated(10, o),
    [
      "groups",
      "groupSize",
      "correlation",
      "numIrrelevant",
      "coefficients",
      "task",
      "noise",
      "seed",
    ],
  ],
  ["toDataFrame", (o) => toDataFrame(moons, o), ["classColumn"]],
  ["splitSizes", (o) => splitSizes(100, o), ["devFrac", "testFrac"]],
  ["trainTestSplit", (o) => trainTestSplit(moons, o), ["testFrac", "seed", "stratify"]],
  [
    "trainDevTestSplit",
    (o) => trainDevTestSplit(moons, o),
    ["devFrac", "testFrac", "seed", "stratify"],
  ],
  ["kFold", (o) => kFold(20, 4, o), ["seed", "shuffle"]],
  ["stratifiedKFold", (o) => stratifiedKFold(moons.y, 4, o), ["seed", "shuffle"]],
  ["loadBreastCancer", (o) => loadBreastCancer(o), ["dataDir"]],
  ["loadWine", (o) => loadWine(o), ["dataDir"]],
  ["loadIris", (o) => loadIris(o), ["dataDir"]],
  ["loadDiabetes", (o) => loadDiabetes(o), ["dataDir"]],
];

Deno.test("a misspelt option is a TypeError that names it and lists the valid ones", async (t) => {
  for (const [name, call, valid] of functions) {
    await t.step(name, () => {
      // A near miss of the first valid name, and one that is set to undefined.
      for (const bad of [`${valid[0]}s`, "seeds"]) {
        for (const value of [0.5, undefined]) {
          assert.throws(() => call({ [bad]: value }), (err: unknown) => {
            assert.ok(err instanceof TypeError, `expected a TypeError, got ${err}`);
            const message = (err as Error).message;
            assert.ok(message.includes(`"${bad}"`), message);
            for (const v of valid) assert.ok(message.includes(v), `${v} missing: ${message}`);
            return true;
          });
        }
      }
    });
  }
});

Deno.test("options that are not an object are a TypeError", async (t) => {
  for (const [name, call] of functions) {
    await t.step(name, () => {
      for (const value of [5, "seed", null, [1]]) {
        assert.throws(() => call(value), {
          name: "TypeError",
          message: /^options must be an object, got /,
        });
      }
    });
  }
});

Deno.test("every valid option name is accepted", async (t) => {
  for (const [name, call, valid] of functions) {
    await t.step(name, () => {
      // undefined means "use the default", so each valid name alone must not throw.
      for (const v of valid) call({ [v]: undefined });
      call(undefined);
      call({});
    });
  }
});
