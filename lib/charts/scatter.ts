/**
 * A 2-D data set as a scatter plot, points coloured by class the way decision boundaries
 * colour them.
 *
 * @module
 */
import { chartConfig, round, titleOf, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./_common.ts";
import { checkOptions, checkPositive } from "../_validate.ts";
import type { LabeledPoint, PointSet } from "./decision_boundary.ts";
import { classColors, readPoints } from "./_points.ts";

/** Options of {@link scatter}. */
export interface ScatterOptions {
  /** Chart title. @default undefined */
  title?: string;
  /** Subtitle under the title. @default undefined */
  subtitle?: string;
  /** Width in pixels. @default 320 */
  width?: number;
  /** Height in pixels. @default 260 */
  height?: number;
  /** Axis titles. @default ["x1", "x2"] */
  axisTitles?: [string, string];
  /** Area of a point in square pixels. @default 40 */
  pointSize?: number;
}

/** The option names ScatterOptions allows, for the misspelling check. */
const SCATTER_OPTIONS = Object.keys(
  {
    title: true,
    subtitle: true,
    width: true,
    height: true,
    axisTitles: true,
    pointSize: true,
  } satisfies Record<
    keyof ScatterOptions,
    true
  >,
);

/**
 * Draws the points of a 2-D data set, one colour per class (class order as in
 * `decisionBoundary`: class 0 blue, class 1 red).
 *
 * @param points `{x1, x2, label}` records, or a data set `{X, y, classNames?}` (first two columns).
 * @param options Title, size, axis titles, point size.
 * @returns A Vega-Lite v5 spec.
 *
 * @example Two points of two classes
 * ```ts
 * import { scatter } from "./scatter.ts";
 * const spec = scatter([{ x1: 0, x2: 1, label: 0 }, { x1: 1, x2: 0, label: 1 }], { title: "Two points" });
 * if (spec.layer !== undefined || spec.mark === undefined) throw new Error();
 * ```
 */
export function scatter(
  points: readonly LabeledPoint[] | PointSet,
  options: ScatterOptions = {},
): VegaLiteSpec {
  checkOptions(options, SCATTER_OPTIONS);
  const rows = readPoints(points, "points");
  if (rows.length === 0) throw new RangeError("points must hold at least one point, got none");
  const width = checkPositive(options.width ?? 320, "options.width");
  const height = checkPositive(options.height ?? 260, "options.height");
  const pointSize = checkPositive(options.pointSize ?? 40, "options.pointSize");
  const [xTitle, yTitle] = options.axisTitles ?? ["x1", "x2"];
  const labels: (string | number)[] = [];
  const named = !Array.isArray(points) && (points as PointSet).classNames
    ? [...(points as PointSet).classNames!]
    : [];
  for (const n of named) labels.push(n);
  const others = [...new Set(rows.map((r) => r.label))].filter((l) => !labels.includes(l));
  others.sort((a, b) =>
    typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b))
  );
  labels.push(...others);
  const spec: VegaLiteSpec = {
    $schema: VEGA_LITE_SCHEMA,
    width,
    height,
    data: { values: rows.map((r) => ({ x1: round(r.x1), x2: round(r.x2), label: r.label })) },
    mark: { type: "point", shape: "circle", filled: true, size: pointSize, opacity: 0.85 },
    encoding: {
      x: { field: "x1", type: "quantitative", title: xTitle, scale: { zero: false } },
      y: { field: "x2", type: "quantitative", title: yTitle, scale: { zero: false } },
      color: {
        field: "label",
        type: "nominal",
        title: "Class",
        scale: { domain: labels, range: classColors(labels.length) },
      },
    },
    config: chartConfig(),
  };
  const title = titleOf(options.title, options.subtitle);
  if (title) spec.title = title;
  return spec;
}
