import assert from "node:assert/strict";
import { textWidth, wrapTitle } from "../tools/_chart_text.ts";

Deno.test("textWidth() adds Helvetica's advance widths, bold a little wider", () => {
  // "Axis 1": A 667, x 500, i 222, s 500, space 278, 1 556 thousandths of an em.
  assert.ok(Math.abs(textWidth("Axis 1", 10) - 27.23) < 1e-9);
  assert.ok(textWidth("Axis 1", 10, true) > textWidth("Axis 1", 10));
  // Greek letters count as 0.6 em; a combining mark takes no width.
  assert.ok(Math.abs(textWidth("λ", 10) - 6) < 1e-9);
  assert.ok(Math.abs(textWidth("h\u0303", 10) - textWidth("h", 10)) < 1e-9);
});

Deno.test("wrapTitle() breaks text and subtitle at words, each line within the width", () => {
  const text = "Training and dev accuracy by hidden-layer width over three seeds";
  const subtitle = "dots: single runs · line: mean over seeds ± 1 standard error";
  const out = wrapTitle({ text, subtitle, fontSize: 24 }, 300, {}, { title: 26, subtitle: 20 }) as {
    text: string[];
    subtitle: string[];
    fontSize: number;
  };
  assert.equal(out.fontSize, 24);
  assert.equal(out.text.join(" "), text);
  assert.equal(out.subtitle.join(" "), subtitle);
  assert.ok(out.text.length > 1 && out.subtitle.length > 1);
  for (const line of out.text) assert.ok(textWidth(line, 24, true) <= 300, line);
  for (const line of out.subtitle) assert.ok(textWidth(line, 20) <= 300, line);
  // A title that fits stays as it was.
  assert.equal(wrapTitle("Loss", 300, {}, { title: 26, subtitle: 20 }), "Loss");
});
