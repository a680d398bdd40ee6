import assert from "node:assert/strict";
import * as penalties from "../lib/penalties.ts";
import * as path from "../lib/regularization_path.ts";
import * as regularizers from "../lib/regularizers.ts";
import * as weights from "../lib/weights.ts";

// The penalties, weight measurements and regularization paths are tested in
// penalties_test.ts, weights_test.ts and regularization_path_test.ts.

Deno.test("regularizers.ts re-exports the penalties, weights and path modules, and only them", () => {
  const parts = { ...penalties, ...weights, ...path };
  assert.deepEqual(Object.keys(regularizers).sort(), Object.keys(parts).sort());
  for (const [name, value] of Object.entries(parts)) {
    assert.equal((regularizers as Record<string, unknown>)[name], value, name);
  }
});

Deno.test("the regularization modules export no private names", () => {
  for (const name of Object.keys(regularizers)) assert.ok(!name.startsWith("_"), name);
});
