/**
 * The IOPub barrier (`lib/_iopub.ts`): against a stand-in for the Deno kernel's IOPub side
 * (ZMTP 3.0 PUB socket, an output queue drained one message at a time to every subscriber,
 * as `cli/js/jupyter_kernel.js` does), then in the real kernel: on IOPub itself, counted by
 * `tools/_iopub_probe.py` (nbclient's runner here keeps late output, so it cannot tell), and in
 * a notebook run through nbclient.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  awaitIopub,
  connectionFileFrom,
  type IopubAddress,
  iopubAddressFrom,
  kernelIopubAddress,
  markerIdOf,
  psCommandLine,
} from "../lib/_iopub.ts";
import { executeNotebook, findJupyter, type Jupyter, ROOT } from "../tools/_jupyter.ts";
import { codeNotebookJson } from "./_notebooks.ts";

const enc = new TextEncoder();
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A ZMTP frame, written the long way round: always the 8-octet size when over 255. */
function zmtpFrame(body: Uint8Array, more: boolean, command = false): Uint8Array {
  const long = body.length > 255;
  const head = long ? 9 : 2;
  const out = new Uint8Array(head + body.length);
  out[0] = (more ? 1 : 0) | (long ? 2 : 0) | (command ? 4 : 0);
  if (long) new DataView(out.buffer).setUint32(5, body.length);
  else out[1] = body.length;
  out.set(body, head);
  return out;
}

async function readN(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    const got = await conn.read(out.subarray(at));
    if (got === null) throw new Error("closed");
    at += got;
  }
  return out;
}

async function readMessage(conn: Deno.Conn): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  while (true) {
    const [flags] = await readN(conn, 1);
    const size = flags & 2
      ? new DataView((await readN(conn, 8)).buffer).getUint32(4)
      : (await readN(conn, 1))[0];
    frames.push(await readN(conn, size));
    if (!(flags & 1)) return frames;
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

function greeting(): Uint8Array {
  const g = new Uint8Array(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g.set(enc.encode("NULL"), 12);
  return g;
}

function ready(socketType: string): Uint8Array {
  const body = [5, ...enc.encode("READY"), 11, ...enc.encode("Socket-Type"), 0, 0, 0];
  body.push(socketType.length, ...enc.encode(socketType));
  return zmtpFrame(new Uint8Array(body), false, true);
}

/** A Jupyter message as the kernel frames it on IOPub: delimiter, signature, four JSON parts. */
function jupyterMessage(msgType: string, content: unknown): Uint8Array[] {
  const header = { msg_id: crypto.randomUUID(), msg_type: msgType, session: "s" };
  return ["<IDS|MSG>", "", JSON.stringify(header), "{}", "{}", JSON.stringify(content)]
    .map((s) => enc.encode(s));
}

interface FakeKernelOptions {
  /** Pause before each queued message is published. */
  drainMs?: number;
  /** Pause between reading a subscription and registering the subscriber. */
  registerMs?: number;
}

/**
 * The kernel's IOPub side: a PUB socket that registers a subscriber after its subscription
 * message, and a FIFO drained one message at a time, each written to every subscriber in
 * the order they registered before the next is taken.
 */
class FakeKernel {
  readonly listener: Deno.TcpListener;
  readonly subscribers = new Set<Deno.Conn>();
  readonly written: { label: string; subscriber: number }[] = [];
  #queue: { label: string; frames: Uint8Array[] }[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  #ids = new Map<Deno.Conn, number>();
  #tasks: Promise<void>[] = [];
  markersQueued = 0;

  constructor(readonly options: FakeKernelOptions = {}) {
    this.listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#tasks.push(this.#accept(), this.#drain());
  }

  get address(): IopubAddress {
    return { hostname: "127.0.0.1", port: this.listener.addr.port };
  }

  /** Queues a message, as `Deno.jupyter.broadcast` does; nothing is written yet. */
  enqueue(label: string, msgType: string, content: unknown): void {
    this.#queue.push({ label, frames: jupyterMessage(msgType, content) });
    this.#wake?.();
  }

  /** What lib's kernel side passes to awaitIopub. */
  readonly publishMarker = (markerId: string): void => {
    this.markersQueued++;
    this.enqueue("marker", "update_display_data", {
      data: {},
      metadata: {},
      transient: { display_id: markerId },
    });
  };

  async #accept(): Promise<void> {
    let next = 0;
    for await (const conn of this.listener) {
      const id = next++;
      this.#tasks.push((async () => {
        try {
          await writeAll(conn, greeting());
          await readN(conn, 64);
          await writeAll(conn, ready("PUB"));
          await readMessage(conn); // READY
          await readMessage(conn); // subscription
          if (this.options.registerMs) await delay(this.options.registerMs);
          this.#ids.set(conn, id);
          this.subscribers.add(conn);
          while (true) await readMessage(conn);
        } catch {
          // the subscriber left
        } finally {
          this.subscribers.delete(conn);
          try {
            conn.close();
          } catch { /* closed */ }
        }
      })());
    }
  }

  async #drain(): Promise<void> {
    while (!this.#closed) {
      const item = this.#queue.shift();
      if (item === undefined) {
        await new Promise<void>((resolve) => this.#wake = resolve);
        continue;
      }
      if (this.options.drainMs) await delay(this.options.drainMs);
      const bytes = item.frames.map((f, i) => zmtpFrame(f, i < item.frames.length - 1));
      const all = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
      bytes.reduce((at, b) => (all.set(b, at), at + b.length), 0);
      for (const conn of [...this.subscribers]) {
        try {
          await writeAll(conn, all);
          this.written.push({ label: item.label, subscriber: this.#ids.get(conn)! });
        } catch {
          this.subscribers.delete(conn);
        }
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    this.listener.close();
    for (const conn of this.subscribers) conn.close();
    await Promise.allSettled(this.#tasks);
  }
}

/** A subscriber that reads and discards everything: the notebook front end. */
async function frontEnd(address: IopubAddress): Promise<{ close(): Promise<void> }> {
  const conn = await Deno.connect(address);
  await writeAll(conn, greeting());
  await readN(conn, 64);
  await writeAll(conn, ready("SUB"));
  await writeAll(conn, zmtpFrame(new Uint8Array([1]), false));
  const reading = (async () => {
    try {
      while (true) await readMessage(conn);
    } catch { /* closed */ }
  })();
  return {
    async close() {
      conn.close();
      await reading;
    },
  };
}

async function until(done: () => boolean): Promise<void> {
  while (!done()) await delay(2);
}

Deno.test("awaitIopub() returns only once the output queued before it has reached the front end", async () => {
  const kernel = new FakeKernel({ drainMs: 15 });
  const front = await frontEnd(kernel.address);
  try {
    await until(() => kernel.subscribers.size === 1);
    for (let i = 0; i < 6; i++) {
      kernel.enqueue(`output ${i}`, "display_data", {
        data: { "text/plain": "x".repeat(300_000) },
      });
    }
    const outcome = await awaitIopub(kernel.address, kernel.publishMarker);
    assert.equal(outcome, "seen");
    const toFront = kernel.written.filter((w) => w.subscriber === 0).map((w) => w.label);
    assert.deepEqual(toFront.slice(0, 6), [0, 1, 2, 3, 4, 5].map((i) => `output ${i}`));
  } finally {
    await front.close();
    await kernel.close();
  }
});

Deno.test("awaitIopub() sends its marker again when the first one passed before it subscribed", async () => {
  const kernel = new FakeKernel({ registerMs: 60 });
  try {
    assert.equal(await awaitIopub(kernel.address, kernel.publishMarker), "seen");
    assert.ok(kernel.markersQueued > 1, `markers queued: ${kernel.markersQueued}`);
    assert.equal(kernel.written.filter((w) => w.label === "marker").length, 1);
  } finally {
    await kernel.close();
  }
});

Deno.test("awaitIopub() keeps waiting while the queue is moving, however long it is", async () => {
  const kernel = new FakeKernel({ drainMs: 10 });
  try {
    for (let i = 0; i < 40; i++) kernel.enqueue(`line ${i}`, "stream", { text: `${i}\n` });
    const t0 = performance.now();
    assert.equal(await awaitIopub(kernel.address, kernel.publishMarker, { stallMs: 150 }), "seen");
    assert.ok(performance.now() - t0 >= 40 * 10, "the 40 lines take 400 ms to drain");
  } finally {
    await kernel.close();
  }
});

Deno.test("awaitIopub() gives up when IOPub falls silent, and closes its connection", async () => {
  const kernel = new FakeKernel();
  try {
    const t0 = performance.now();
    const outcome = await awaitIopub(kernel.address, () => {}, { stallMs: 120 });
    const waited = performance.now() - t0;
    assert.equal(outcome, "timeout");
    assert.ok(waited >= 120 && waited < 2000, `waited ${waited} ms`);
    await until(() => kernel.subscribers.size === 0);
  } finally {
    await kernel.close();
  }
});

Deno.test("awaitIopub() gives up at limitMs even while other output keeps coming", async () => {
  const kernel = new FakeKernel({ drainMs: 5 });
  let noise = true;
  const feed = (async () => {
    while (noise) {
      kernel.enqueue("noise", "stream", { text: "." });
      await delay(5);
    }
  })();
  try {
    const outcome = await awaitIopub(kernel.address, () => {}, { stallMs: 100, limitMs: 300 });
    assert.equal(outcome, "timeout");
  } finally {
    noise = false;
    await feed;
    await kernel.close();
  }
});

Deno.test("awaitIopub() reports a port that does not speak ZMTP as unavailable", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of listener) {
      await writeAll(conn, enc.encode("HTTP/1.1 400 Bad Request\r\n\r\n".padEnd(64, " ")));
      conn.close();
    }
  })();
  try {
    const address = { hostname: "127.0.0.1", port: listener.addr.port };
    assert.equal(await awaitIopub(address, () => {}), "unavailable");
  } finally {
    listener.close();
    await serving.catch(() => {});
  }
});

Deno.test("iopubAddressFrom() reads the --conn file named on the kernel's command line", () => {
  const files: Record<string, string> = {
    "/k.json": JSON.stringify({ transport: "tcp", ip: "127.0.0.1", iopub_port: 5003 }),
    "/any.json": JSON.stringify({ transport: "tcp", ip: "0.0.0.0", iopub_port: 6000 }),
    "/ipc.json": JSON.stringify({ transport: "ipc", ip: "kernel", iopub_port: 2 }),
    "/bad.json": "{",
  };
  const read = (path: string) => {
    if (!(path in files)) throw new Deno.errors.NotFound(path);
    return files[path];
  };
  const line = (...args: string[]) => ["/usr/bin/deno", "jupyter", "--kernel", ...args].join("\0");
  assert.deepEqual(iopubAddressFrom(line("--conn", "/k.json"), read), {
    hostname: "127.0.0.1",
    port: 5003,
  });
  assert.deepEqual(iopubAddressFrom(line("--conn=/k.json"), read), {
    hostname: "127.0.0.1",
    port: 5003,
  });
  assert.deepEqual(iopubAddressFrom(line("--conn", "/any.json"), read), {
    hostname: "127.0.0.1",
    port: 6000,
  });
  for (
    const args of [[], ["--conn"], ["--conn", "/ipc.json"], ["--conn", "/bad.json"], [
      "--conn",
      "/missing.json",
    ]]
  ) {
    assert.equal(iopubAddressFrom(line(...args), read), undefined, args.join(" "));
  }
});

Deno.test("markerIdOf() recognises only marker messages", () => {
  const marker = jupyterMessage("update_display_data", { transient: { display_id: "m-1" } });
  assert.equal(markerIdOf(marker), "m-1");
  assert.equal(markerIdOf([enc.encode("topic"), ...marker]), "m-1");
  assert.equal(
    markerIdOf(jupyterMessage("display_data", { transient: { display_id: "m-1" } })),
    undefined,
  );
  assert.equal(markerIdOf(jupyterMessage("update_display_data", { transient: {} })), undefined);
  assert.equal(markerIdOf(marker.slice(0, 4)), undefined);
});

Deno.test("connectionFileFrom() reads ps's one-line form up to the end, spaces and all", () => {
  assert.equal(
    connectionFileFrom("/usr/local/bin/deno jupyter --kernel --conn /Users/Ada B/k-1.json\n"),
    "/Users/Ada B/k-1.json",
  );
  assert.equal(connectionFileFrom('deno jupyter --kernel --conn "/tmp/k.json"'), "/tmp/k.json");
  assert.equal(connectionFileFrom("deno jupyter --kernel --conn=/tmp/k.json"), "/tmp/k.json");
  assert.equal(connectionFileFrom("deno jupyter --kernel --connection /tmp/k.json"), undefined);
  assert.equal(connectionFileFrom("deno jupyter --kernel"), undefined);
});

Deno.test({
  name: "psCommandLine() finds the connection file of a running process, as on macOS",
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "iopub test " });
    const conn = join(dir, "kernel-1.json");
    await Deno.writeTextFile(conn, JSON.stringify({ ip: "127.0.0.1", iopub_port: 5123 }));
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "setTimeout(() => {}, 30000)", "--", "--conn", conn],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      let line: string | undefined;
      for (let i = 0; i < 100 && !line?.includes("--conn"); i++) {
        await delay(20);
        line = await psCommandLine(child.pid);
      }
      assert.ok(line?.endsWith(conn), line);
      assert.deepEqual(iopubAddressFrom(line!, (path) => Deno.readTextFileSync(path)), {
        hostname: "127.0.0.1",
        port: 5123,
      });
      assert.equal(await psCommandLine(2 ** 22 + 12345), undefined);
    } finally {
      child.kill();
      await child.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("outside the kernel there is no IOPub address", async () => {
  assert.equal(await kernelIopubAddress(), undefined);
});

const jupyter: Jupyter | null = await findJupyter().catch(() => null);

Deno.test({
  name:
    "in the Deno kernel: lib's output reaches IOPub before the cell's idle, under its own header",
  ignore: jupyter === null,
  async fn() {
    // Cells that end right after their output, each followed at once by the next cell (as
    // "Run All" sends them), counted on IOPub by tools/_iopub_probe.py.
    const probe = new URL("../tools/_iopub_probe.py", import.meta.url).pathname;
    const scenarios = ["lib_log_200_flush", "lib_check", "lib_display_300kb"];
    const { code, stdout, stderr } = await new Deno.Command(jupyter!.python, {
      args: [probe, "--trials", "5", "--grace", "0.3", "--scenarios", scenarios.join(",")],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    assert.equal(code, 0, dec.decode(stderr));
    const rows = dec.decode(stdout).trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(rows.map((r) => r.scenario), scenarios);
    for (const row of rows) {
      const where = { ok: row.ok, late: row.late, wrong: row.wrong, lost: row.lost };
      assert.deepEqual(where, { ok: row.of, late: 0, wrong: 0, lost: 0 }, row.scenario);
      assert.ok(row.markers >= 5, `${row.scenario}: one marker or more per wait`);
    }
  },
});

Deno.test({
  name: "in the Deno kernel: the wait sees its marker, and nbclient shows no trace of markers",
  ignore: jupyter === null,
  async fn() {
    const dir = join(ROOT, "build", "kernel_barrier_test");
    await Deno.mkdir(dir, { recursive: true });
    const lib = new URL("../lib/", import.meta.url).href;
    const LINES = 400;
    const print = (tag: string) =>
      `for (let i = 0; i < ${LINES}; i++) console.log("${tag} " + i);\n`;
    const sources = [
      `import { awaitIopub, kernelIopubAddress } from "${lib}_iopub.ts";\n` +
      `import { sendDisplay } from "${lib}_kernel.ts";\n` +
      `import { check, flushOutput } from "${lib}checks.ts";\n` +
      "const address = await kernelIopubAddress();\n" +
      "const outcome = address && await awaitIopub(address, (id) =>\n" +
      '  Deno.jupyter.broadcast("update_display_data", { data: {}, metadata: {}, transient: { display_id: id } }));\n' +
      'console.log("barrier", outcome);\n' +
      "await flushOutput();",
      print("a") + "await flushOutput();",
      print("b") + 'await check(true, "after the lines");',
      'await sendDisplay({ "text/plain": "big", "text/html": "<pre>" + "x".repeat(4_000_000) + "</pre>" }, ' +
      "{ raw: true, update: false });",
      print("c") + "await flushOutput();",
      "void 0;",
    ];
    const path = join(dir, "barrier_check.ipynb");
    await Deno.writeTextFile(path, codeNotebookJson(sources));
    try {
      const run = await executeNotebook(jupyter!, path, { outDir: join(dir, "out"), timeout: 120 });
      assert.equal(run.status, "ok", `${run.message}\n${run.stderr}`);
      const out = run.notebook!.cells.map((c) => c.outputs ?? []);
      const text = (cell: number) =>
        out[cell].map((o) => Array.isArray(o.text) ? o.text.join("") : String(o.text ?? ""))
          .join("");
      const lines = (cell: number, tag: string) =>
        text(cell).split("\n").filter((l) => l.startsWith(`${tag} `)).length;
      assert.equal(text(0), "barrier seen\n");
      assert.equal(lines(1, "a"), LINES);
      assert.equal(lines(2, "b"), LINES);
      assert.match(text(2), /✓ after the lines\n$/);
      assert.equal(out[3].length, 1);
      assert.equal(out[3][0].output_type, "display_data");
      assert.equal(lines(4, "c"), LINES);
      assert.deepEqual(out[5], []);
      // The markers are invisible: nothing but the expected streams and the one display.
      for (const cell of [0, 1, 2, 4]) {
        assert.ok(out[cell].every((o) => o.output_type === "stream"), `cell ${cell}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
