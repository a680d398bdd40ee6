/**
 * A confusion matrix as a heat map: actual classes down, predicted classes across, each cell
 * coloured by its count (or its share of the actual class) with the number written in it.
 *
 * @module
 */
import {
  chartConfig,
  checkAngle,
  titleOf,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
} from "./_common.ts";
import { cellText } from "./_cell_text.ts";
import { perClassAccuracy } from "../confusion.ts";
import { checkOneOf, checkOptions, checkPositive, checkString, describe } from "../_validate.ts";

/** Options of {@link confusionMatrixChart}. */
export interface ConfusionMatrixChartOptions {
  /**
   * "row" colours and labels each cell with its share of the actual class (row i divided by
   * its sum, so the diagonal is each class's accuracy); "none" shows the counts.
   * @default "none"
   */
  normalize?: "none" | "row";
  /** Chart title. @default undefined */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /** Side of a square cell in pixels. @default 46 */
  cellSize?: number;
  /**
   * Angle of the predicted-class labels in degrees.
   * @default -40 when a class name is wider than a cell (about 8 px per character), else 0
   */
  labelAngle?: number;
  /** Vega colour scheme of the cells, light for few and dark for many. @default "blues" */
  scheme?: string;
}

const CONFUSION_CHART_OPTIONS = Object.keys(
  {
    normalize: true,
    title: true,
    subtitle: true,
    cellSize: true,
    labelAngle: true,
    scheme: true,
  } satisfies Record<keyof ConfusionMatrixChartOptions, true>,
);

/** Most classes the chart draws (10 000 cells). */
const MAX_CLASSES = 100;
/** Rough width of one character of an axis label (13 px Helvetica), for the label angle. */
const CHAR_WIDTH = 8;

/**
 * Draws a confusion matrix as a heat map: row i is actual class i, column j predicted class
 * j, cell (i, j) coloured by Cᵢⱼ with the count written in it (light text on dark cells, grey
 * text for zeros, so the mistakes stand out). With `normalize: "row"` each cell shows
 * Cᵢⱼ / Σₖ Cᵢₖ instead, the share of class i's examples predicted as j, so rows sum to 1 and
 * the diagonal is the per-class accuracy; a class with no examples then shows "–". Class
 * names run in the given order along both axes; long names on the horizontal axis are turned.
 *
 * @param matrix K rows of K counts, rows actual classes, columns predicted ones (as
 *   `confusionMatrix` returns it).
 * @param classNames The K class names, in label order.
 * @param options Normalization, titles, cell size, label angle and colour scheme.
 * @returns A fresh Vega-Lite v5 spec.
 *
 * @example Three classes, counts and row shares
 * ```ts
 * import { confusionMatrixChart } from "./confusion_matrix.ts";
 * const matrix = [[8, 2, 0], [1, 9, 0], [0, 3, 7]];
 * const names = ["T-shirt/top", "Shirt", "Ankle boot"];
 * const spec = confusionMatrixChart(matrix, names, { normalize: "row", title: "Test set" });
 * const cells = (spec.data as { values: { text: string }[] }).values;
 * if (cells.length !== 9 || cells[0].text !== "0.80") throw new Error(JSON.stringify(cells[0]));
 * ```
 */
export function confusionMatrixChart(
  matrix: readonly (readonly number[])[],
  classNames: readonly string[],
  options: ConfusionMatrixChartOptions = {},
): VegaLiteSpec {
  const opts = checkOptions(options, CONFUSION_CHART_OPTIONS);
  // The same checks as perClassAccuracy: a non-empty square array of counts >= 0.
  perClassAccuracy(matrix);
  const k = matrix.length;
  if (k > MAX_CLASSES) {
    throw new RangeError(`matrix must have at most ${MAX_CLASSES} classes to draw, got ${k}`);
  }
  if (!Array.isArray(classNames)) {
    throw new TypeError(
      `classNames must be an array of ${k} class names, got ${describe(classNames)}`,
    );
  }
  if (classNames.length !== k) {
    throw new RangeError(
      `classNames must name the matrix's ${k} classes, got ${classNames.length} names`,
    );
  }
  classNames.forEach((name, i) => checkString(name, `classNames[${i}]`));
  if (new Set(classNames).size !== k) {
    const twice = classNames.find((name, i) => classNames.indexOf(name) !== i);
    throw new RangeError(`classNames must be distinct, got ${describe(twice)} twice`);
  }
  const normalize = checkOneOf(opts.normalize ?? "none", "options.normalize", ["none", "row"]);
  const cellSize = checkPositive(opts.cellSize ?? 46, "options.cellSize");
  const widest = Math.max(...classNames.map((name) => name.length)) * CHAR_WIDTH;
  const labelAngle = checkAngle(
    opts.labelAngle ?? (widest > cellSize ? -40 : 0),
    "options.labelAngle",
  );
  const scheme = checkString(opts.scheme ?? "blues", "options.scheme");
  const title = titleOf(opts.title, opts.subtitle);

  const rows = normalize === "row";
  const values = matrix.flatMap((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, j) => {
      const fraction = total > 0 ? count / total : null;
      return {
        actual: classNames[i],
        predicted: classNames[j],
        count,
        ...(rows ? { fraction } : {}),
        value: rows ? fraction ?? 0 : count,
        text: rows ? (fraction === null ? "–" : fraction.toFixed(2)) : cellText(count, 3),
      };
    });
  });
  const hi = rows ? 1 : Math.max(1, ...values.map((v) => v.count));
  const position = {
    x: {
      field: "predicted",
      type: "nominal",
      sort: [...classNames],
      title: "predicted",
      axis: { labelAngle },
    },
    y: { field: "actual", type: "nominal", sort: [...classNames], title: "actual" },
  };
  const valueTitle = rows ? "share of actual class" : "count";
  const layer = [
    {
      name: "cells",
      mark: { type: "rect", stroke: "white", strokeWidth: 1 },
      encoding: {
        ...position,
        color: {
          field: "value",
          type: "quantitative",
          title: valueTitle,
          scale: { scheme, domain: [0, hi] },
          legend: { titleLimit: 300 },
        },
        tooltip: [
          { field: "actual", title: "actual" },
          { field: "predicted", title: "predicted" },
          { field: "count", type: "quantitative", title: "count" },
          ...(rows
            ? [{ field: "fraction", type: "quantitative", title: valueTitle, format: ".1%" }]
            : []),
        ],
      },
    },
    {
      name: "cell_labels",
      mark: { type: "text", fontSize: 12 },
      encoding: {
        ...structuredClone(position),
        text: { field: "text" },
        // Grey for empty cells, so the mistakes stand out; light text on the dark half.
        color: {
          condition: [
            { test: "datum.count === 0", value: "#8c8c8c" },
            { test: `datum.value > ${hi / 2}`, value: "white" },
          ],
          value: "black",
        },
      },
    },
  ];
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title ? { title } : {}),
    data: { values },
    width: { step: cellSize },
    height: { step: cellSize },
    layer,
    config: chartConfig(),
  };
}
