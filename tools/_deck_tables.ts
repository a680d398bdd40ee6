/**
 * Tables on slides as HTML tables. lib's `tableView` draws a table as a Vega-Lite chart of text
 * marks, whose text ends up a few pixels high once a wide chart is scaled to a 1280×720 slide.
 * Its spec also carries the table as data (`usermeta.table`: column names, the cell texts as
 * the chart shows them, each column's alignment, title, rows left out); the decks rebuild the
 * table from that as HTML, styled by the "Tables" section of slides/theme.css.
 *
 * @module
 */
import { escapeHtml } from "./_markdown.ts";
import { isVegaLiteMime } from "./_notebook.ts";

/** The table a `tableView` spec carries in `usermeta.table` (lib/charts/table_view.ts). */
interface _TableMeta {
  columns: string[];
  rows: string[][];
  align: ("left" | "right")[];
  title?: string;
  omitted?: number;
}

function _isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function _isStrings(value: unknown, length?: number): value is string[] {
  return Array.isArray(value) && (length === undefined || value.length === length) &&
    value.every((v) => typeof v === "string");
}

/** `usermeta.table` of a spec when it has the shape tableView writes, else undefined. */
function _tableMeta(spec: Record<string, unknown>): _TableMeta | undefined {
  const usermeta = spec.usermeta;
  if (!_isObject(usermeta) || !_isObject(usermeta.table)) return undefined;
  const { columns, rows, align, title, omitted } = usermeta.table;
  if (!_isStrings(columns) || columns.length === 0) return undefined;
  if (!Array.isArray(rows) || !rows.every((r) => _isStrings(r, columns.length))) return undefined;
  if (
    !Array.isArray(align) || align.length !== columns.length ||
    !align.every((a) => a === "left" || a === "right")
  ) {
    return undefined;
  }
  if (title !== undefined && typeof title !== "string") return undefined;
  if (omitted !== undefined && !(Number.isInteger(omitted) && (omitted as number) >= 0)) {
    return undefined;
  }
  return {
    columns,
    rows: rows as string[][],
    align: align as ("left" | "right")[],
    title: title as string | undefined,
    omitted: omitted as number | undefined,
  };
}

/** The Vega-Lite spec in `value`: the spec itself, in a display bundle, or in an output's `data`. */
function _findSpec(value: unknown): Record<string, unknown> | undefined {
  if (!_isObject(value)) return undefined;
  if (value.usermeta !== undefined || typeof value.$schema === "string") return value;
  const mime = Object.keys(value).find(isVegaLiteMime);
  if (mime !== undefined) return _isObject(value[mime]) ? value[mime] : undefined;
  if (_isObject(value.data) && Object.keys(value.data).some(isVegaLiteMime)) {
    return _findSpec(value.data);
  }
  return undefined;
}

/**
 * The HTML table of a `tableView` chart, for slides: a
 * `<figure class="output-table"><table>` with a caption (the title, and "N more rows not
 * shown" when the table was cut), a header row and one row per shown record. Cells of number
 * columns have class `num` (aligned right), the others class `text`; every text is
 * HTML-escaped.
 *
 * @param spec A Vega-Lite spec from lib's `tableView`, or the display bundle that holds it
 *   (`{"application/vnd.vegalite.v5+json": spec, ...}`), or a notebook output whose `data` is
 *   that bundle.
 * @returns The HTML, or undefined when `spec` holds no `usermeta.table` of the shape tableView
 *   writes (any other chart, or anything else).
 *
 * @example A table of two columns
 * ```ts
 * import { tableHtml } from "./_deck_tables.ts";
 * const html = tableHtml({
 *   $schema: "https://vega.github.io/schema/vega-lite/v5.json",
 *   usermeta: {
 *     table: { columns: ["model", "acc"], rows: [["a<b", "0.9"]], align: ["left", "right"] },
 *   },
 * });
 * if (!html?.includes('<td class="text">a&lt;b</td><td class="num">0.9</td>')) {
 *   throw new Error(html);
 * }
 * if (tableHtml({ $schema: "https://vega.github.io/schema/vega-lite/v5.json" }) !== undefined) {
 *   throw new Error("not a table");
 * }
 * ```
 */
export function tableHtml(spec: unknown): string | undefined {
  const found = _findSpec(spec);
  const table = found && _tableMeta(found);
  if (!table) return undefined;
  const cls = table.align.map((a) => (a === "right" ? "num" : "text"));
  const caption: string[] = [];
  if (table.title) caption.push(`<span class="table-title">${escapeHtml(table.title)}</span>`);
  if (table.omitted) {
    caption.push(
      `<span class="table-omitted">${table.omitted} more ${
        table.omitted === 1 ? "row" : "rows"
      } not shown</span>`,
    );
  }
  const head = table.columns.map((c, i) =>
    `<th scope="col" class="${cls[i]}">${escapeHtml(c)}</th>`
  )
    .join("");
  const body = table.rows.map((row) =>
    `<tr>${row.map((text, i) => `<td class="${cls[i]}">${escapeHtml(text)}</td>`).join("")}</tr>`
  ).join("\n");
  return [
    '<figure class="output-table"><table>',
    caption.length > 0 ? `<caption>${caption.join(" ")}</caption>` : "",
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>\n${body}\n</tbody>`,
    "</table></figure>",
  ].join("");
}
