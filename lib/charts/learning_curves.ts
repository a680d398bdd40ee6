/**
 * Learning curves: loss and accuracy per epoch, train against validation, one or more runs.
 *
 * @module
 */
import { chartConfig, round, titleOf, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./_common.ts";
import {
  checkFinite,
  checkNonEmptyArray,
  checkObject,
  checkOptions,
  checkPositive,
  checkString,
  describe,
  quoteList,
} from "../_validate.ts";

/** One epoch of a training history (lib's `EpochLog` has this shape). */
export interface EpochRecord {
  /** Epoch number. */
  epoch: number;
  /** Training loss. */
  loss: number;
  /** Training accuracy. */
  acc?: number;
  /** Validation loss. */
  valLoss?: number;
  /** Validation accuracy. */
  valAcc?: number;
}

/** A named training history, for comparing runs in one chart. */
export interface NamedRun {
  /** The run's name in the legend. */
  name: string;
  /** Its per-epoch records. */
  epochs: readonly EpochRecord[];
}

/** A vertical marker at an epoch, such as the best epoch or where training stopped. */
export interface EpochMark {
  /** Where the rule goes. */
  epoch: number;
  /** The label written next to it. */
  label: string;
}

/** Options of {@link learningCurves}. */
export interface LearningCurvesOptions {
  /**
   * Metrics to draw, one panel each. For a metric `m` the training value is the record's field
   * `m` and the validation value is `valM` (e.g. `acc` and `valAcc`).
   * @default ["loss", "acc"] (those the records have)
   */
  metrics?: readonly string[];
  /** Chart title. @default "Learning curves" */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /** Vertical rules with labels, drawn in every panel. @default [] */
  marks?: readonly EpochMark[];
  /** Width of one panel in pixels. @default 320 */
  width?: number;
  /** Height of one panel in pixels. @default 220 */
  height?: number;
  /** Draw the loss axis on a log scale (losses must then be positive). @default false */
  logLoss?: boolean;
}

/** The option names LearningCurvesOptions allows, for the misspelling check. */
const LEARNING_CURVES_OPTIONS = Object.keys(
  {
    metrics: true,
    title: true,
    subtitle: true,
    marks: true,
    width: true,
    height: true,
    logLoss: true,
  } satisfies Record<
    keyof LearningCurvesOptions,
    true
  >,
);

const METRIC_TITLES: Record<string, string> = {
  loss: "Loss",
  acc: "Accuracy",
  accuracy: "Accuracy",
  mse: "Mean squared error",
  mae: "Mean absolute error",
};

/** The record field holding the validation value of `metric`: `loss` -> `valLoss`. */
function _valField(metric: string): string {
  return `val${metric.charAt(0).toUpperCase()}${metric.slice(1)}`;
}

/** Normalises the `runs` argument to named runs, checking every record. */
function _namedRuns(runs: unknown): { name: string; epochs: Record<string, unknown>[] }[] {
  if (
    typeof runs === "object" && runs !== null && !Array.isArray(runs) &&
    Array.isArray((runs as { epochs?: unknown }).epochs)
  ) {
    // A History object: its epoch records are one run.
    const epochs = checkNonEmptyArray<unknown>(
      (runs as { epochs: unknown }).epochs,
      "runs.epochs",
      "epoch records",
    );
    return [{ name: "model", epochs: epochs.map((e, j) => _checkRecord(e, `runs.epochs[${j}]`)) }];
  }
  const items = checkNonEmptyArray<unknown>(
    runs,
    "runs",
    "epoch records or {name, epochs} runs",
  );
  const first = checkObject(items[0], "runs[0]");
  const named = Array.isArray(first.epochs);
  const out: { name: string; epochs: Record<string, unknown>[] }[] = [];
  if (named) {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const run = checkObject(item, `runs[${i}]`);
      const name = checkString(run.name, `runs[${i}].name`);
      if (seen.has(name)) {
        throw new RangeError(`runs[${i}].name must be unique, got ${describe(name)} twice`);
      }
      seen.add(name);
      const epochs = checkNonEmptyArray<unknown>(
        run.epochs,
        `runs[${i}].epochs`,
        "epoch records",
      );
      out.push({ name, epochs: epochs.map((e, j) => _checkRecord(e, `runs[${i}].epochs[${j}]`)) });
    });
  } else {
    out.push({ name: "model", epochs: items.map((e, j) => _checkRecord(e, `runs[${j}]`)) });
  }
  return out;
}

function _checkRecord(value: unknown, name: string): Record<string, unknown> {
  const record = checkObject(value, name);
  checkFinite(record.epoch, `${name}.epoch`);
  if (typeof record.loss !== "number") {
    throw new TypeError(`${name}.loss must be a number, got ${describe(record.loss)}`);
  }
  return record;
}

/**
 * Learning curves: one panel per metric (loss, accuracy), the epoch on x, training values as
 * solid lines and validation values as dashed lines. With several runs each run has its own
 * colour. Optional vertical rules mark epochs such as the best validation loss or where early
 * stopping ended training.
 *
 * Values that are not finite (a diverged loss) are left out of the lines.
 *
 * @param runs One history (a `History`, or its array of epoch records), or several as
 *   `{name, epochs}`.
 * @param options Metrics, title, marks and panel size.
 * @returns A fresh Vega-Lite v5 spec (horizontal concatenation of the metric panels).
 *
 * @example Train against validation loss with the best epoch marked
 * ```ts
 * import { learningCurves } from "./learning_curves.ts";
 * const epochs = [1, 2, 3, 4].map((epoch) => ({
 *   epoch, loss: 1 / epoch, acc: 1 - 0.5 / epoch, valLoss: 1 / epoch + 0.1 * epoch, valAcc: 0.7,
 * }));
 * const spec = learningCurves(epochs, { marks: [{ epoch: 2, label: "best epoch" }] });
 * if ((spec.hconcat as unknown[]).length !== 2) throw new Error("expected loss and accuracy panels");
 * ```
 */
export function learningCurves(
  runs: readonly EpochRecord[] | readonly NamedRun[] | { readonly epochs: readonly EpochRecord[] },
  options: LearningCurvesOptions = {},
): VegaLiteSpec {
  checkOptions(options, LEARNING_CURVES_OPTIONS);
  const named = _namedRuns(runs);
  const width = checkPositive(options.width ?? 320, "options.width");
  const height = checkPositive(options.height ?? 220, "options.height");
  const logLoss = options.logLoss ?? false;
  if (typeof logLoss !== "boolean") {
    throw new TypeError(`options.logLoss must be a boolean, got ${describe(logLoss)}`);
  }

  const hasValues = (metric: string): boolean =>
    named.some((run) =>
      run.epochs.some((e) =>
        Number.isFinite(e[metric] as number) || Number.isFinite(e[_valField(metric)] as number)
      )
    );
  let metrics: string[];
  if (options.metrics === undefined) {
    metrics = ["loss", "acc"].filter(hasValues);
  } else {
    metrics = checkNonEmptyArray<unknown>(options.metrics, "options.metrics", "metric names")
      .map((m, i) => checkString(m, `options.metrics[${i}]`));
    const available = new Set<string>();
    for (const run of named) {
      for (const e of run.epochs) {
        for (const [key, v] of Object.entries(e)) {
          if (key !== "epoch" && typeof v === "number" && Number.isFinite(v)) {
            available.add(key.startsWith("val") ? _lowerFirst(key.slice(3)) : key);
          }
        }
      }
    }
    for (const m of metrics) {
      if (!hasValues(m)) {
        throw new RangeError(
          `options.metrics must name metrics the records have (${quoteList([...available])}), got ${
            describe(m)
          }`,
        );
      }
    }
  }
  if (metrics.length === 0) {
    throw new RangeError("runs must contain at least one finite loss or accuracy value, got none");
  }

  const rawMarks: unknown = options.marks ?? [];
  if (!Array.isArray(rawMarks)) {
    throw new TypeError(
      `options.marks must be an array of {epoch, label} marks, got ${describe(rawMarks)}`,
    );
  }
  const marks = rawMarks.map((m, i) => {
    const mark = checkObject(m, `options.marks[${i}]`);
    return {
      epoch: checkFinite(mark.epoch, `options.marks[${i}].epoch`),
      label: checkString(mark.label, `options.marks[${i}].label`, true),
      offset: 4 + 18 * i,
      side: "right",
    };
  });

  const rows: Record<string, unknown>[] = [];
  const splits = new Set<string>();
  for (const run of named) {
    for (const e of run.epochs) {
      for (const metric of metrics) {
        for (const [split, field] of [["train", metric], ["validation", _valField(metric)]]) {
          const v = e[field];
          if (typeof v === "number" && Number.isFinite(v)) {
            if (logLoss && metric === "loss" && v <= 0) {
              throw new RangeError(
                `options.logLoss needs positive losses, got ${field} = ${v} at epoch ${e.epoch}`,
              );
            }
            splits.add(split);
            rows.push({ run: run.name, epoch: e.epoch, metric, split, value: round(v) });
          }
        }
      }
    }
  }
  // A label goes right of its rule unless the next rule would cross it (about 7.5 px per
  // character at 13 px) or it would run past the panel's right edge, in which case it goes
  // left, if there is room.
  const epochValues = rows.map((r) => r.epoch as number);
  const minEpoch = Math.min(...epochValues), maxEpoch = Math.max(...epochValues);
  const pxPerEpoch = width / Math.max(maxEpoch - minEpoch, 1e-9);
  const byEpoch = [...marks].sort((a, b) => a.epoch - b.epoch);
  byEpoch.forEach((m, k) => {
    const next = byEpoch[k + 1];
    const labelPx = 7.5 * m.label.length + 10;
    const roomRight = (Math.min(next?.epoch ?? Infinity, maxEpoch) - m.epoch) * pxPerEpoch;
    if (roomRight < labelPx && (m.epoch - minEpoch) * pxPerEpoch >= labelPx) {
      m.side = "left";
    }
  });

  const splitDomain = ["train", "validation"].filter((s) => splits.has(s));
  const dashRange = splitDomain.map((s) => (s === "train" ? [1, 0] : [7, 4]));
  const runNames = named.map((r) => r.name);
  const several = named.length > 1;

  const color = several ? { field: "run", type: "nominal", title: "Run", sort: runNames } : {
    field: "split",
    type: "nominal",
    title: "Set",
    scale: {
      domain: splitDomain,
      range: splitDomain.map((s) => (s === "train" ? "#1f77b4" : "#e6550d")),
    },
  };
  const strokeDash = {
    field: "split",
    type: "nominal",
    title: "Set",
    scale: { domain: splitDomain, range: dashRange },
  };

  const panels = metrics.map((metric) => {
    const metricTitle = METRIC_TITLES[metric] ?? metric;
    const layer: Record<string, unknown>[] = [{
      name: `curve_${metric}`,
      transform: [{ filter: { field: "metric", equal: metric } }],
      mark: { type: "line", strokeWidth: 2.5, clip: true },
      encoding: {
        x: {
          field: "epoch",
          type: "quantitative",
          title: "Epoch",
          axis: { tickMinStep: 1 },
          scale: { zero: false, nice: false },
        },
        y: {
          field: "value",
          type: "quantitative",
          title: metricTitle,
          scale: logLoss && metric === "loss" ? { type: "log" } : { zero: false },
        },
        color: structuredClone(color),
        strokeDash: structuredClone(strokeDash),
        tooltip: [
          ...(several ? [{ field: "run", type: "nominal", title: "Run" }] : []),
          { field: "split", type: "nominal", title: "Set" },
          { field: "epoch", type: "quantitative", title: "Epoch" },
          { field: "value", type: "quantitative", title: metricTitle, format: ".4f" },
        ],
      },
    }];
    if (marks.length > 0) {
      layer.push({
        name: `rule_${metric}`,
        data: { values: marks.map((m) => ({ ...m })) },
        mark: { type: "rule", color: "#555555", strokeDash: [4, 3], strokeWidth: 1.5 },
        encoding: { x: { field: "epoch", type: "quantitative" } },
      });
      // Each label twice: a thick white copy underneath keeps it readable across lines.
      for (const side of ["left", "right"]) {
        if (!marks.some((m) => m.side === side)) continue;
        for (const halo of [true, false]) {
          layer.push({
            name: `${halo ? "halo" : "label"}_${side}_${metric}`,
            data: { values: marks.map((m) => ({ ...m })) },
            transform: [{ filter: { field: "side", equal: side } }],
            mark: {
              type: "text",
              align: side === "right" ? "left" : "right",
              baseline: "top",
              dx: side === "right" ? 4 : -4,
              fontSize: 13,
              color: "#333333",
              ...(halo
                ? { stroke: "white", strokeWidth: 4, strokeJoin: "round", aria: false }
                : {}),
            },
            encoding: {
              x: { field: "epoch", type: "quantitative" },
              y: { field: "offset", type: "quantitative", scale: null },
              text: { field: "label", type: "nominal" },
            },
          });
        }
      }
    }
    return { title: { text: metricTitle, fontSize: 15 }, width, height, layer };
  });

  const spec: VegaLiteSpec = {
    $schema: VEGA_LITE_SCHEMA,
    title: titleOf(options.title ?? "Learning curves", options.subtitle),
    data: { values: rows },
    hconcat: panels,
    resolve: { scale: { color: "shared", strokeDash: "shared" } },
    config: chartConfig(),
  };
  return spec;
}

function _lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
