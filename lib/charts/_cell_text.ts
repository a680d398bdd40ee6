/**
 * How a table cell shows a value: integers as they are, other numbers rounded to a number of
 * significant digits, dates in ISO form, anything else as JSON.
 *
 * @module
 */

/** The text of one cell: integers as they are, other numbers with `digits` significant digits. */
export function cellText(value: unknown, digits: number): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return String(Number(value.toPrecision(digits)));
  }
  if (typeof value === "string") return value;
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString();
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
