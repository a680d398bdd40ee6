/**
 * Where in a notebook an error happened, from the Deno kernel's traceback.
 *
 * The kernel transpiles a cell before it runs it, and its emitter reprints the code: types go,
 * an object literal gets one property per line, blank lines vanish. A traceback's
 * `<anonymous>:LINE:COLUMN` counts lines of that reprint (measured: an error on line 13 of a
 * cell reported at line 17), and frames of every cell look alike. The runner
 * (`_execute_notebook.py`) therefore starts the code of each cell with a block comment of
 * `lineOffsets[cell]` newlines, which the emitter keeps, so a frame's line tells its cell; and
 * after a failure it fetches the kernel's reprint of the cells in the traceback. This module
 * lines the reprint's tokens up with the cell's own tokens (a longest common subsequence: the
 * reprint keeps every token of the code in order and only drops types and adds or drops
 * punctuation) and so finds the cell's line and column for each frame.
 *
 * A cell that does not parse gives no traceback at all (the kernel says only "Execution
 * failed"); {@linkcode findSyntaxError} asks Deno's own parser (`deno fmt`) where it breaks.
 *
 * @module
 */

/** A token of JavaScript or TypeScript code, with where it starts (1-based). */
export interface Token {
  /** The token's text (a whole string or template chunk, a word, a number, or one character). */
  text: string;
  /** The line it starts on. */
  line: number;
  /** The column it starts at, in UTF-16 code units as V8 counts. */
  column: number;
  /** The line it ends on (later than `line` for a template chunk or string across lines). */
  endLine: number;
}

/** A place in a cell's own source. */
export interface CellPosition {
  /** The cell's index among all cells of the notebook (0-based). */
  cellIndex: number;
  /** The line in the cell's source (1-based). */
  line: number;
  /** The column in that line (1-based). */
  column: number;
}

/** What the runner reports about the code it sent to the kernel. */
export interface KernelCode {
  /** Each cell's source, by cell index. */
  sources: Record<number, string>;
  /** The newlines put before each cell's code, by cell index (cells without one are absent). */
  lineOffsets: Record<number, number>;
  /**
   * The kernel's reprint of a cell as `async function() {\n<body>\n}`, by cell index, for the
   * cells a traceback passes through.
   */
  transpiled: Record<number, string>;
}

/** A syntax error in a cell's source, as Deno's parser reports it. */
export interface SyntaxProblem {
  /** The parser's message, e.g. `Expression expected`. */
  message: string;
  /** The line in the cell (1-based). */
  line: number;
  /** The column in that line (1-based). */
  column: number;
}

// Words after which a `/` starts a regular expression rather than a division.
const BEFORE_REGEX = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

const IDENTIFIER = /[A-Za-z_$\u00a0-\uffff#][\w$\u00a0-\uffff]*/y;
const NUMBER =
  /(?:0[xXoObB][\da-fA-F_]+n?|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?n?)/y;

/**
 * Splits code into tokens, skipping white space and comments. Strings, template chunks
 * (between the backtick, `${` and `}`), regular expressions, words and numbers are one token
 * each; any other character is a token of its own.
 *
 * @param code JavaScript or TypeScript source.
 * @returns The tokens in order, with their line and column.
 *
 * @example Types are tokens too; comments are not
 * ```ts
 * import { tokenize } from "./_error_lines.ts";
 * const tokens = tokenize("const x: number = 1; // one\nf(`a${x}b`);");
 * const texts = tokens.map((t) => t.text).join(" ");
 * if (texts !== "const x : number = 1 ; f ( `a${ x }b` ) ;") throw new Error(texts);
 * if (tokens[7].line !== 2 || tokens[7].column !== 1) throw new Error("f is at 2:1");
 * ```
 */
export function tokenize(code: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  // for each open `${` of a template: the depth of braces inside it
  const templates: number[] = [];
  const advance = (to: number) => {
    for (let k = i; k < to; k++) {
      if (code[k] === "\n") {
        line++;
        lineStart = k + 1;
      }
    }
    i = to;
  };
  const push = (end: number) => {
    const token = { text: code.slice(i, end), line, column: i - lineStart + 1, endLine: line };
    advance(end);
    token.endLine = line;
    tokens.push(token);
  };
  const templateEnd = (from: number): number => {
    // from just after "`" or "}": to just after the closing "`" or the "${"
    let k = from;
    while (k < code.length) {
      if (code[k] === "\\") k += 2;
      else if (code[k] === "`") return k + 1;
      else if (code[k] === "$" && code[k + 1] === "{") {
        templates.push(0);
        return k + 2;
      } else k++;
    }
    return code.length;
  };
  while (i < code.length) {
    const ch = code[i];
    if (/\s/.test(ch)) {
      advance(i + 1);
    } else if (ch === "/" && code[i + 1] === "/") {
      const end = code.indexOf("\n", i);
      advance(end < 0 ? code.length : end);
    } else if (ch === "/" && code[i + 1] === "*") {
      const end = code.indexOf("*/", i + 2);
      advance(end < 0 ? code.length : end + 2);
    } else if (ch === "'" || ch === '"') {
      let k = i + 1;
      while (k < code.length && code[k] !== ch && code[k] !== "\n") k += code[k] === "\\" ? 2 : 1;
      push(Math.min(k + 1, code.length));
    } else if (ch === "`") {
      push(templateEnd(i + 1));
    } else if (ch === "}" && templates.length > 0 && templates[templates.length - 1] === 0) {
      templates.pop();
      push(templateEnd(i + 1));
    } else if (ch === "/" && _regexAllowed(tokens[tokens.length - 1])) {
      let k = i + 1;
      let inClass = false;
      while (k < code.length && code[k] !== "\n") {
        if (code[k] === "\\") k++;
        else if (code[k] === "[") inClass = true;
        else if (code[k] === "]") inClass = false;
        else if (code[k] === "/" && !inClass) break;
        k++;
      }
      k++;
      while (k < code.length && /[a-z]/i.test(code[k])) k++;
      push(Math.min(k, code.length));
    } else {
      let end = i + 1;
      for (const pattern of [NUMBER, IDENTIFIER]) {
        pattern.lastIndex = i;
        const m = pattern.exec(code);
        if (m && m[0].length > 0 && (pattern === IDENTIFIER || /[\d.]/.test(ch))) {
          end = i + m[0].length;
          break;
        }
      }
      if (end === i + 1 && templates.length > 0) {
        if (ch === "{") templates[templates.length - 1]++;
        if (ch === "}") templates[templates.length - 1]--;
      }
      push(end);
    }
  }
  return tokens;
}

function _regexAllowed(previous: Token | undefined): boolean {
  if (!previous) return true;
  const text = previous.text;
  if (/^[\w$#\u00a0-\uffff]/.test(text)) return BEFORE_REGEX.has(text);
  if (text.endsWith("${")) return true;
  if (/^['"`]/.test(text) || text.endsWith("`")) return false;
  return !")]}".includes(text);
}

/**
 * Pairs up equal tokens of two sequences by a longest common subsequence.
 *
 * @param a The first token texts.
 * @param b The second token texts.
 * @returns For each index of `b`, the index of its partner in `a`, or -1.
 *
 * @example Types dropped, parentheses added
 * ```ts
 * import { alignTokens } from "./_error_lines.ts";
 * const pairs = alignTokens(["x", ":", "T", "=>", "x"], ["(", "x", ")", "=>", "x"]);
 * if (pairs.join() !== "-1,0,-1,3,4") throw new Error(pairs.join());
 * ```
 */
export function alignTokens(a: readonly string[], b: readonly string[]): number[] {
  const n = a.length;
  const m = b.length;
  // lengths[i * (m + 1) + j]: LCS length of a[i..] and b[j..]
  const lengths = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * (m + 1) + j] = a[i] === b[j]
        ? lengths[(i + 1) * (m + 1) + j + 1] + 1
        : Math.max(lengths[(i + 1) * (m + 1) + j], lengths[i * (m + 1) + j + 1]);
    }
  }
  const partner = new Array<number>(m).fill(-1);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      partner[j] = i;
      i++;
      j++;
    } else if (lengths[(i + 1) * (m + 1) + j] >= lengths[i * (m + 1) + j + 1]) {
      i++;
    } else {
      j++;
    }
  }
  return partner;
}

/** The runner's reprint of one cell, tokenized and lined up with the cell's source. */
interface Reprint {
  /** The reprint's tokens without the `async function() {` line and the closing `}`. */
  tokens: Token[];
  /** For each reprint token, its partner among the source's tokens, or -1. */
  partner: number[];
  /** The source's tokens. */
  source: Token[];
}

function _reprint(source: string, transpiled: string): Reprint {
  const all = tokenize(transpiled);
  const tokens = all.filter((t) => t.line > 1).slice(0, -1);
  const sourceTokens = tokenize(source);
  const partner = alignTokens(sourceTokens.map((t) => t.text), tokens.map((t) => t.text));
  return { tokens, partner, source: sourceTokens };
}

/**
 * Maps a `<anonymous>:LINE:COLUMN` position of the kernel's traceback to the cell it lies in
 * and the line and column there.
 *
 * @param line The traceback's line.
 * @param column The traceback's column.
 * @param code What the runner sent (sources, line offsets, reprints).
 * @returns The cell and its position, or undefined when the line lies in no known cell or the
 *   cell's reprint is missing (then only the cell is known: see {@linkcode frameCell}).
 *
 * @example A throw after an interface and a two-line object
 * ```ts
 * import { mapPosition } from "./_error_lines.ts";
 * const source = "interface P { x: number }\nconst p: P = { x: 1 };\n\nthrow new Error(`${p.x}`);";
 * const transpiled = "async function() {\n  const p = {\n    x: 1\n  };\n  throw new Error(`${p.x}`);\n}";
 * // the runner put 10 newlines first; the kernel reported line 10 + 4, column 7 ("new")
 * const at = mapPosition(14, 7, { sources: { 3: source }, lineOffsets: { 3: 10 }, transpiled: { 3: transpiled } });
 * if (at?.cellIndex !== 3 || at.line !== 4 || at.column !== 7) throw new Error(JSON.stringify(at));
 * ```
 */
export function mapPosition(
  line: number,
  column: number,
  code: KernelCode,
): CellPosition | undefined {
  const where = frameCell(line, code);
  if (!where) return undefined;
  const transpiled = code.transpiled[where.cellIndex];
  if (transpiled === undefined) return undefined;
  const reprint = _reprint(code.sources[where.cellIndex], transpiled);
  // reprint line: one more (the function's first line); columns: two more (the body's
  // indent) except on lines that continue a template; the cell's first line follows the
  // runner's comment, `*/ `, three columns the reprint does not have
  const target = where.line + 1;
  const continued = reprint.tokens.some((t) => t.line < target && t.endLine >= target);
  const col = (where.line === 1 ? column - 3 : column) + (continued ? 0 : 2);
  const onLine = reprint.tokens
    .map((t, k) => ({ t, k }))
    .filter(({ t }) => t.line === target);
  let pick = onLine.find(({ t }) => t.column === col) ??
    onLine.find(({ t }) => t.column > col) ?? onLine[onLine.length - 1];
  if (!pick) {
    const k = reprint.tokens.findIndex((t) => t.line < target && t.endLine >= target);
    if (k < 0) return undefined;
    pick = { t: reprint.tokens[k], k };
  }
  // the source token paired with it, else the nearest paired one after it, else before it
  let k = pick.k;
  while (k < reprint.tokens.length && reprint.partner[k] < 0) k++;
  if (k === reprint.tokens.length) {
    k = pick.k;
    while (k >= 0 && reprint.partner[k] < 0) k--;
  }
  if (k < 0) return undefined;
  const token = reprint.source[reprint.partner[k]];
  return { cellIndex: where.cellIndex, line: token.line, column: token.column };
}

/**
 * The cell a traceback line lies in, by the runner's line offsets, and the line within the
 * kernel's reprint of that cell.
 *
 * @param line The traceback's line.
 * @param code What the runner sent.
 * @returns The cell and the reprint's line, or undefined.
 *
 * @example Offsets 1 and 50: line 53 is the third line of cell 4
 * ```ts
 * import { frameCell } from "./_error_lines.ts";
 * const at = frameCell(53, { sources: { 2: "x".repeat(40), 4: "y" }, lineOffsets: { 2: 1, 4: 50 }, transpiled: {} });
 * if (at?.cellIndex !== 4 || at.line !== 3) throw new Error(JSON.stringify(at));
 * ```
 */
export function frameCell(
  line: number,
  code: KernelCode,
): { cellIndex: number; line: number } | undefined {
  for (const [index, offset] of Object.entries(code.lineOffsets)) {
    const cellIndex = Number(index);
    const span = (code.sources[cellIndex] ?? "").length + 2;
    if (line > offset && line <= offset + span) return { cellIndex, line: line - offset };
  }
  return undefined;
}

const FRAME = /<anonymous>:(\d+):(\d+)/g;

/**
 * Rewrites the kernel's traceback so that each `<anonymous>:LINE:COLUMN` names the cell and
 * its own line and column, `<cell N>:LINE:COLUMN` (N counts all cells from 1), and lists the
 * positions found.
 *
 * @param traceback The traceback lines of an error output.
 * @param code What the runner sent.
 * @returns The rewritten lines and the mapped positions, innermost frame first.
 *
 * @example
 * ```ts
 * import { mapTraceback } from "./_error_lines.ts";
 * const code = {
 *   sources: { 0: "const a: number = 1;\n\nfoo(a);" },
 *   lineOffsets: { 0: 1 },
 *   transpiled: { 0: "async function() {\n  const a = 1;\n  foo(a);\n}" },
 * };
 * const { lines, positions } = mapTraceback(["ReferenceError: foo is not defined", "    at <anonymous>:3:1"], code);
 * if (lines[1] !== "    at <cell 1>:3:1" || positions[0].line !== 3) throw new Error(lines[1]);
 * ```
 */
export function mapTraceback(
  traceback: readonly string[],
  code: KernelCode,
): { lines: string[]; positions: CellPosition[] } {
  const positions: CellPosition[] = [];
  const lines = traceback.map((text) =>
    text.replace(FRAME, (whole, l: string, c: string) => {
      const at = mapPosition(Number(l), Number(c), code);
      if (at) {
        positions.push(at);
        return `<cell ${at.cellIndex + 1}>:${at.line}:${at.column}`;
      }
      const cell = frameCell(Number(l), code);
      return cell ? `<cell ${cell.cellIndex + 1}, transpiled>:${cell.line}:${c}` : whole;
    })
  );
  return { lines, positions };
}

/**
 * Asks Deno's parser where a cell's code breaks: the kernel reports a cell that does not parse
 * only as "Execution failed". Runs `deno fmt --ext=ts -` on the source (the parser the kernel
 * uses; nothing is written).
 *
 * @param source The cell's source.
 * @param options.deno The deno executable. @default Deno.execPath()
 * @returns The message and position, or undefined when the code parses.
 *
 * @example A missing operand
 * ```ts
 * import { findSyntaxError } from "./_error_lines.ts";
 * const problem = await findSyntaxError("const a = 1;\nconst b = (;\n");
 * if (problem?.line !== 2 || problem.column !== 12) throw new Error(JSON.stringify(problem));
 * ```
 */
export async function findSyntaxError(
  source: string,
  options: { deno?: string } = {},
): Promise<SyntaxProblem | undefined> {
  const child = new Deno.Command(options.deno ?? Deno.execPath(), {
    args: ["fmt", "--ext=ts", "-"],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(source));
  await writer.close();
  const out = await child.output();
  if (out.success) return undefined;
  const text = new TextDecoder().decode(out.stderr);
  const message = /error: (?:SyntaxError: )?(.*)/.exec(text)?.[1]?.trim();
  const at = /_stdin\.ts:(\d+):(\d+)/.exec(text);
  if (!message || !at) return undefined;
  return { message, line: Number(at[1]), column: Number(at[2]) };
}
