/**
 * A table drawn with Vega-Lite text marks, so it survives as SVG in static outputs.
 *
 * @module
 */
import {
  chartConfig,
  type DataFrameLike,
  readRecords,
  titleOf,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
} from "./_common.ts";
import {
  checkNonEmptyArray,
  checkOptions,
  checkPositive,
  checkPositiveInt,
  checkString,
  describe,
  quoteList,
} from "../_validate.ts";
import { cellText } from "./_cell_text.ts";

/** Options of {@link tableView}. */
export interface TableViewOptions {
  /** Columns to show, in this order. @default all columns */
  columns?: readonly string[];
  /** Rows to show; the title says how many were left out. @default 20 */
  maxRows?: number;
  /** Significant digits of non-integer numbers. @default 4 */
  digits?: number;
  /** Table title. @default undefined */
  title?: string;
  /** Width of every column in pixels. @default from each column's longest text, 8 px per character */
  columnWidth?: number;
}

/**
 * The table a {@link tableView} spec carries in `usermeta.table`: the cell texts exactly as the
 * chart shows them, so an exporter (a slide deck, an HTML page) can rebuild the table as HTML
 * without formatting the numbers again.
 */
export interface TableMeta {
  /** Column names in the order shown. */
  columns: string[];
  /** One array of cell texts per shown row, in the order of `columns`. */
  rows: string[][];
  /** Per column: `"right"` for numbers, `"left"` for text. */
  align: ("left" | "right")[];
  /** The table title, when one was given. */
  title?: string;
  /** How many rows were left out (beyond `maxRows`), when some were. */
  omitted?: number;
}

/** The option names TableViewOptions allows, for the misspelling check. */
const TABLE_VIEW_OPTIONS = Object.keys(
  { columns: true, maxRows: true, digits: true, title: true, columnWidth: true } satisfies Record<
    keyof TableViewOptions,
    true
  >,
);

/**
 * A table of a nodejs-polars DataFrame or an array of records, drawn as a Vega-Lite chart of
 * text marks: one panel per column with its name on top, one line per record. Numbers are
 * shown with a few significant digits and aligned right; long tables are cut at `maxRows`.
 *
 * The spec also carries the table as data in `usermeta.table` ({@link TableMeta}): column
 * names, the shown rows as the cell texts of the chart, each column's alignment, the title and
 * how many rows were left out. Vega-Lite ignores `usermeta`; exporters that show tables as
 * HTML (the slide decks) read it instead of the chart.
 *
 * @param data A DataFrame (anything with `columns` and `toRecords()`) or an array of records.
 * @param options Which columns, how many rows, digits and title.
 * @returns A fresh Vega-Lite v5 spec.
 *
 * @example The bias/variance diagnosis table
 * ```ts
 * import { tableView } from "./table_view.ts";
 * const spec = tableView([
 *   { train: 0.01, dev: 0.11, diagnosis: "high variance" },
 *   { train: 0.15, dev: 0.16, diagnosis: "high bias" },
 * ], { title: "Error rates" });
 * if ((spec.data as { values: unknown[] }).values.length !== 6) throw new Error("cells");
 * const { table } = spec.usermeta as { table: { rows: string[][] } };
 * if (table.rows[1].join(" | ") !== "0.15 | 0.16 | high bias") throw new Error("usermeta");
 * ```
 */
export function tableView(
  data: DataFrameLike | readonly object[],
  options: TableViewOptions = {},
): VegaLiteSpec {
  checkOptions(options, TABLE_VIEW_OPTIONS);
  const { rows, columns: all } = readRecords(data, "data");
  if (rows.length === 0) {
    throw new RangeError("data must have at least one row, got 0 rows");
  }
  const maxRows = checkPositiveInt(options.maxRows ?? 20, "options.maxRows");
  const digits = options.digits ?? 4;
  if (!Number.isInteger(digits) || digits < 1 || digits > 17) {
    throw new RangeError(`options.digits must be an integer in [1, 17], got ${describe(digits)}`);
  }
  let columns = all;
  if (options.columns !== undefined) {
    columns = checkNonEmptyArray<unknown>(options.columns, "options.columns", "column names")
      .map((c, i) => {
        const name = checkString(c, `options.columns[${i}]`);
        if (!all.includes(name)) {
          throw new RangeError(
            `options.columns[${i}] must be one of the data's columns (${quoteList(all)}), got ${
              describe(name)
            }`,
          );
        }
        return name;
      });
  }
  if (columns.length === 0) {
    throw new RangeError("data must have at least one column, got none");
  }
  const shown = rows.slice(0, maxRows);
  if (options.columnWidth !== undefined) {
    checkPositive(options.columnWidth, "options.columnWidth");
  }
  const cells: { row: number; column: string; text: string }[] = [];
  const texts: string[][] = shown.map(() => []);
  const aligns: ("left" | "right")[] = [];
  const panels = columns.map((column, c) => {
    let longest = column.length;
    let numeric = true;
    shown.forEach((r, i) => {
      const value = r[column];
      const text = cellText(value, digits);
      numeric &&= typeof value === "number" || typeof value === "bigint" || text === "";
      longest = Math.max(longest, text.length);
      cells.push({ row: i + 1, column, text });
      texts[i].push(text);
    });
    const width = options.columnWidth ?? Math.min(320, 8 * longest + 28);
    // Numbers align right, text aligns left, each with 10 px of margin.
    const x = numeric ? width - 10 : 10;
    const align = numeric ? "right" : "left";
    aligns.push(align);
    return {
      width,
      height: { step: 24 },
      title: {
        text: column,
        fontSize: 13,
        fontWeight: "bold",
        anchor: numeric ? "end" : "start",
        dx: numeric ? -10 : 10,
        offset: 6,
      },
      layer: [
        {
          name: `header_rule_${c}`,
          mark: { type: "rule", color: "#888888", aria: false },
          encoding: { x: { value: 0 }, x2: { value: width }, y: { value: 0 } },
        },
        {
          name: `cells_${c}`,
          transform: [{ filter: { field: "column", equal: column } }],
          mark: { type: "text", fontSize: 13, baseline: "middle", align, color: "#222222" },
          encoding: {
            x: { value: x },
            y: { field: "row", type: "ordinal", axis: null },
            text: { field: "text", type: "nominal" },
          },
        },
      ],
    };
  });
  const note = rows.length > shown.length
    ? `first ${shown.length} of ${rows.length} rows`
    : undefined;
  const title = titleOf(options.title, note);
  const table: TableMeta = { columns: [...columns], rows: texts, align: aligns };
  if (options.title) table.title = options.title;
  if (rows.length > shown.length) table.omitted = rows.length - shown.length;
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title ? { title } : {}),
    data: { values: cells },
    hconcat: panels,
    spacing: 0,
    config: { ...chartConfig(), view: { stroke: null } },
    usermeta: { table },
  };
}
