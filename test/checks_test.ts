import assert from "node:assert/strict";
import { check, CheckError } from "../lib/checks.ts";

Deno.test("check() prints the verified claim with its numbers", () => {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    check(2 > 1, "two exceeds one", "2 vs 1");
  } finally {
    console.log = original;
  }
  assert.deepEqual(lines, ["✓ two exceeds one (2 vs 1)"]);
});

Deno.test("check() throws a CheckError naming the claim that failed", () => {
  assert.throws(() => check(1 > 2, "one exceeds two", "1 vs 2"), (e: unknown) => {
    assert.ok(e instanceof CheckError);
    assert.equal((e as Error).message, "Check failed: one exceeds two (1 vs 2)");
    return true;
  });
});

Deno.test("check() rejects an empty claim", () => {
  assert.throws(() => check(true, ""), {
    name: "TypeError",
    message: 'claim must be a non-empty string, got ""',
  });
});
