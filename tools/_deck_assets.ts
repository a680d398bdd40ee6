/**
 * What every deck inlines so that it works offline: reveal.js with its notes plugin and
 * stylesheet, KaTeX's stylesheet with its fonts as `data:` URLs, highlight.js colours (npm
 * packages pinned in deno.json, read from Deno's npm cache), the course theme (slides/theme.css)
 * and the deck's own script (`_deck_client.js`).
 *
 * @module
 */
import { extname, join, resolve } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { ROOT } from "./_jupyter.ts";
import { npmFile, readNpmText } from "./_npm_files.ts";

/** Where decks, the index page and PDF handouts are written; holds the course theme. */
export const SLIDES_DIR: string = join(ROOT, "slides");

/** The course theme, the one hand-written file in slides/. */
export const THEME_PATH: string = join(SLIDES_DIR, "theme.css");

/** Everything a deck inlines besides its content. */
export interface DeckAssets {
  revealCss: string;
  revealJs: string;
  notesJs: string;
  katexCss: string;
  highlightCss: string;
  themeCss: string;
  clientJs: string;
}

const FONT_TYPES: Record<string, string> = {
  woff2: "font/woff2",
  woff: "font/woff",
  ttf: "font/ttf",
};

/**
 * Bytes as base64, for `data:` URLs (in chunks: spreading a whole font into one call would
 * overflow the stack).
 *
 * @param bytes The data.
 * @returns Its base64 text.
 *
 * @example
 * ```ts
 * import { base64 } from "./_deck_assets.ts";
 * if (base64(new TextEncoder().encode("hi")) !== "aGk=") throw new Error("base64");
 * ```
 */
export function base64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

/**
 * KaTeX's stylesheet with its fonts inlined as `data:` URLs (WOFF2 only: every browser that
 * runs reveal.js 5 reads it), so math renders offline.
 *
 * @param cssPath The path of katex.min.css in the npm cache (its fonts/ folder beside it).
 * @returns The stylesheet text.
 */
async function _katexCssInlined(cssPath: string): Promise<string> {
  const css = await Deno.readTextFile(cssPath);
  const dir = resolve(cssPath, "..");
  return css.replace(/src:([^;}]*)/g, (whole, sources: string) => {
    const urls = [...sources.matchAll(/url\(([^)]+)\)\s*format\("([^"]+)"\)/g)];
    const woff2 = urls.find((u) => u[2] === "woff2") ?? urls[0];
    if (!woff2) return whole;
    const file = join(dir, woff2[1].replace(/^["']|["']$/g, ""));
    const ext = extname(file).slice(1);
    const data = base64(readFileSync(file));
    return `src:url(data:${FONT_TYPES[ext] ?? "font/woff2"};base64,${data}) format("${woff2[2]}")`;
  });
}

/** Makes a script safe to place inside `<script>`: no `</script`, `<script` or `<!--`. */
export function inlineScript(js: string): string {
  return js.replace(/<(\/?script|!--)/gi, "\\x3C$1");
}

function _inlineStyle(css: string, what: string): string {
  if (/<\/style/i.test(css)) throw new Error(`${what} must not contain </style`);
  return css;
}

let _assets: Promise<DeckAssets> | undefined;

/**
 * Loads what every deck inlines: reveal.js and its notes plugin and stylesheet, KaTeX's
 * stylesheet with its fonts, highlight.js colours (npm packages pinned in deno.json, read from
 * Deno's npm cache), the course theme (slides/theme.css) and the deck's own script.
 *
 * @param options.themePath The theme stylesheet. @default THEME_PATH
 * @returns The assets (cached after the first call for the default theme).
 */
export function loadDeckAssets(options: { themePath?: string } = {}): Promise<DeckAssets> {
  const load = async (): Promise<DeckAssets> => {
    const themePath = options.themePath ?? THEME_PATH;
    if (!existsSync(themePath)) {
      throw new Error(`the course theme must exist at ${themePath}, got no such file`);
    }
    return {
      revealCss: _inlineStyle(await readNpmText("reveal.js/dist/reveal.css"), "reveal.css"),
      revealJs: inlineScript(await readNpmText("reveal.js/dist/reveal.js")),
      notesJs: inlineScript(await readNpmText("reveal.js/plugin/notes/notes.js")),
      katexCss: _inlineStyle(
        await _katexCssInlined(await npmFile("katex/dist/katex.min.css")),
        "katex.min.css",
      ),
      highlightCss: _inlineStyle(
        await readNpmText("highlight.js/styles/a11y-light.min.css"),
        "a11y-light.min.css",
      ),
      themeCss: _inlineStyle(await Deno.readTextFile(themePath), "theme.css"),
      clientJs: inlineScript(
        await Deno.readTextFile(new URL("./_deck_client.js", import.meta.url)),
      ),
    };
  };
  if (options.themePath) return load();
  _assets ??= load().catch((error) => {
    _assets = undefined;
    throw error;
  });
  return _assets;
}
