/**
 * How a progress line looks: its text with a text bar for plain front ends and an HTML
 * `<progress>` bar for rich ones.
 *
 * @module
 */
import type { MediaBundle } from "./_kernel.ts";

/** The state of a progress line: its text and, optionally, the completed fraction. */
export interface ProgressState {
  /** The text. */
  text: string;
  /** The completed fraction in [0, 1]. */
  fraction?: number;
}

/** `text` with `&`, `<`, `>` and `"` escaped for HTML. */
function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/**
 * The bundle of a progress line: text/plain with a 20-character text bar
 * (`[#####...............] 25% text`) and text/html with a `<progress>` bar; without a
 * fraction, the text alone.
 */
export function progressBundle(state: ProgressState): MediaBundle {
  const { text, fraction } = state;
  if (fraction === undefined) {
    return {
      "text/plain": text,
      "text/html": `<pre style="margin: 0">${escapeHtml(text)}</pre>`,
    };
  }
  const filled = Math.round(fraction * 20);
  const percent = Math.round(fraction * 100);
  return {
    "text/plain": `[${"#".repeat(filled)}${".".repeat(20 - filled)}] ${percent}% ${text}`,
    "text/html": `<div style="font-family: monospace; white-space: pre">` +
      `<progress value="${fraction}" max="1" style="width: 14em; vertical-align: middle">` +
      `</progress> ${percent}% ${escapeHtml(text)}</div>`,
  };
}
