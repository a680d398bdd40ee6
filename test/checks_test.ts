import assert from "node:assert/strict";
import { check, CheckError, flushOutput } from "../lib/checks.ts";
import { setDisplayHook } from "../lib/testing.ts";

Deno.test("check() prints the verified claim with its numbers", async () => {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    await check(2 > 1, "two exceeds one", "2 vs 1");
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

Deno.test("check() throws at once, not through its promise, when the claim fails", () => {
  let returned: unknown = "nothing";
  try {
    returned = check(false, "never true");
  } catch (e) {
    assert.ok(e instanceof CheckError);
  }
  assert.equal(returned, "nothing");
});

Deno.test("check() rejects a condition that is not a boolean", () => {
  assert.throws(() => check(1 as unknown as boolean, "truthy is not enough"), {
    name: "TypeError",
    message: "condition must be true or false, got 1",
  });
});

/** Whether `promise` settles before a zero-delay timer fires, i.e. without waiting on a timer. */
async function settlesWithoutTimer(promise: Promise<void>): Promise<boolean> {
  let fired = false;
  const timer = setTimeout(() => fired = true, 0);
  await promise;
  clearTimeout(timer);
  return !fired;
}

Deno.test("flushOutput() and check() do not wait outside the kernel or under a test display hook", async () => {
  assert.ok(await settlesWithoutTimer(flushOutput()), "outside the kernel");
  const original = console.log;
  console.log = () => {};
  setDisplayHook(() => {});
  try {
    assert.ok(await settlesWithoutTimer(flushOutput()), "flushOutput() under a hook");
    assert.ok(await settlesWithoutTimer(check(true, "waits for nothing")), "check() under a hook");
  } finally {
    setDisplayHook(undefined);
    console.log = original;
  }
});
