/**
 * Tables on slides: `tableHtml` rebuilds the HTML table from real `tableView` specs (header,
 * rows, alignment, escaping, the caption of a cut table), from the display bundle as a notebook
 * stores it, and leaves every other spec alone.
 */
import assert from "node:assert/strict";
import { tableHtml } from "../tools/_deck_tables.ts";
import { tableView } from "../lib/charts/table_view.ts";
import { learningCurves } from "../lib/charts/learning_curves.ts";
import { lineChart } from "../lib/charts/line_chart.ts";
import { bundle } from "../lib/display.ts";

/** The parts of a table's HTML the tests look at, read with regular expressions. */
function parse(html: string) {
  const figure = /^<figure class="output-table"><table>([\s\S]*)<\/table><\/figure>$/.exec(html);
  assert.ok(figure, `not a figure with a table: ${html.slice(0, 80)}`);
  const caption = /<caption>([\s\S]*?)<\/caption>/.exec(html)?.[1];
  const head = /<thead>([\s\S]*?)<\/thead>/.exec(html)?.[1] ?? "";
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? "";
  const header = [...head.matchAll(/<th scope="col" class="(\w+)">([\s\S]*?)<\/th>/g)]
    .map((m) => ({ cls: m[1], text: m[2] }));
  const rows = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((tr) =>
    [...tr[1].matchAll(/<td class="(\w+)">([\s\S]*?)<\/td>/g)].map((m) => ({
      cls: m[1],
      text: m[2],
    }))
  );
  return { caption, header, rows };
}

const records = [
  { width: 10, train: 0.01, dev: 0.11, diagnosis: "high variance" },
  { width: 50, train: 0.15, dev: 0.16, diagnosis: "high bias" },
  { width: 256, train: 0.005, dev: 0.0123456, diagnosis: "fine" },
];

Deno.test("tableHtml() writes the header row in the chart's column order", () => {
  const html = tableHtml(tableView(records, { columns: ["diagnosis", "dev", "width"] }))!;
  const { header, caption } = parse(html);
  assert.deepEqual(header.map((h) => h.text), ["diagnosis", "dev", "width"]);
  assert.equal(caption, undefined, "no title and nothing cut: no caption");
});

Deno.test("tableHtml() writes one row per shown record with the chart's cell texts", () => {
  const { rows } = parse(tableHtml(tableView(records))!);
  assert.equal(rows.length, records.length);
  assert.deepEqual(rows.map((r) => r.map((c) => c.text)), [
    ["10", "0.01", "0.11", "high variance"],
    ["50", "0.15", "0.16", "high bias"],
    ["256", "0.005", "0.01235", "fine"],
  ]);
  const digits2 = parse(tableHtml(tableView(records, { digits: 2 }))!).rows;
  assert.equal(digits2[2][2].text, "0.012");
});

Deno.test("tableHtml() aligns number columns right and text columns left, cell by cell", () => {
  const mixed = [{ name: "a", value: 1, note: 2 }, { name: "b", value: null, note: "two" }];
  const { header, rows } = parse(tableHtml(tableView(mixed))!);
  assert.deepEqual(header.map((h) => h.cls), ["text", "num", "text"]);
  for (const row of rows) assert.deepEqual(row.map((c) => c.cls), ["text", "num", "text"]);
  assert.equal(rows[1][1].text, "", "a missing number is an empty right-aligned cell");
});

Deno.test("tableHtml() escapes <, & and > in titles, column names and cells", () => {
  const html = tableHtml(
    tableView([{ "<a&b>": "x < y & z > w", n: 1 }], { title: "<script>alert(1)</script> & co" }),
  )!;
  assert.ok(!html.includes("<script>"));
  assert.ok(!html.includes("<a&b>"));
  assert.ok(!html.includes("x < y"));
  const { caption, header, rows } = parse(html);
  assert.equal(
    caption,
    '<span class="table-title">&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</span>',
  );
  assert.equal(header[0].text, "&lt;a&amp;b&gt;");
  assert.equal(rows[0][0].text, "x &lt; y &amp; z &gt; w");
});

Deno.test("tableHtml() says in the caption how many rows were not shown", () => {
  const many = Array.from({ length: 25 }, (_, i) => ({ epoch: i + 1, loss: 1 / (i + 1) }));
  const cut = parse(tableHtml(tableView(many, { title: "Loss", maxRows: 6 }))!);
  assert.equal(cut.rows.length, 6);
  assert.deepEqual(cut.rows.map((r) => r[0].text), ["1", "2", "3", "4", "5", "6"]);
  assert.equal(
    cut.caption,
    '<span class="table-title">Loss</span> <span class="table-omitted">19 more rows not shown</span>',
  );
  const byDefault = parse(tableHtml(tableView(many))!);
  assert.equal(byDefault.rows.length, 20);
  assert.equal(byDefault.caption, '<span class="table-omitted">5 more rows not shown</span>');
  const one = parse(tableHtml(tableView(many.slice(0, 7), { maxRows: 6 }))!);
  assert.equal(one.caption, '<span class="table-omitted">1 more row not shown</span>');
});

Deno.test("tableHtml() reads the spec inside a display bundle and a notebook output", async () => {
  const spec = tableView(records, { title: "Errors" });
  const direct = tableHtml(spec);
  assert.ok(direct);
  // As the notebook file stores it: JSON, the spec under the Vega-Lite MIME type.
  const data = JSON.parse(JSON.stringify(await bundle(spec)));
  assert.equal(tableHtml(data), direct);
  assert.equal(tableHtml({ output_type: "display_data", data, metadata: {} }), direct);
  assert.equal(tableHtml({ "application/vnd.vegalite.v4+json": spec }), direct);
});

Deno.test("tableHtml() returns undefined for anything that is not a tableView spec", async () => {
  const curves = learningCurves([{ epoch: 1, loss: 0.5 }, { epoch: 2, loss: 0.4 }]);
  const line = lineChart([{ x: 1, y: 2 }], { x: "x", y: "y" });
  for (const other of [curves, line, await bundle(line), null, undefined, 42, "table", []]) {
    assert.equal(tableHtml(other), undefined);
  }
  const spec = tableView(records);
  const table = (spec.usermeta as { table: Record<string, unknown> }).table;
  for (
    const broken of [
      { ...table, rows: [["only one cell"]] },
      { ...table, align: ["left"] },
      { ...table, align: ["right", "right", "right", "center"] },
      { ...table, columns: [] },
      { ...table, omitted: -1 },
    ]
  ) {
    assert.equal(tableHtml({ ...spec, usermeta: { table: broken } }), undefined);
  }
});
