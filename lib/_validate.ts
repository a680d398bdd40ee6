/**
 * Argument checks and the way values are shown in error messages, for every module of lib
 * (charts included). Pure: no tfjs import, so chart code can use it without loading tfjs.
 * Tensors and models are recognised by their shape (duck typing).
 *
 * Every check throws an error that names the parameter, shows the value it got and says what
 * is allowed, e.g. `options.epochs must be a positive integer, got 0`. Type mistakes (a string
 * for a number) are `TypeError`s; values of the right type outside their range are
 * `RangeError`s.
 *
 * @module
 */

/** What lib reads of a tfjs tensor to describe it, without importing tfjs. */
interface TensorLike {
  shape: number[];
  dtype: string;
  isDisposed?: boolean;
}

/** True when `value` looks like a tfjs tensor (it has a numeric `shape` and a `dtype`). */
export function isTensorLike(value: unknown): value is TensorLike {
  return typeof value === "object" && value !== null &&
    Array.isArray((value as TensorLike).shape) &&
    typeof (value as TensorLike).dtype === "string";
}

/**
 * A short, single-line rendering of `value` for error messages: strings quoted, short arrays
 * written out, long ones by their length, tensors by their shape, objects abbreviated.
 */
export function describe(value: unknown): string {
  if (typeof value === "string") {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 56)}..."` : text;
  }
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return String(value);
  }
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return value.toString();
  if (isTensorLike(value)) {
    return `${value.isDisposed ? "a disposed" : "a"} tensor of shape [${value.shape.join(", ")}]`;
  }
  if (Array.isArray(value)) {
    if (value.length <= 6 && value.every((v) => v === null || typeof v !== "object")) {
      const text = `[${value.map(describe).join(", ")}]`;
      if (text.length <= 60) return text;
    }
    return `an array of length ${value.length}`;
  }
  if (ArrayBuffer.isView(value)) {
    return `a ${value.constructor.name} of length ${
      (value as unknown as ArrayLike<unknown>).length
    }`;
  }
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return Object.prototype.toString.call(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** `"a", "b", "c"`: a list of allowed strings for error messages. */
export function quoteList(items: readonly string[]): string {
  return items.length === 0 ? "(none)" : items.map((c) => JSON.stringify(c)).join(", ");
}

/** Throws a TypeError unless `value` is a plain object (not null, not an array). */
export function checkObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Checks that `options` is an object whose keys are all in `allowed`, so a misspelt option
 * (`epoch` for `epochs`) is an error that lists the valid names instead of being ignored.
 * Keys whose value is `undefined` are checked too.
 *
 * @returns `options`, typed as the caller's options type.
 */
export function checkOptions<T extends object>(
  options: T | undefined,
  allowed: readonly string[],
  name = "options",
): T {
  if (options === undefined) return {} as T;
  checkObject(options, name);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(
        `${name} has no setting ${JSON.stringify(key)}; the settings are ${
          allowed.length === 0 ? "(none)" : allowed.join(", ")
        }`,
      );
    }
  }
  return options;
}

/** Throws unless `value` is a number (TypeError) that is finite (RangeError). */
export function checkFinite(value: unknown, name: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a finite number, got ${describe(value)}`);
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number, got ${value}`);
  }
  return value;
}

/** Throws unless `value` is a finite number >= 0 (a λ, a noise level, a standard deviation). */
export function checkNonNegative(value: unknown, name: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a finite number >= 0, got ${describe(value)}`);
  }
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
}

/** Throws unless `value` is a finite number > 0. */
export function checkPositive(value: unknown, name: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a positive number, got ${describe(value)}`);
  }
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * The largest sizes lib builds. Each is checked before any work or allocation, so a slip such
 * as `1e9` for `1e3` fails at once with a message naming the limit, instead of running for
 * minutes and then running out of memory.
 */
export const LIMITS = {
  /** Examples of a synthetic data set (1e6 rows of JavaScript arrays: about 100 MB). */
  examples: 1_000_000,
  /** Features of a synthetic data set. */
  features: 10_000,
  /** Values (examples × features) of a synthetic data set. */
  values: 10_000_000,
  /** Rows of an index-only split (k-fold): indices alone, so ten times `examples`. */
  rows: 10_000_000,
  /** Units of one layer, inputs of a model, features of a batch-norm state. */
  units: 100_000,
  /** Hidden layers of an `mlp`. */
  hiddenLayers: 1000,
  /**
   * Parameters of an `mlp`: 40 MB of float32 weights, about 160 MB while Adam trains it
   * (weights, gradients and two moments), well inside the wasm backend's memory.
   */
  parameters: 10_000_000,
  /** Points per axis of a prediction grid (1000 × 1000 points). */
  gridResolution: 1000,
  /** Histogram bins. */
  bins: 10_000,
  /** Values of one dropout mask (400 MB of float32). */
  maskValues: 100_000_000,
} as const;

/** Throws unless `value` is an integer >= `min`. */
export function checkIntAtLeast(value: unknown, name: string, min: number): number {
  const what = min === 1 ? "a positive integer" : `an integer >= ${min}`;
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be ${what}, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be ${what}, got ${value}`);
  }
  return value;
}

/**
 * Throws unless `value` is an integer in [`min`, `max`]; too large a value is a RangeError that
 * names the limit and its `unit`, e.g. `n must be at most 1000000 examples, got 1000000000`.
 */
export function checkIntBetween(
  value: unknown,
  name: string,
  min: number,
  max: number,
  unit = "",
): number {
  checkIntAtLeast(value, name, min);
  if ((value as number) > max) {
    throw new RangeError(`${name} must be at most ${max}${unit ? ` ${unit}` : ""}, got ${value}`);
  }
  return value as number;
}

/** Throws unless `value` is a positive integer (a count, a size, a number of epochs). */
export function checkPositiveInt(value: unknown, name: string): number {
  return checkIntAtLeast(value, name, 1);
}

/** Throws unless `value` is a finite number in `[lo, hi]` (`open` excludes either end). */
export function checkInRange(
  value: unknown,
  name: string,
  lo: number,
  hi: number,
  open: { lo?: boolean; hi?: boolean } = {},
  meaning = "",
): number {
  const range = `${open.lo ? "(" : "["}${lo}, ${hi}${open.hi ? ")" : "]"}`;
  const what = `${name}${meaning ? ` (${meaning})` : ""} must be a number in ${range}`;
  if (typeof value !== "number") throw new TypeError(`${what}, got ${describe(value)}`);
  const ok = (open.lo ? value > lo : value >= lo) && (open.hi ? value < hi : value <= hi);
  if (!ok) throw new RangeError(`${what}, got ${value}`);
  return value;
}

/** Throws unless `value` is an interval `[lo, hi]` of finite numbers with lo < hi. */
export function checkInterval(value: unknown, name: string): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new TypeError(`${name} must be an array [lo, hi] of two numbers, got ${describe(value)}`);
  }
  const lo = checkFinite(value[0], `${name}[0]`);
  const hi = checkFinite(value[1], `${name}[1]`);
  if (!(lo < hi)) throw new RangeError(`${name} must satisfy lo < hi, got [${lo}, ${hi}]`);
  return [lo, hi];
}

/** Throws a TypeError unless `value` is a string (empty allowed only when `allowEmpty`). */
export function checkString(value: unknown, name: string, allowEmpty = false): string {
  if (typeof value !== "string" || (!allowEmpty && value.length === 0)) {
    throw new TypeError(
      `${name} must be a ${allowEmpty ? "" : "non-empty "}string, got ${describe(value)}`,
    );
  }
  return value;
}

/** Throws a TypeError unless `value` is a boolean. */
export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`${name} must be true or false, got ${describe(value)}`);
  }
  return value;
}

/** Throws a RangeError unless `value` is one of `allowed`. */
export function checkOneOf<T extends string>(
  value: unknown,
  name: string,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value as T)) {
    throw new RangeError(`${name} must be one of ${quoteList(allowed)}, got ${describe(value)}`);
  }
  return value as T;
}

/** Throws unless `value` is an array with at least one item. */
export function checkNonEmptyArray<T>(value: unknown, name: string, what: string): T[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${name} must be an array of ${what}, got ${describe(value)}`);
  }
  if (value.length === 0) {
    throw new RangeError(`${name} must be a non-empty array of ${what}, got an empty array`);
  }
  return value as T[];
}

/** Throws unless `value` is a function. */
export function checkFunction<F>(value: unknown, name: string): F {
  if (typeof value !== "function") {
    throw new TypeError(`${name} must be a function, got ${describe(value)}`);
  }
  return value as F;
}

/**
 * Throws unless `value` is a tensor that has not been disposed (a disposed one is a TypeError
 * that names the argument, where tfjs would only say "Tensor is disposed.").
 */
export function checkTensor<T>(value: unknown, name: string): T {
  if (!isTensorLike(value)) throw new TypeError(`${name} must be a tensor, got ${describe(value)}`);
  if (value.isDisposed) {
    throw new TypeError(
      `${name} is a tensor of shape [${value.shape.join(", ")}] that has already been disposed`,
    );
  }
  return value as T;
}

/** Throws unless `value` looks like a tfjs LayersModel (it has `layers` and `predict`). */
export function checkModel<M>(value: unknown, name = "model"): M {
  const m = value as { layers?: unknown; predict?: unknown } | null;
  if (
    typeof m !== "object" || m === null || !Array.isArray(m.layers) ||
    typeof m.predict !== "function"
  ) {
    throw new TypeError(
      `${name} must be a tfjs LayersModel (for example from mlp()), got ${describe(value)}`,
    );
  }
  return value as M;
}

/** The position of the first value that is NaN or ±Infinity, or -1 when all are finite. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    // v - v is 0 for a finite number and NaN for NaN and ±Infinity.
    if (values[i] - values[i] !== 0) return i;
  }
  return -1;
}

/**
 * Throws a RangeError unless every value of the row-major matrix `values` (`cols` values per
 * row) is finite, naming the first bad one: `X has a non-finite value NaN at row 17, column 1`.
 */
export function checkFiniteValues(values: ArrayLike<number>, cols: number, name: string): void {
  const i = firstNonFinite(values);
  if (i < 0) return;
  const row = cols > 0 ? Math.floor(i / cols) : 0, col = cols > 0 ? i % cols : 0;
  throw new RangeError(
    `${name} has a non-finite value ${values[i]} at row ${row}, column ${col}`,
  );
}

/**
 * Checks an array of rows — each an array of `cols` numbers, all finite — and returns its
 * values row by row in one Float64Array, read in a single pass. A row of another length is a
 * RangeError (`X rows must all have 2 values, row 3 has 1`), a value that is not a number a
 * TypeError (`X[0][1] must be a number, got "2"`), a non-finite one a RangeError as in
 * {@link checkFiniteValues}.
 */
export function flattenRows(rows: readonly unknown[], name: string, cols: number): Float64Array {
  const data = new Float64Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!Array.isArray(row)) {
      throw new TypeError(`${name}[${i}] must be an array of numbers, got ${describe(row)}`);
    }
    if (row.length !== cols) {
      throw new RangeError(`${name} rows must all have ${cols} values, row ${i} has ${row.length}`);
    }
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== "number") {
        throw new TypeError(`${name}[${i}][${j}] must be a number, got ${describe(v)}`);
      }
      if (v - v !== 0) {
        throw new RangeError(`${name} has a non-finite value ${v} at row ${i}, column ${j}`);
      }
      data[i * cols + j] = v;
    }
  }
  return data;
}
