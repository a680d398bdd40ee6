/**
 * Markdown, math and code for the slide decks, rendered to HTML at export time so that a deck
 * needs no script to show them: markdown with marked (GitHub flavour), LaTeX with KaTeX (HTML
 * and MathML; the deck inlines KaTeX's stylesheet and fonts), code with highlight.js.
 *
 * Math follows Jupyter's markdown: `$...$` and `\(...\)` inline, `$$...$$` and `\[...\]` on
 * display; `\$` is a literal dollar sign, and a `$` followed by a digit does not close math, so
 * prices such as `$5` stay text. Math inside code spans and code blocks stays code.
 *
 * @module
 */
import { Marked, type Token, type TokenizerAndRendererExtension, type Tokens } from "marked";
import katex from "katex";
// @ts-types="./_highlight.d.ts"
import hljs from "highlight.js/lib/core";
import typescript from "highlight.js/lib/languages/typescript";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import bash from "highlight.js/lib/languages/bash";
import python from "highlight.js/lib/languages/python";

hljs.registerLanguage("typescript", typescript);
hljs.registerLanguage("javascript", javascript);
hljs.registerLanguage("json", json);
hljs.registerLanguage("bash", bash);
hljs.registerLanguage("python", python);

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Something the renderer could not show as written; the deck still builds. */
export interface RenderWarning {
  /** What went wrong, e.g. `KaTeX could not render \frac{: ...`. */
  message: string;
}

/** Options of {@linkcode renderMarkdown}. */
export interface MarkdownOptions {
  /** Called once per problem (bad LaTeX, an image that cannot be inlined). @default ignore */
  onWarning?: (warning: RenderWarning) => void;
  /**
   * Turns an image reference (a relative path or `attachment:name`) into a `data:` URL, or
   * returns undefined when it cannot. @default none: every image that is not already a
   * `data:` URL is replaced by its alt text, with a warning
   */
  resolveImage?: (href: string) => string | undefined;
  /** Language of fenced code blocks that name none. @default "typescript" */
  defaultLanguage?: string;
  /**
   * KaTeX's output: HTML (needs KaTeX's stylesheet) with MathML for screen readers, or MathML
   * alone (browsers draw it without a stylesheet; used for speaker notes, which the speaker
   * window shows without the deck's styles). @default "htmlAndMathml"
   */
  mathOutput?: "htmlAndMathml" | "mathml";
}

/**
 * Renders LaTeX to HTML with KaTeX (HTML for the eye, MathML for screen readers).
 *
 * @param tex The LaTeX source, without delimiters.
 * @param options.display Display (block) math rather than inline. @default false
 * @param options.output `htmlAndMathml` (needs KaTeX's stylesheet) or `mathml`.
 *   @default "htmlAndMathml"
 * @param options.onWarning Called when KaTeX cannot parse the source; the source is then shown
 *   as code. @default ignore
 * @returns The HTML.
 *
 * @example Inline math
 * ```ts
 * import { renderMath } from "./_markdown.ts";
 * const html = renderMath("x^2");
 * if (!html.includes('class="katex"') || !html.includes("<math")) throw new Error(html);
 * ```
 */
export function renderMath(
  tex: string,
  options: {
    display?: boolean;
    output?: "htmlAndMathml" | "mathml";
    onWarning?: (warning: RenderWarning) => void;
  } = {},
): string {
  try {
    return katex.renderToString(tex, {
      displayMode: options.display ?? false,
      throwOnError: true,
      output: options.output ?? "htmlAndMathml",
      strict: "ignore",
      trust: false,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    options.onWarning?.({ message: `KaTeX could not render ${JSON.stringify(tex)}: ${reason}` });
    return `<code class="math-error" title="${escapeHtml(reason)}">${escapeHtml(tex)}</code>`;
  }
}

/**
 * Highlights source code with highlight.js.
 *
 * @param code The source.
 * @param language A highlight.js language name (typescript, javascript, json, bash, python);
 *   others are shown as plain text.
 * @returns HTML spans with `hljs-*` classes (no surrounding `<pre>`).
 *
 * @example Keywords get a class
 * ```ts
 * import { highlightCode } from "./_markdown.ts";
 * const html = highlightCode("const x: number = 1;", "typescript");
 * if (!html.includes('<span class="hljs-keyword">const</span>')) throw new Error(html);
 * ```
 */
export function highlightCode(code: string, language: string): string {
  const lang = _languageName(language);
  if (!lang) return escapeHtml(code);
  return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
}

function _languageName(language: string): string | undefined {
  const name = language.toLowerCase().trim();
  const aliases: Record<string, string> = {
    ts: "typescript",
    tsx: "typescript",
    js: "javascript",
    jsx: "javascript",
    sh: "bash",
    shell: "bash",
    console: "bash",
    py: "python",
    text: "plaintext",
    txt: "plaintext",
  };
  const resolved = aliases[name] ?? name;
  return hljs.getLanguage(resolved) ? resolved : undefined;
}

interface MathToken extends Tokens.Generic {
  type: "math";
  raw: string;
  text: string;
  display: boolean;
}

/** A `$` that is not escaped, or `\(` / `\[`: where inline math may start. */
const INLINE_START = /(?<!\\)\$|\\\(|\\\[/;

function _matchInlineMath(src: string): { raw: string; text: string; display: boolean } | null {
  let m = /^\$\$([\s\S]+?)\$\$/.exec(src);
  if (m) return { raw: m[0], text: m[1].trim(), display: true };
  m = /^\\\[([\s\S]+?)\\\]/.exec(src);
  if (m) return { raw: m[0], text: m[1].trim(), display: true };
  m = /^\\\(([\s\S]+?)\\\)/.exec(src);
  if (m) return { raw: m[0], text: m[1].trim(), display: false };
  // $...$: not opened by a space, not closed after a space or before a digit.
  m = /^\$(?![\s$])((?:\\[\s\S]|[^\\$])*?[^\s\\])\$(?!\d)/.exec(src) ??
    /^\$([^\s$\\])\$(?!\d)/.exec(src);
  if (m) return { raw: m[0], text: m[1], display: false };
  return null;
}

function _mathExtensions(
  onWarning: ((warning: RenderWarning) => void) | undefined,
  output: "htmlAndMathml" | "mathml",
): TokenizerAndRendererExtension[] {
  const render = (token: Tokens.Generic) =>
    renderMath((token as MathToken).text, {
      display: (token as MathToken).display,
      output,
      onWarning,
    });
  return [
    {
      name: "blockMath",
      level: "block",
      start(src: string) {
        const i = src.search(/^ {0,3}(\$\$|\\\[)/m);
        return i < 0 ? undefined : i;
      },
      tokenizer(src: string) {
        const m = /^ {0,3}\$\$([\s\S]+?)\$\$[ \t]*(?:\n+|$)/.exec(src) ??
          /^ {0,3}\\\[([\s\S]+?)\\\][ \t]*(?:\n+|$)/.exec(src);
        if (!m) return undefined;
        return { type: "blockMath", raw: m[0], text: m[1].trim(), display: true };
      },
      renderer(token: Tokens.Generic) {
        return `<div class="math-display">${render(token)}</div>\n`;
      },
    },
    {
      name: "inlineMath",
      level: "inline",
      start(src: string) {
        const i = src.search(INLINE_START);
        return i < 0 ? undefined : i;
      },
      tokenizer(src: string) {
        const m = _matchInlineMath(src);
        if (!m) return undefined;
        return { type: "inlineMath", ...m };
      },
      renderer: render,
    },
  ];
}

function _makeMarked(options: MarkdownOptions): Marked {
  const warn = options.onWarning;
  const defaultLanguage = options.defaultLanguage ?? "typescript";
  const marked = new Marked({ gfm: true, async: false });
  marked.use({
    extensions: _mathExtensions(warn, options.mathOutput ?? "htmlAndMathml"),
    renderer: {
      code({ text, lang }: Tokens.Code): string {
        const language = (lang ?? "").split(/\s+/)[0] || defaultLanguage;
        const known = _languageName(language);
        const cls = known ? ` class="hljs language-${known}"` : ` class="hljs"`;
        return `<pre class="code-block"><code${cls}>${
          highlightCode(text.replace(/\n$/, ""), language)
        }</code></pre>\n`;
      },
      image({ href, title, text }: Tokens.Image): string {
        let src: string | undefined = href;
        if (!/^data:/i.test(href)) {
          src = options.resolveImage?.(href);
          if (!src) {
            warn?.({
              message: `image ${JSON.stringify(href)} cannot be included in an offline deck ` +
                "(use a path next to the notebook or a cell attachment); shown as its alt text",
            });
            return `<span class="missing-image">[image: ${escapeHtml(text || href)}]</span>`;
          }
        }
        const titleAttr = title ? ` title="${escapeHtml(title)}"` : "";
        return `<img src="${escapeHtml(src)}" alt="${escapeHtml(text)}"${titleAttr}>`;
      },
      link({ href, title, tokens }: Tokens.Link): string {
        // deno-lint-ignore no-this-alias
        const self = this;
        const inner = self.parser.parseInline(tokens);
        const titleAttr = title ? ` title="${escapeHtml(title)}"` : "";
        const external = /^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith("#");
        const target = external ? ` target="_blank" rel="noopener"` : "";
        return `<a href="${escapeHtml(href)}"${titleAttr}${target}>${inner}</a>`;
      },
    },
  });
  return marked;
}

/**
 * Renders a markdown cell to HTML, math included.
 *
 * @param text The markdown source.
 * @param options How to report problems and resolve images.
 * @returns The HTML.
 *
 * @example Math and emphasis
 * ```ts
 * import { renderMarkdown } from "./_markdown.ts";
 * const html = renderMarkdown("The width $h$ is **small**, and `$x$` is code.");
 * if (!html.includes('class="katex"') || !html.includes("<strong>small</strong>")) {
 *   throw new Error(html);
 * }
 * if (!html.includes("<code>$x$</code>")) throw new Error(html);
 * ```
 */
export function renderMarkdown(text: string, options: MarkdownOptions = {}): string {
  return _makeMarked(options).parse(text, { async: false }) as string;
}

/**
 * Renders one line of markdown without a surrounding paragraph (for titles).
 *
 * @param text The markdown source.
 * @param options How to report problems.
 * @returns The HTML.
 *
 * @example A title with math
 * ```ts
 * import { renderInlineMarkdown } from "./_markdown.ts";
 * const html = renderInlineMarkdown("L2 and $\\lambda$");
 * if (html.startsWith("<p>") || !html.includes("katex")) throw new Error(html);
 * ```
 */
export function renderInlineMarkdown(text: string, options: MarkdownOptions = {}): string {
  return _makeMarked(options).parseInline(text, { async: false }) as string;
}

/**
 * The first heading of a markdown text (ATX `#` headings or setext underlines), as written.
 *
 * @param text Markdown source.
 * @returns The heading's text and level, or undefined when there is none.
 *
 * @example Find a lesson's title
 * ```ts
 * import { firstHeading } from "./_markdown.ts";
 * const h = firstHeading("Intro\n\n# 03 · Overfitting\n\n## Data");
 * if (h?.text !== "03 · Overfitting" || h.depth !== 1) throw new Error(JSON.stringify(h));
 * ```
 */
export function firstHeading(text: string): { text: string; depth: number } | undefined {
  const tokens = new Marked({ gfm: true }).lexer(text);
  const find = (list: Token[]): Tokens.Heading | undefined => {
    for (const token of list) {
      if (token.type === "heading") return token as Tokens.Heading;
    }
    return undefined;
  };
  const heading = find(tokens);
  return heading ? { text: heading.text.trim(), depth: heading.depth } : undefined;
}
