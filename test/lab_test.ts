/**
 * `deno task lab` takes its Jupyter server down with it: a SIGTERM, SIGINT or SIGHUP sent to
 * tools/lab.ts stops the server it started (nothing listens on its port any more, no process
 * it started is left), and a server that ignores the request is killed after the grace period.
 * A Ctrl-C in a terminal stays Jupyter's: the first one lets it ask before shutting down.
 *
 * The end-to-end tests start the real Jupyter on a free loopback port (Jupyter must be
 * installed, see README.md) and need `ps` to list processes (Linux, macOS).
 */
import assert from "node:assert/strict";
import { ROOT } from "../tools/_jupyter.ts";
import { interruptPolicy } from "../tools/lab.ts";

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A loopback port nothing listens on right now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Whether something accepts connections on the loopback port. */
async function listening(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Every live process id with its parent's, from `ps` (zombies, dead but not yet reaped, left out). */
async function processTable(): Promise<Map<number, number>> {
  const out = await new Deno.Command("ps", {
    args: ["-A", "-o", "pid=,ppid=,stat="],
    stdout: "piped",
  }).output();
  const table = new Map<number, number>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const [pid, ppid, stat] = line.trim().split(/\s+/);
    if (Number(pid) > 0 && !stat.startsWith("Z")) table.set(Number(pid), Number(ppid));
  }
  return table;
}

/** Those of `pids` still alive after up to `ms` (a killed process takes a moment to go). */
async function survivors(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let alive = new Set((await processTable()).keys());
  while (pids.some((pid) => alive.has(pid)) && Date.now() < deadline) {
    await sleep(100);
    alive = new Set((await processTable()).keys());
  }
  return pids.filter((pid) => alive.has(pid));
}

/** The processes below `pid` (children, their children, ...). */
async function descendants(pid: number): Promise<number[]> {
  const table = await processTable();
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = [...table].filter(([, ppid]) => frontier.includes(ppid)).map(([p]) => p);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** Collects a stream's text (the last 20 000 characters) until it closes. */
function collect(stream: ReadableStream<Uint8Array>): { text: () => string; done: Promise<void> } {
  let text = "";
  const done = stream.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({
      write(chunk) {
        text = (text + chunk).slice(-20_000);
      },
    }),
  );
  return { text: () => text, done };
}

/** Resolves to what the promise resolves to, or to null when it is still pending after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), ms));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends SIGKILL to each process that still runs. */
function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/**
 * Starts `deno task lab` (lab.ts with the task's permissions) headless on a free loopback port
 * and waits until Jupyter answers there. Signals sent to the task reach lab.ts: deno task
 * forwards SIGTERM, SIGINT and SIGHUP to the process it runs.
 */
async function startLab() {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "lab", "--no-browser", "--ip=127.0.0.1", `--port=${port}`],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = collect(child.stdout);
  const err = collect(child.stderr);
  const output = () => `--- stdout\n${out.text()}\n--- stderr\n${err.text()}`;
  const deadline = Date.now() + 120_000;
  let up = false;
  while (!up && Date.now() < deadline) {
    const exited = await within(child.status, 250);
    if (exited) assert.fail(`deno task lab exited with ${exited.code} before serving\n${output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        redirect: "manual",
        signal: AbortSignal.timeout(2_000),
      });
      await response.body?.cancel();
      up = true;
    } catch {
      // not serving yet
    }
  }
  if (!up) {
    child.kill("SIGKILL");
    await child.status;
    assert.fail(`Jupyter did not answer on port ${port} within 120 s\n${output()}`);
  }
  return { child, port, output, streams: Promise.all([out.done, err.done]) };
}

/** Starts a Deno kernel through Jupyter's REST API and waits until its process runs. */
async function startKernel(labPid: number, port: number, output: () => string): Promise<void> {
  const token = /[?&]token=([0-9a-f]+)/.exec(output())?.[1];
  assert.ok(token, `Jupyter must print its token\n${output()}`);
  const before = (await descendants(labPid)).length;
  const response = await fetch(`http://127.0.0.1:${port}/api/kernels`, {
    method: "POST",
    headers: { Authorization: `token ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "deno" }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  assert.ok(response.ok, `starting a kernel answered ${response.status}: ${text}`);
  for (let i = 0; i < 100 && (await descendants(labPid)).length <= before; i++) await sleep(100);
  assert.ok((await descendants(labPid)).length > before, "the kernel's process must start");
}

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  Deno.test({
    name: `lab.ts stops the Jupyter server it started when it gets ${signal}${
      signal === "SIGTERM" ? ", kernel included" : ""
    }`,
    ignore: Deno.build.os === "windows",
    sanitizeResources: false,
    fn: async () => {
      const { child, port, output, streams } = await startLab();
      // With a kernel running, too: Jupyter must shut it down (it runs in a session of its own).
      if (signal === "SIGTERM") await startKernel(child.pid, port, output);
      const started = await descendants(child.pid);
      assert.ok(started.length > 0, `lab.ts must have started Jupyter\n${output()}`);
      const sent = performance.now();
      child.kill(signal);
      const status = await within(child.status, 20_000);
      const seconds = (performance.now() - sent) / 1000;
      // A server left running keeps lab.ts's output pipes open: wait for them a bounded time.
      const closed = await within(streams, 5_000);
      const left = await survivors(started, 2_000);
      killAll([...(status ? [] : [child.pid]), ...left]);
      await child.status;
      assert.ok(status, `lab.ts still runs 20 s after ${signal}\n${output()}`);
      assert.ok(seconds < 10, `lab.ts took ${seconds.toFixed(1)} s to stop\n${output()}`);
      assert.equal(status.code, 128 + SIGNAL_NUMBERS[signal], output());
      assert.deepEqual(
        left,
        [],
        `processes started by lab.ts still run after ${signal}\n${output()}`,
      );
      assert.ok(closed !== null, "lab.ts's output stays open after it exited");
      assert.equal(await listening(port), false, `something still listens on port ${port}`);
    },
  });
}

Deno.test({
  name: "lab.ts kills a server that ignores SIGTERM, and its children, after the grace period",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    // A stand-in for a stuck Jupyter: a shell that ignores SIGTERM, with a child of its own.
    const script = `
      import { superviseChild } from ${
      JSON.stringify(new URL("../tools/lab.ts", import.meta.url).href)
    };
      const child = new Deno.Command("sh", {
        args: ["-c", "trap '' TERM INT HUP; sleep 60 & wait; wait"],
        stdin: "null",
      }).spawn();
      console.log(child.pid);
      Deno.exit(await superviseChild(child, { graceSeconds: 1, interactive: false }));
    `;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const err = collect(child.stderr);
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    const shellPid = Number(first.value?.trim());
    assert.ok(shellPid > 0, `the supervisor must print the stand-in's pid, got ${first.value}`);
    await reader.cancel();
    let started: number[] = [];
    for (let i = 0; i < 50 && started.length < 2; i++) {
      await sleep(100);
      started = [shellPid, ...await descendants(shellPid)];
    }
    assert.equal(started.length, 2, "the stand-in must have started its child");
    const sent = performance.now();
    child.kill("SIGTERM");
    const status = await within(child.status, 10_000);
    const seconds = (performance.now() - sent) / 1000;
    await within(err.done, 5_000);
    const left = await survivors(started, 2_000);
    killAll([...(status ? [] : [child.pid]), ...left]);
    await child.status;
    assert.ok(status, `the supervisor still runs 10 s after SIGTERM\n${err.text()}`);
    assert.ok(seconds >= 0.9 && seconds < 5, `stopped after ${seconds.toFixed(1)} s`);
    assert.equal(status.code, 143, err.text());
    assert.match(err.text(), /did not stop within 1 s/);
    assert.deepEqual(left, [], "the stand-in's processes still run");
  },
});

Deno.test("interruptPolicy() stops on any SIGINT without a terminal", () => {
  const stop = interruptPolicy(false);
  assert.equal(stop(0), true);
  assert.equal(stop(10), true);
});

Deno.test("interruptPolicy() leaves a terminal's first Ctrl-C to Jupyter and stops on the second", () => {
  const stop = interruptPolicy(true);
  // First Ctrl-C: Jupyter got it too and asks whether to shut down.
  assert.equal(stop(1_000), false);
  // deno task forwards the same keypress a few milliseconds later: still the first.
  assert.equal(stop(1_005), false);
  // A second Ctrl-C while Jupyter asks (it waits 5 s for an answer) ends it.
  assert.equal(stop(3_000), true);
});

Deno.test("interruptPolicy() treats a Ctrl-C after Jupyter stopped asking as a first one", () => {
  const stop = interruptPolicy(true);
  assert.equal(stop(0), false);
  assert.equal(stop(6_000), false, "Jupyter resumed after 5 s without an answer");
  assert.equal(stop(7_000), true);
});
