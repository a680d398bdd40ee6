/**
 * A small network drawn as a diagram: units as circles in columns, one line per weight whose
 * width shows |w| and whose colour shows its sign. Several networks side by side share one
 * width scale, so "before" and "after" compare directly.
 *
 * @module
 */
import { chartConfig, round, titleOf, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./_common.ts";
import {
  checkNonEmptyArray,
  checkObject,
  checkOptions,
  checkPositive,
  checkString,
  describe,
} from "../_validate.ts";

/** A kernel as nested arrays: row i holds input i's weights to each unit ([inputs][units]). */
export type Kernel = readonly (readonly number[])[];

/** One network to draw. */
export interface NetworkPanel {
  /** Panel title, e.g. "before L1". */
  title: string;
  /** A second, smaller title line, e.g. the share of zero weights. @default undefined */
  subtitle?: string;
  /**
   * The kernels, input side first: plain [inputs][units] arrays, or `{ kernel }` objects
   * such as `layerWeights(model)` returns. Each kernel's inputs must equal the previous
   * kernel's units.
   */
  layers: readonly (Kernel | { kernel: Kernel })[];
  /** Names of the input units, written left of them. @default none */
  inputNames?: readonly string[];
}

/** Options of {@link networkDiagram}. */
export interface NetworkDiagramOptions {
  /** Width of one panel in pixels. @default 300 */
  width?: number;
  /** Height of one panel in pixels. @default 260 */
  height?: number;
  /** Line width of the largest |w| over all panels, in pixels. @default 7 */
  maxStrokeWidth?: number;
  /** Overall title. @default undefined */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
}

/** The option names NetworkDiagramOptions allows, for the misspelling check. */
const NETWORK_DIAGRAM_OPTIONS = Object.keys(
  { width: true, height: true, maxStrokeWidth: true, title: true, subtitle: true } satisfies Record<
    keyof NetworkDiagramOptions,
    true
  >,
);

const POSITIVE = "#c0392b";
const NEGATIVE = "#2166ac";

function _kernelOf(layer: unknown, where: string): number[][] {
  const k = (typeof layer === "object" && layer !== null && !Array.isArray(layer))
    ? (layer as { kernel?: unknown }).kernel
    : layer;
  if (!Array.isArray(k) || k.length === 0) {
    throw new TypeError(
      `${where} must be a non-empty [inputs][units] array or an object with such a kernel, got ${
        describe(layer)
      }`,
    );
  }
  const units = Array.isArray(k[0]) ? k[0].length : -1;
  k.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== units || units === 0) {
      throw new TypeError(
        `${where}[${i}] must be an array of ${units > 0 ? units : "one or more"} numbers, got ${
          describe(row)
        }`,
      );
    }
    row.forEach((v, j) => {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new TypeError(`${where}[${i}][${j}] must be a finite number, got ${describe(v)}`);
      }
    });
  });
  return k as number[][];
}

/** The vertical position of unit j of n: spread evenly, first unit on top. */
function _y(j: number, n: number): number {
  return round(1 - (j + 1) / (n + 1), 4);
}

/**
 * Draws each network as a diagram: a column of circles per layer (inputs, hidden layers,
 * outputs) and a line from every unit to every unit of the next layer whose width is
 * proportional to |w| (0 draws nothing) and whose colour is its sign (red positive, blue
 * negative). Stronger weights are drawn on top. All panels share one width scale.
 *
 * @param panels One network per panel, side by side.
 * @param options Size, line width, titles.
 * @returns A fresh Vega-Lite v5 spec.
 *
 * @example A 2-3-1 network before and after two weights were zeroed
 * ```ts
 * import { networkDiagram } from "./network_diagram.ts";
 * const before = [[[0.5, -1, 0.2], [0.3, 0.8, -0.4]], [[1], [-0.7], [0.2]]];
 * const after = [[[0.4, -0.9, 0], [0, 0.7, -0.3]], [[0.9], [-0.6], [0.1]]];
 * const spec = networkDiagram([
 *   { title: "before", layers: before, inputNames: ["x1", "x2"] },
 *   { title: "after", layers: after, inputNames: ["x1", "x2"] },
 * ]);
 * if ((spec.hconcat as unknown[]).length !== 2) throw new Error("two panels");
 * ```
 */
export function networkDiagram(
  panels: readonly NetworkPanel[],
  options: NetworkDiagramOptions = {},
): VegaLiteSpec {
  checkOptions(options, NETWORK_DIAGRAM_OPTIONS);
  const items = checkNonEmptyArray<unknown>(panels, "panels", "{title, layers} panels");
  const width = checkPositive(options.width ?? 300, "options.width");
  const height = checkPositive(options.height ?? 260, "options.height");
  const maxStroke = checkPositive(options.maxStrokeWidth ?? 7, "options.maxStrokeWidth");

  const parsed = items.map((item, p) => {
    const panel = checkObject(item, `panels[${p}]`);
    const title = checkString(panel.title, `panels[${p}].title`, true);
    const subtitle = panel.subtitle === undefined
      ? undefined
      : checkString(panel.subtitle, `panels[${p}].subtitle`, true);
    const layers = checkNonEmptyArray<unknown>(
      panel.layers,
      `panels[${p}].layers`,
      "kernels",
    ).map((l, i) => _kernelOf(l, `panels[${p}].layers[${i}]`));
    layers.forEach((k, i) => {
      if (i > 0 && k.length !== layers[i - 1][0].length) {
        throw new RangeError(
          `panels[${p}].layers[${i}] must have ${
            layers[i - 1][0].length
          } rows (the units of layers[${i - 1}]), got ${k.length}`,
        );
      }
    });
    const sizes = [layers[0].length, ...layers.map((k) => k[0].length)];
    let names: string[] | undefined;
    if (panel.inputNames !== undefined) {
      if (!Array.isArray(panel.inputNames) || panel.inputNames.length !== sizes[0]) {
        throw new RangeError(
          `panels[${p}].inputNames must name all ${sizes[0]} inputs, got ${
            describe(panel.inputNames)
          }`,
        );
      }
      names = panel.inputNames.map((n, i) => checkString(n, `panels[${p}].inputNames[${i}]`));
    }
    return { title, subtitle, layers, sizes, names };
  });
  let maxAbs = 0;
  for (const { layers } of parsed) {
    for (const k of layers) {
      for (const row of k) for (const v of row) maxAbs = Math.max(maxAbs, Math.abs(v));
    }
  }
  const domainMax = maxAbs > 0 ? round(maxAbs) : 1;

  const hconcat = parsed.map(({ title, subtitle, layers, sizes, names }, p) => {
    const depth = layers.length;
    const edges: Record<string, unknown>[] = [];
    layers.forEach((k, l) => {
      k.forEach((row, i) => {
        row.forEach((w, j) => {
          edges.push({
            x: l,
            y: _y(i, sizes[l]),
            x2: l + 1,
            y2: _y(j, sizes[l + 1]),
            w: round(w, 4),
            absW: round(Math.abs(w), 4),
            sign: w >= 0 ? "positive" : "negative",
            from: l === 0 && names ? names[i] : `${l === 0 ? "input" : `layer ${l}`} unit ${i + 1}`,
            to: `${l + 1 === depth ? "output" : `layer ${l + 1}`} unit ${j + 1}`,
          });
        });
      });
    });
    edges.sort((a, b) => (a.absW as number) - (b.absW as number));
    const nodes = sizes.flatMap((n, l) =>
      Array.from({ length: n }, (_, j) => ({
        x: l,
        y: _y(j, n),
        label: l === 0 && names ? names[j] : "",
      }))
    );
    const columnTitles = sizes.map((_, l) => ({
      x: l,
      y: 1,
      text: l === 0 ? "input" : l === depth ? "output" : `hidden ${l}`,
    }));
    const x = {
      field: "x",
      type: "quantitative",
      axis: null,
      scale: { domain: [names ? -0.9 : -0.25, depth + 0.25], nice: false, zero: false },
    };
    const y = {
      field: "y",
      type: "quantitative",
      axis: null,
      scale: { domain: [0, 1.04], nice: false, zero: false },
    };
    const layer: Record<string, unknown>[] = [
      {
        name: `edges_${p}`,
        data: { values: edges },
        mark: { type: "rule", strokeCap: "round", opacity: 0.85 },
        encoding: {
          x,
          y,
          x2: { field: "x2" },
          y2: { field: "y2" },
          strokeWidth: {
            field: "absW",
            type: "quantitative",
            title: "|w|",
            scale: { domain: [0, domainMax], range: [0, maxStroke], zero: true },
          },
          color: {
            field: "sign",
            type: "nominal",
            title: "Sign of w",
            scale: { domain: ["positive", "negative"], range: [POSITIVE, NEGATIVE] },
          },
          tooltip: [
            { field: "from", type: "nominal" },
            { field: "to", type: "nominal" },
            { field: "w", type: "quantitative", format: ".3~g" },
          ],
        },
      },
      {
        name: `units_${p}`,
        data: { values: nodes },
        mark: {
          type: "point",
          shape: "circle",
          filled: true,
          size: 150,
          fill: "white",
          stroke: "#333333",
          strokeWidth: 1.5,
          opacity: 1,
        },
        encoding: { x, y },
      },
      {
        name: `column_titles_${p}`,
        data: { values: columnTitles },
        mark: { type: "text", baseline: "bottom", fontSize: 12, color: "#555555" },
        encoding: { x, y, text: { field: "text", type: "nominal" } },
      },
    ];
    if (names) {
      layer.push({
        name: `input_names_${p}`,
        data: { values: nodes.filter((n) => n.label !== "") },
        mark: { type: "text", align: "right", dx: -12, fontSize: 12 },
        encoding: { x, y, text: { field: "label", type: "nominal" } },
      });
    }
    const heading = subtitle === undefined
      ? { text: title, fontSize: 15 }
      : { text: title, subtitle, fontSize: 15, subtitleFontSize: 13 };
    return { title: heading, width, height, layer };
  });
  const title = titleOf(options.title, options.subtitle);
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title ? { title } : {}),
    hconcat,
    resolve: { scale: { strokeWidth: "shared", color: "shared" } },
    config: { ...chartConfig(), view: { stroke: null } },
  };
}
