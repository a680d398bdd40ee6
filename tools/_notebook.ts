/**
 * The one notebook model of the tools: nbformat 4 types (notebook, cell, output, metadata with
 * the slideshow and Jupyter Book fields the decks read) and the reading, parsing and checking
 * of `.ipynb` files. Shared by the notebook runner (`_jupyter.ts`, `deno task course`) and the
 * deck exporter (`_slides.ts`, `_decks.ts`, `deno task slides`).
 *
 * A notebook as read here always has `metadata` objects on itself and on every cell: nbformat
 * requires them, and a file that leaves one out is read as if it were empty.
 *
 * @module
 */

/** The static image every chart carries for nbconvert, slides and GitHub. */
export const SVG_MIME = "image/svg+xml";

/** The Vega-Lite MIME type that JupyterLab 4, VS Code and the Deno kernel render. */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

/**
 * Whether a MIME type is a Vega-Lite spec of any version.
 *
 * @param mime A MIME type from an output bundle.
 * @returns True for `application/vnd.vegalite.vN+json`.
 *
 * @example Any Vega-Lite version
 * ```ts
 * import { isVegaLiteMime } from "./_notebook.ts";
 * if (!isVegaLiteMime("application/vnd.vegalite.v4+json") || isVegaLiteMime("image/svg+xml")) {
 *   throw new Error("vega-lite");
 * }
 * ```
 */
export function isVegaLiteMime(mime: string): boolean {
  return /^application\/vnd\.vegalite\.v\d+\+json$/.test(mime);
}

/** The slide types a cell may carry in `metadata.slideshow.slide_type`. */
export const SLIDE_TYPES: readonly string[] = [
  "slide",
  "subslide",
  "fragment",
  "skip",
  "notes",
  "-",
];

/** The cell types of nbformat 4. */
export const CELL_TYPES: readonly string[] = ["markdown", "code", "raw"];

/** Text as nbformat stores it: one string, or a list of strings to join. */
export type MultilineText = string | string[];

/** One output of a code cell. */
export interface NotebookOutput {
  output_type: "stream" | "display_data" | "execute_result" | "error" | string;
  /** A stream's name: `stdout` or `stderr`. */
  name?: string;
  /** A stream's text. */
  text?: MultilineText;
  /** A display or result bundle: MIME type to value (text types as {@link MultilineText}). */
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** A cell's metadata: the slideshow, Jupyter Book and JupyterLab fields the tools read. */
export interface CellMetadata {
  /** RISE / nbconvert slides: one of {@linkcode SLIDE_TYPES}. */
  slideshow?: { slide_type?: string };
  /** Jupyter Book tags such as `remove-cell`, `hide-input`. */
  tags?: string[];
  /** JupyterLab's folded input and outputs. */
  jupyter?: { source_hidden?: boolean; outputs_hidden?: boolean };
  /** A raw cell's format, e.g. `text/html`. */
  raw_mimetype?: string;
  format?: string;
  [key: string]: unknown;
}

/** One notebook cell. */
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: MultilineText;
  metadata: CellMetadata;
  /** A code cell's outputs. */
  outputs?: NotebookOutput[];
  /** A code cell's run number; null when it never ran. */
  execution_count?: number | null;
  /** A markdown cell's attached images: name to MIME bundle. */
  attachments?: Record<string, Record<string, MultilineText>>;
}

/** A notebook's own metadata. */
export interface NotebookMetadata {
  kernelspec?: { name?: string; display_name?: string; language?: string };
  language_info?: { name?: string };
  [key: string]: unknown;
}

/** A notebook in nbformat 4 (`nbformat` may be missing from a hand-made one). */
export interface Notebook {
  cells: NotebookCell[];
  metadata: NotebookMetadata;
  nbformat?: number;
  nbformat_minor?: number;
}

/** A notebook that cannot be read: the message starts with the file's name and says what is wrong. */
export class NotebookFormatError extends TypeError {
  /**
   * @param message Starts with the notebook's name.
   */
  constructor(message: string) {
    super(message);
    this.name = "NotebookFormatError";
  }
}

/**
 * Text stored as nbformat does (a string or a list of strings) as one string.
 *
 * @param value The stored text; undefined reads as empty.
 * @returns The joined text.
 *
 * @example Lines are joined as they are
 * ```ts
 * import { joinText } from "./_notebook.ts";
 * if (joinText(["a\n", "b"]) !== "a\nb" || joinText(undefined) !== "") throw new Error("join");
 * ```
 */
export function joinText(value: MultilineText | undefined): string {
  if (value === undefined) return "";
  return Array.isArray(value) ? value.join("") : value;
}

/**
 * A cell's source as one string.
 *
 * @param cell A notebook cell.
 * @returns Its source text.
 *
 * @example Join a cell's lines
 * ```ts
 * import { cellSource } from "./_notebook.ts";
 * const text = cellSource({ cell_type: "markdown", source: ["# Title\n", "Text"], metadata: {} });
 * if (text !== "# Title\nText") throw new Error(text);
 * ```
 */
export function cellSource(cell: NotebookCell): string {
  return joinText(cell.source);
}

function _kind(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function _isText(value: unknown): value is MultilineText {
  return typeof value === "string" ||
    (Array.isArray(value) && value.every((v) => typeof v === "string"));
}

function _isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks that parsed JSON is an nbformat 4 notebook the tools can read and returns it typed,
 * with an empty `metadata` object wherever the file leaves one out.
 *
 * @param raw The parsed `.ipynb` JSON (not modified).
 * @param name The file's name, for messages.
 * @returns The notebook.
 * @throws NotebookFormatError naming the file, the cell and what is wrong.
 *
 * @example A cell with an unknown slide type
 * ```ts
 * import { validateNotebook } from "./_notebook.ts";
 * const raw = { cells: [{ cell_type: "markdown", source: "# Hi", metadata: { slideshow: { slide_type: "slides" } } }] };
 * try {
 *   validateNotebook(raw, "x.ipynb");
 *   throw new Error("accepted");
 * } catch (error) {
 *   if (!String(error).includes('x.ipynb: cell 1 (markdown): metadata.slideshow.slide_type must be one of')) throw error;
 * }
 * ```
 */
export function validateNotebook(raw: unknown, name: string): Notebook {
  const fail = (what: string): never => {
    throw new NotebookFormatError(`${name}: ${what}`);
  };
  if (!_isObject(raw)) return fail(`the file must hold a notebook object, got ${_kind(raw)}`);
  if (raw.nbformat !== undefined && raw.nbformat !== 4) {
    fail(`nbformat must be 4, got ${_kind(raw.nbformat)} (convert it with jupyter nbconvert)`);
  }
  if (!Array.isArray(raw.cells)) {
    return fail(
      `cells must be an array of cells, got ${raw.cells === undefined ? "none" : _kind(raw.cells)}`,
    );
  }
  if (raw.metadata !== undefined && !_isObject(raw.metadata)) {
    fail(`metadata must be an object, got ${_kind(raw.metadata)}`);
  }
  const cells = raw.cells.map((cell: unknown, i: number) => _validateCell(cell, i, fail));
  return { ...raw, metadata: raw.metadata ?? {}, cells } as Notebook;
}

function _validateCell(raw: unknown, i: number, fail: (what: string) => never): NotebookCell {
  if (!_isObject(raw)) return fail(`cell ${i + 1} must be an object, got ${_kind(raw)}`);
  if (!CELL_TYPES.includes(raw.cell_type as string)) {
    fail(
      `cell ${i + 1}: cell_type must be one of ${CELL_TYPES.join(", ")}, got ${
        _kind(raw.cell_type)
      }`,
    );
  }
  const where = `cell ${i + 1} (${raw.cell_type})`;
  if (!_isText(raw.source)) {
    fail(`${where}: source must be a string or a list of strings, got ${_kind(raw.source)}`);
  }
  const metadata = raw.metadata ?? {};
  if (!_isObject(metadata)) {
    return fail(`${where}: metadata must be an object, got ${_kind(metadata)}`);
  }
  const slideshow = metadata.slideshow ?? {};
  if (!_isObject(slideshow)) {
    fail(`${where}: metadata.slideshow must be an object, got ${_kind(slideshow)}`);
  }
  const slideType = (slideshow as Record<string, unknown>).slide_type;
  if (slideType !== undefined && !SLIDE_TYPES.includes(slideType as string)) {
    fail(
      `${where}: metadata.slideshow.slide_type must be one of ${SLIDE_TYPES.join(", ")}, got ${
        _kind(slideType)
      }`,
    );
  }
  const tags = metadata.tags;
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === "string"))) {
    fail(`${where}: metadata.tags must be a list of strings, got ${_kind(tags)}`);
  }
  if (raw.outputs !== undefined) {
    if (!Array.isArray(raw.outputs)) {
      fail(`${where}: outputs must be an array, got ${_kind(raw.outputs)}`);
    }
    (raw.outputs as unknown[]).forEach((output, j) =>
      _validateOutput(output, `${where} output ${j + 1}`, fail)
    );
  }
  return { ...raw, metadata } as unknown as NotebookCell;
}

function _validateOutput(raw: unknown, at: string, fail: (what: string) => never): void {
  if (!_isObject(raw)) return fail(`${at} must be an object, got ${_kind(raw)}`);
  if (typeof raw.output_type !== "string") {
    fail(`${at}: output_type must be a string, got ${_kind(raw.output_type)}`);
  }
  if (raw.output_type === "stream" && !_isText(raw.text)) {
    fail(`${at}: a stream's text must be a string or a list of strings, got ${_kind(raw.text)}`);
  }
  if (raw.data === undefined) return;
  if (!_isObject(raw.data)) {
    return fail(`${at}: data must be an object of MIME types, got ${_kind(raw.data)}`);
  }
  for (const [mime, value] of Object.entries(raw.data)) {
    if ((mime.startsWith("text/") || mime.startsWith("image/")) && !_isText(value)) {
      fail(`${at}: data["${mime}"] must be a string or a list of strings, got ${_kind(value)}`);
    }
  }
}

/**
 * Parses and checks a notebook's JSON text.
 *
 * @param text The `.ipynb` file's contents.
 * @param name The file's name, for messages.
 * @returns The notebook.
 * @throws NotebookFormatError naming the file and what is wrong (not JSON, not a notebook).
 *
 * @example Parse and read a cell
 * ```ts
 * import { cellSource, parseNotebook } from "./_notebook.ts";
 * const nb = parseNotebook('{"cells": [{"cell_type": "code", "source": ["1 +", " 1"]}]}', "a.ipynb");
 * if (cellSource(nb.cells[0]) !== "1 + 1") throw new Error("source");
 * if (Object.keys(nb.cells[0].metadata).length !== 0) throw new Error("metadata read as {}");
 * ```
 */
export function parseNotebook(text: string, name: string): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new NotebookFormatError(
      `${name}: the file must be notebook JSON, got a parse error: ${(error as Error).message}`,
    );
  }
  return validateNotebook(raw, name);
}

/**
 * Reads and checks a notebook file.
 *
 * @param path The `.ipynb` file.
 * @param name How messages name it. @default the path
 * @returns The notebook.
 * @throws NotebookFormatError naming the file and what is wrong (unreadable, not JSON, not a
 *   notebook).
 *
 * @example Not JSON
 * ```ts
 * import { readNotebook } from "./_notebook.ts";
 * const path = await Deno.makeTempFile({ suffix: ".ipynb" });
 * await Deno.writeTextFile(path, "{ cells: [");
 * try {
 *   await readNotebook(path, "broken.ipynb");
 *   throw new Error("accepted");
 * } catch (error) {
 *   if (!String(error).includes("broken.ipynb: the file must be notebook JSON")) throw error;
 * } finally {
 *   await Deno.remove(path);
 * }
 * ```
 */
export async function readNotebook(path: string, name: string = path): Promise<Notebook> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new NotebookFormatError(`${name}: the file cannot be read: ${(error as Error).message}`);
  }
  return parseNotebook(text, name);
}
