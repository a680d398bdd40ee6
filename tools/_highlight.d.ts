// The part of highlight.js's API the decks use. highlight.js's own declarations pull in the
// DOM library (`/// <reference lib="dom" />`), which clashes with Deno's stream types when the
// whole project is type-checked, so tools/_markdown.ts uses these instead.

/** A highlighted piece of code. */
export interface HighlightResult {
  /** HTML with `hljs-*` spans. */
  value: string;
}

/** highlight.js's core object. */
export interface HighlightApi {
  registerLanguage(name: string, language: unknown): void;
  getLanguage(name: string): unknown;
  highlight(code: string, options: { language: string; ignoreIllegals?: boolean }): HighlightResult;
}

declare const hljs: HighlightApi;
export default hljs;
