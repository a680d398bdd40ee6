/** What lessons see of lib: the names `lib/mod.ts` exports and how its functions take options. */
import assert from "node:assert/strict";
import * as backend from "../lib/backend.ts";
import * as charts from "../lib/charts.ts";
import * as display from "../lib/display.ts";
import * as live from "../lib/live.ts";
import { optionTableTests } from "./_options_table.ts";

// The option checks are reached through the modules that define them, so they run even while
// another module that lib/mod.ts re-exports is being changed.
const lib = { ...backend, ...charts, ...display, ...live };

Deno.test("lib/mod.ts exports no _-prefixed name", async () => {
  const mod = await import("../lib/mod.ts");
  const hidden = Object.keys(mod).filter((name) => name.startsWith("_")).sort();
  assert.deepEqual(hidden, [], `private names a lesson could reach: ${hidden.join(", ")}`);
});

const SPEC: charts.VegaLiteSpec = {
  $schema: charts.VEGA_LITE_SCHEMA,
  data: { values: [{ a: 1, b: 2 }, { a: 2, b: 3 }] },
  mark: "line",
  encoding: { x: { field: "a", type: "quantitative" }, y: { field: "b", type: "quantitative" } },
};
/** Runs `f` without its console.log lines: outside the kernel, show() and live output print. */
async function quietly<T>(f: () => T | Promise<T>): Promise<T> {
  const log = console.log;
  console.log = () => {};
  try {
    return await f();
  } finally {
    console.log = log;
  }
}

const EPOCHS = [{ epoch: 1, loss: 0.9 }, { epoch: 2, loss: 0.5 }];
const GRID = [0, 1].flatMap((x1) => [0, 1].map((x2) => ({ x1, x2, p: x1 })));
const LAMBDA_ROWS = [{ lambda: 0, train: 0.9, test: 0.8 }, {
  lambda: 0.1,
  train: 0.85,
  test: 0.84,
}];
const PATH_ROWS = [
  { lambda: 0.01, weight: "w1", value: 0.5 },
  { lambda: 0.1, weight: "w1", value: 0.2 },
];

/**
 * One row per public function that takes an options object: the call with extra options, a
 * misspelt option name and the valid name it stands for, and a value valid for that option.
 */
const OPTION_CALLS: [string, (extra: object) => unknown, string, string, unknown][] = [
  ["learningCurves", (o) => lib.learningCurves(EPOCHS, o), "titel", "title", "Loss"],
  [
    "decisionBoundary",
    (o) => lib.decisionBoundary([{ title: "a", grid: GRID }], o),
    "colums",
    "columns",
    2,
  ],
  [
    "weightDistribution",
    (o) => lib.weightDistribution([{ name: "w", values: [1, 2, 3] }], o),
    "kinds",
    "kind",
    "histogram",
  ],
  [
    "metricBars",
    (o) => lib.metricBars([{ model: "m", metric: "acc", value: 0.9 }], o),
    "heigth",
    "height",
    200,
  ],
  ["tableView", (o) => lib.tableView([{ a: 1 }], o), "maxrows", "maxRows", 3],
  [
    "lineChart",
    (o) => lib.lineChart([{ a: 1, b: 2 }], { x: "a", y: "b", ...o }),
    "logy",
    "logY",
    true,
  ],
  ["scatter", (o) => lib.scatter([{ x1: 0, x2: 1, label: 0 }], o), "pointsize", "pointSize", 9],
  [
    "heatmap",
    (o) => lib.heatmap([{ r: "a", c: "b", v: 1 }], { x: "c", y: "r", value: "v", ...o }),
    "cellsize",
    "cellSize",
    9,
  ],
  [
    "activationHistograms",
    (o) =>
      lib.activationHistograms([{ layer: "d", histogram: [{ start: 0, end: 1, count: 2 }] }], o),
    "column",
    "columns",
    2,
  ],
  [
    "regularizationPathChart",
    (o) => lib.regularizationPathChart(PATH_ROWS, o),
    "highlights",
    "highlight",
    ["w1"],
  ],
  [
    "networkDiagram",
    (o) => lib.networkDiagram([{ title: "net", layers: [[[1, -1]]] }], o),
    "maxStroke",
    "maxStrokeWidth",
    3,
  ],
  ["accuracyVsLambda", (o) => lib.accuracyVsLambda(LAMBDA_ROWS, o), "metric", "metrics", ["train"]],
  ["show", (o) => quietly(() => lib.show(SPEC, o)), "displayID", "displayId", "d"],
  [
    "liveChart",
    (o) => quietly(() => lib.liveChart(SPEC, o).done()),
    "minIntervall",
    "minInterval",
    1,
  ],
  [
    "progressLine",
    (o) => quietly(() => lib.progressLine("x", o).done()),
    "interval",
    "minInterval",
    1,
  ],
  ["notebookProgress", (o) => lib.notebookProgress("line", o), "min_interval", "minInterval", 1],
  ["liveCurves", (o) => lib.liveCurves("Run 1", o), "evry", "every", 5],
  ["liveRuns", (o) => lib.liveRuns(o), "sub_title", "subtitle", "masks on"],
  ["setup", (o) => lib.setup(1, { backend: "cpu", ...o }), "seeds", "backend", "cpu"],
];

// These calls spread the options into the required settings, so a non-object never reaches a check.
const SPREAD = ["lineChart", "heatmap", "setup"];

optionTableTests(
  OPTION_CALLS.map(([name, call, wrong, valid, value]) => ({
    name,
    call,
    valid: [valid],
    misspelt: [wrong],
    example: value,
    objectOnly: !SPREAD.includes(name),
  })),
);
