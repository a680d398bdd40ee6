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
import { type Call, optionTableTests } from "./_options_table.ts";

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

// The data functions are synchronous: a rejected option must throw at the call.
optionTableTests(functions.map(([name, call, valid]) => ({ name, call, valid })), { sync: true });
