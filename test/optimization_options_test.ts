/** Every options object of the optimization modules rejects a misspelt name and lists the valid ones. */
import { updateCurves } from "../lib/charts/update_curves.ts";
import { contourChart } from "../lib/charts/contour.ts";
import { scheduleChart } from "../lib/charts/schedule_chart.ts";
import { cosineDecay, exponentialDecay, inverseTimeDecay, stepDecay } from "../lib/schedules.ts";
import { contourGrid, ravine, rosenbrock, trajectory } from "../lib/surfaces.ts";
import { optionTableTests } from "./_options_table.ts";

const BATCHES = [{ step: 1, epoch: 1, batch: 1, size: 4, loss: 0.7, seconds: 0.01 }];
const GRID = contourGrid(ravine(), { resolution: 8 });
const descend = (p: number[], g: number[]) => p.map((v, i) => v - 0.01 * g[i]);

optionTableTests([
  { name: "ravine", call: (o) => ravine(o), valid: ["angle", "a", "b"], example: 0.3 },
  { name: "rosenbrock", call: (o) => rosenbrock(o), valid: ["a", "b"], example: 1 },
  {
    name: "contourGrid",
    call: (o) => contourGrid(ravine(), o),
    valid: ["resolution", "logScale", "domain"],
    example: 8,
  },
  {
    name: "trajectory",
    call: (o) => trajectory(ravine(), descend, o),
    valid: ["steps", "start"],
    base: { steps: 3 },
    example: 4,
  },
  {
    name: "stepDecay",
    call: (o) => stepDecay(o),
    valid: ["every", "initial", "factor"],
    base: { initial: 0.1, factor: 0.5, every: 10 },
    example: 5,
  },
  {
    name: "exponentialDecay",
    call: (o) => exponentialDecay(o),
    valid: ["every", "initial", "rate"],
    base: { initial: 0.1, rate: 0.9 },
    example: 10,
  },
  {
    name: "inverseTimeDecay",
    call: (o) => inverseTimeDecay(o),
    valid: ["every", "initial", "rate"],
    base: { initial: 0.1, rate: 0.5 },
    example: 10,
  },
  {
    name: "cosineDecay",
    call: (o) => cosineDecay(o),
    valid: ["final", "initial", "steps"],
    base: { initial: 0.1, steps: 10 },
    example: 0.01,
  },
  {
    name: "updateCurves",
    call: (o) => updateCurves([{ name: "a", batches: BATCHES }], o),
    valid: [
      "smooth",
      "x",
      "raw",
      "logX",
      "logY",
      "yDomain",
      "maxPoints",
      "title",
      "subtitle",
      "yTitle",
      "width",
      "height",
    ],
    example: 0.9,
  },
  {
    name: "contourChart",
    call: (o) => contourChart(GRID, o),
    valid: [
      "levels",
      "trajectories",
      "logScale",
      "points",
      "title",
      "subtitle",
      "xTitle",
      "yTitle",
      "valueTitle",
      "pathTitle",
      "width",
      "height",
    ],
    example: 5,
  },
  {
    name: "scheduleChart",
    call: (o) => scheduleChart([{ name: "c", schedule: () => 0.1 }], o),
    valid: ["logY", "steps", "title", "subtitle", "xTitle", "yTitle", "width", "height"],
    base: { steps: 10 },
    example: true,
  },
]);
