/**
 * A barrier on the Deno kernel's IOPub channel: waits until what the running cell has
 * published so far has been written to the front end's socket.
 *
 * Why: the Deno kernel (2.9) runs a cell on a background thread. `Deno.jupyter.display`,
 * `Deno.jupyter.broadcast` and `console.log` only push a message into an unbounded queue
 * (`op_jupyter_broadcast` and `op_print` in `cli/ops/jupyter.rs`); the kernel's main thread
 * drains that queue, signs each message and writes it to every IOPub subscriber
 * (`iopubDrainer` in `cli/js/jupyter_kernel.js`), stamping it with the parent header current
 * *at that moment*. The execute reply and the `idle` status are sent as soon as the cell's
 * promise settles, without waiting for the queue to empty. Output still queued then reaches
 * the front end after `idle` (nbclient and JupyterLab drop it) or, when the next cell has
 * started, under the next cell's header (JupyterLab shows it in that cell). No sequence of
 * awaits in the cell can let the drain run: it is another thread. Only IOPub itself says
 * when a message has been written.
 *
 * How: connect to the kernel's own IOPub port as a ZeroMQ subscriber (ZMTP 3.0 over TCP,
 * the same minimal protocol the kernel speaks; no native library), push a marker through
 * the queue (an `update_display_data` for a display id no output has, which front ends
 * ignore), and wait until the marker comes back. The queue is FIFO and the kernel writes
 * each message to every subscriber before it takes the next one, so the marker's arrival
 * proves that everything queued before it has been written to the front end, while the cell
 * (still awaiting) has not yet been declared idle. The connection lives only for the wait
 * and is always closed.
 *
 * The kernel's connection file (ports) is found through the kernel's command line
 * (`deno jupyter --kernel --conn <file>`; `Deno.args` is empty in the kernel), read from
 * `/proc/<pid>/cmdline` on Linux and from `ps` on other Unix systems such as macOS. Where
 * neither works (Windows, another kernel), {@link kernelIopubAddress} returns `undefined`
 * and callers fall back on a timed wait.
 *
 * @module
 */

/** Where a kernel's IOPub socket listens. */
export interface IopubAddress {
  /** The host name or IP address from the connection file. */
  hostname: string;
  /** The IOPub port. */
  port: number;
}

/** Pushes a marker message with display id `markerId` through the kernel's output queue. */
export type PublishMarker = (markerId: string) => void;

/** Options of {@link awaitIopub}. */
export interface AwaitIopubOptions {
  /**
   * Give up when IOPub has sent nothing at all for this long (milliseconds). While other
   * messages keep arriving the queue is moving and the wait goes on.
   * @default 2000
   */
  stallMs?: number;
  /** Give up after this long in any case (milliseconds). @default 30000 */
  limitMs?: number;
}

/**
 * How {@link awaitIopub} ended: `"seen"` (the marker came back, so everything queued before
 * it has been written), `"timeout"` (connected, but the marker did not come back in time) or
 * `"unavailable"` (no ZeroMQ publisher answered at the address).
 */
export type IopubOutcome = "seen" | "timeout" | "unavailable";

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
const DELIMITER = "<IDS|MSG>";
const MARKER_MSG_TYPE = "update_display_data";
/**
 * Markers are sent again after these pauses (ms) while none has come back: the first one can
 * be drained before the kernel has read the subscription and registered the connection.
 */
const RESEND_AFTER = [10, 20, 40, 80, 160, 320, 640, 1280];

/**
 * The connection file named on a kernel's command line: the argument after `--conn` when
 * the arguments are NUL-separated (as in `/proc/<pid>/cmdline`), else (one line, as `ps`
 * prints it) everything after the last ` --conn `, which the kernel spec puts last, so a path
 * with spaces survives.
 *
 * @param cmdline The kernel process's command line.
 * @returns The path, or `undefined` when there is no `--conn`.
 *
 * @example Both forms
 * ```ts
 * import { connectionFileFrom } from "./_iopub.ts";
 * const nul = ["deno", "jupyter", "--kernel", "--conn", "/run/k.json"].join("\0");
 * if (connectionFileFrom(nul) !== "/run/k.json") throw new Error("NUL-separated");
 * const line = "/opt/deno jupyter --kernel --conn /Users/A B/k.json";
 * if (connectionFileFrom(line) !== "/Users/A B/k.json") throw new Error("one line");
 * ```
 */
export function connectionFileFrom(cmdline: string): string | undefined {
  if (cmdline.includes("\0")) {
    const args = cmdline.split("\0");
    let path: string | undefined;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === "--conn" && i + 1 < args.length) path = args[i + 1];
      else if (args[i].startsWith("--conn=")) path = args[i].slice("--conn=".length);
    }
    return path || undefined;
  }
  const match = /(?:^|\s)--conn(?:=|\s+)(.+)$/.exec(cmdline.trim());
  const path = match?.[1].trim().replace(/^"(.*)"$/, "$1");
  return path || undefined;
}

/**
 * The IOPub address in a kernel's connection file, given the kernel's command line and a way
 * to read files. Only TCP transports are supported.
 *
 * @param cmdline The kernel process's command line (see {@link connectionFileFrom}).
 * @param readFile Reads a file as text.
 * @returns The address, or `undefined` when the command line has no readable `--conn` file.
 *
 * @example A Deno kernel's command line
 * ```ts
 * import { iopubAddressFrom } from "./_iopub.ts";
 * const cmdline = ["deno", "jupyter", "--kernel", "--conn", "/run/k.json"].join("\0");
 * const file = JSON.stringify({ transport: "tcp", ip: "127.0.0.1", iopub_port: 5001 });
 * const address = iopubAddressFrom(cmdline, () => file);
 * if (address?.port !== 5001) throw new Error("no port");
 * ```
 */
export function iopubAddressFrom(
  cmdline: string,
  readFile: (path: string) => string,
): IopubAddress | undefined {
  const path = connectionFileFrom(cmdline);
  if (path === undefined) return undefined;
  try {
    const info = JSON.parse(readFile(path));
    const transport = info.transport ?? "tcp";
    const port = info.iopub_port;
    if (transport !== "tcp" || !Number.isInteger(port) || port <= 0) return undefined;
    const ip = typeof info.ip === "string" && info.ip !== "" ? info.ip : "127.0.0.1";
    return { hostname: ip === "0.0.0.0" ? "127.0.0.1" : ip, port };
  } catch {
    return undefined;
  }
}

/**
 * A process's command line as `ps -ww -o args=` prints it (one line, arguments joined by
 * spaces), for Unix systems without `/proc`.
 *
 * @param pid The process id.
 * @returns The command line, or `undefined` if `ps` fails or is missing.
 *
 * @example This process
 * ```ts
 * import { psCommandLine } from "./_iopub.ts";
 * if (Deno.build.os !== "windows" && !(await psCommandLine(Deno.pid))?.includes("deno")) {
 *   throw new Error("ps did not name deno");
 * }
 * ```
 */
export async function psCommandLine(pid: number): Promise<string | undefined> {
  try {
    const { success, stdout } = await new Deno.Command("ps", {
      args: ["-ww", "-o", "args=", "-p", String(pid)],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    const line = DECODER.decode(stdout).trim();
    return success && line !== "" ? line : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The IOPub address of the kernel this code runs in: from its command line
 * (`/proc/<pid>/cmdline`, else `ps`) and the connection file it names.
 *
 * @returns The address, or `undefined` outside a kernel started with `--conn <file>` or
 *   where the command line cannot be read (Windows).
 *
 * @example Outside the kernel
 * ```ts
 * import { kernelIopubAddress } from "./_iopub.ts";
 * if (await kernelIopubAddress() !== undefined) throw new Error("deno test has no --conn");
 * ```
 */
export async function kernelIopubAddress(): Promise<IopubAddress | undefined> {
  let cmdline: string | undefined;
  try {
    cmdline = Deno.readTextFileSync(`/proc/${Deno.pid}/cmdline`);
  } catch {
    if (Deno.build.os !== "windows") cmdline = await psCommandLine(Deno.pid);
  }
  if (cmdline === undefined) return undefined;
  return iopubAddressFrom(cmdline, (path) => Deno.readTextFileSync(path));
}

/** The 64-octet ZMTP 3.0 greeting of a NULL-mechanism client. */
function greeting(): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes[0] = 0xff;
  bytes[9] = 0x7f;
  bytes[10] = 3;
  bytes.set(ENCODER.encode("NULL"), 12);
  return bytes;
}

/** One ZMTP frame: flags, size (1 or 8 octets), body. */
function frame(body: Uint8Array, flags: number): Uint8Array {
  if (body.length <= 255) {
    const out = new Uint8Array(2 + body.length);
    out[0] = flags;
    out[1] = body.length;
    out.set(body, 2);
    return out;
  }
  const out = new Uint8Array(9 + body.length);
  out[0] = flags | 0x02;
  new DataView(out.buffer).setBigUint64(1, BigInt(body.length));
  out.set(body, 9);
  return out;
}

/** The READY command announcing a SUB socket, then a subscription to every message. */
function readyAndSubscribe(): Uint8Array {
  const name = ENCODER.encode("READY");
  const key = ENCODER.encode("Socket-Type");
  const value = ENCODER.encode("SUB");
  const body = new Uint8Array(1 + name.length + 1 + key.length + 4 + value.length);
  let at = 0;
  body[at++] = name.length;
  body.set(name, at);
  at += name.length;
  body[at++] = key.length;
  body.set(key, at);
  at += key.length;
  new DataView(body.buffer).setUint32(at, value.length);
  body.set(value, at + 4);
  const ready = frame(body, 0x04);
  const subscribe = frame(new Uint8Array([1]), 0);
  const out = new Uint8Array(ready.length + subscribe.length);
  out.set(ready);
  out.set(subscribe, ready.length);
  return out;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

/** Reads exact byte counts from a connection, keeping what a read returned beyond them. */
class Reader {
  #conn: Deno.Conn;
  #spare: Uint8Array = new Uint8Array(0);
  /** Called whenever bytes arrive (the stall clock). */
  onBytes: () => void = () => {};

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async exactly(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let at = Math.min(n, this.#spare.length);
    out.set(this.#spare.subarray(0, at));
    this.#spare = this.#spare.subarray(at);
    while (at < n) {
      if (n - at >= 65536) {
        const got = await this.#conn.read(out.subarray(at));
        if (got === null) throw new Error("IOPub connection closed");
        at += got;
      } else {
        const chunk = new Uint8Array(65536);
        const got = await this.#conn.read(chunk);
        if (got === null) throw new Error("IOPub connection closed");
        const used = Math.min(got, n - at);
        out.set(chunk.subarray(0, used), at);
        this.#spare = chunk.subarray(used, got);
        at += used;
      }
      this.onBytes();
    }
    return out;
  }

  /** The next frame's body and flags. */
  async frame(): Promise<{ body: Uint8Array; more: boolean; command: boolean }> {
    const [flags] = await this.exactly(1);
    let size: number;
    if (flags & 0x02) {
      const big = new DataView((await this.exactly(8)).buffer).getBigUint64(0);
      if (big > 1n << 40n) throw new Error(`IOPub frame of ${big} bytes`);
      size = Number(big);
    } else {
      size = (await this.exactly(1))[0];
    }
    const body = await this.exactly(size);
    return { body, more: (flags & 0x01) !== 0, command: (flags & 0x04) !== 0 };
  }
}

/**
 * The display id of a marker message: an `update_display_data` whose content names one.
 *
 * @param frames The frames of one message as published on IOPub.
 * @returns The display id, or `undefined` for any other message.
 *
 * @example Any other message
 * ```ts
 * import { markerIdOf } from "./_iopub.ts";
 * const frames = ["<IDS|MSG>", "", '{"msg_type":"stream"}', "{}", "{}", '{"text":"hi"}'];
 * if (markerIdOf(frames.map((f) => new TextEncoder().encode(f))) !== undefined) {
 *   throw new Error("a stream message is no marker");
 * }
 * ```
 */
export function markerIdOf(frames: readonly Uint8Array[]): string | undefined {
  const at = frames.findIndex((f) =>
    f.length === DELIMITER.length && DECODER.decode(f) === DELIMITER
  );
  if (at < 0 || frames.length < at + 6) return undefined;
  const content = frames[at + 5];
  if (content.length > 4096) return undefined;
  try {
    const header = JSON.parse(DECODER.decode(frames[at + 2]));
    if (header?.msg_type !== MARKER_MSG_TYPE) return undefined;
    const id = JSON.parse(DECODER.decode(content))?.transient?.display_id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Connects to the IOPub socket at `address` as a subscriber, publishes a marker with
 * `publish` (again, with growing pauses, while none has come back) and waits until one of
 * the markers arrives. Never rejects; the connection is closed before it returns.
 *
 * @param address The kernel's IOPub address.
 * @param publish Pushes a marker through the same queue as the output to wait for.
 * @param options When to give up.
 * @returns `"seen"` once a marker has arrived, `"timeout"` or `"unavailable"` otherwise.
 *
 * @example Nothing listening: unavailable at once
 * ```ts
 * import { awaitIopub } from "./_iopub.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = listener.addr.port;
 * listener.close();
 * const outcome = await awaitIopub({ hostname: "127.0.0.1", port }, () => {});
 * if (outcome !== "unavailable") throw new Error(outcome);
 * ```
 */
export async function awaitIopub(
  address: IopubAddress,
  publish: PublishMarker,
  options: AwaitIopubOptions = {},
): Promise<IopubOutcome> {
  const { stallMs = 2000, limitMs = 30000 } = options;
  const markerId = `lib-iopub-marker-${crypto.randomUUID()}`;
  let conn: Deno.Conn | undefined;
  let over = false;
  let handshaken = false;
  let finish: (outcome: IopubOutcome) => void = () => {};
  const finished = new Promise<IopubOutcome>((resolve) => finish = resolve);

  const started = Date.now();
  let lastBytes = started;
  let watchTimer: ReturnType<typeof setTimeout> | undefined;
  const watch = () => {
    const now = Date.now();
    const stallLeft = stallMs - (now - lastBytes);
    const limitLeft = limitMs - (now - started);
    if (stallLeft <= 0 || limitLeft <= 0) finish(handshaken ? "timeout" : "unavailable");
    else watchTimer = setTimeout(watch, Math.min(stallLeft, limitLeft));
  };
  watchTimer = setTimeout(watch, Math.min(stallMs, limitMs));

  let resendTimer: ReturnType<typeof setTimeout> | undefined;
  let resends = 0;
  const sendMarker = () => {
    if (over) return;
    publish(markerId);
    if (resends < RESEND_AFTER.length) {
      resendTimer = setTimeout(sendMarker, RESEND_AFTER[resends++]);
    }
  };

  const run = async () => {
    const opened = await Deno.connect({ hostname: address.hostname, port: address.port });
    if (over) {
      opened.close();
      return;
    }
    conn = opened;
    const reader = new Reader(conn);
    reader.onBytes = () => lastBytes = Date.now();
    await writeAll(conn, greeting());
    const theirs = await reader.exactly(64);
    if (theirs[0] !== 0xff || theirs[9] !== 0x7f || theirs[10] < 3) {
      throw new Error("not a ZMTP 3 peer");
    }
    await writeAll(conn, readyAndSubscribe());
    const ready = await reader.frame();
    if (!ready.command || !DECODER.decode(ready.body).includes("PUB")) {
      throw new Error("the peer is not a ZeroMQ publisher");
    }
    handshaken = true;
    sendMarker();
    while (!over) {
      const frames: Uint8Array[] = [];
      for (let f = await reader.frame();; f = await reader.frame()) {
        if (!f.command) frames.push(f.body);
        if (!f.more && !f.command) break;
      }
      if (markerIdOf(frames) === markerId) return finish("seen");
    }
  };
  const running = run().catch(() => finish(handshaken ? "timeout" : "unavailable"));

  const outcome = await finished;
  over = true;
  clearTimeout(watchTimer);
  clearTimeout(resendTimer);
  if (conn !== undefined) {
    try {
      conn.close();
    } catch {
      // already closed by the peer
    }
    await running; // the pending read fails at once on the closed connection
  }
  return outcome;
}
