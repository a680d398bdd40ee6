/**
 * `deno task lab [jupyter options...]`: opens the lessons in the installed Jupyter front end
 * (JupyterLab if present, else the classic Notebook) with the Deno kernel registered. Options
 * such as `--no-browser` or `--port=8890` are passed on to Jupyter.
 *
 * The server goes down with lab.ts. SIGTERM and SIGHUP (and SIGINT without a terminal) make
 * lab.ts ask Jupyter to stop with SIGTERM, which shuts its kernels down; a Jupyter still
 * running {@linkcode GRACE_SECONDS} later is killed with its children. lab.ts then exits with
 * 128 + the number of the signal it got (143 for SIGTERM, 130 for SIGINT, 129 for SIGHUP), or
 * with Jupyter's own code when Jupyter ended by itself.
 *
 * Ctrl-C in a terminal reaches Jupyter directly (it runs in lab.ts's process group): the first
 * one makes Jupyter ask whether to shut down, and lab.ts leaves it to answer; a second Ctrl-C
 * while it asks ends it, as in Jupyter itself. `deno task` also forwards the keypress to
 * lab.ts, so one Ctrl-C arrives twice a few milliseconds apart; {@linkcode interruptPolicy}
 * counts it once.
 *
 * @module
 */
import {
  ensureDenoKernel,
  findJupyter,
  INSTALL_HINT,
  type Jupyter,
  JupyterMissingError,
  NOTEBOOKS_DIR,
  ROOT,
  runCli,
} from "./_jupyter.ts";

/** Seconds Jupyter gets to stop after SIGTERM (it waits up to 5 s for each kernel to quit). */
export const GRACE_SECONDS = 8;

/** Seconds Jupyter waits for an answer after a terminal Ctrl-C before it carries on. */
const PROMPT_SECONDS = 5;

/** SIGINTs closer than this are one Ctrl-C (`deno task` forwards the terminal's to lab.ts). */
const SAME_KEYPRESS_MS = 300;

/** The signals that stop lab.ts, with their numbers for the exit code. */
const STOP_SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

/**
 * Decides, SIGINT by SIGINT, whether lab.ts should stop Jupyter. Without a terminal every
 * SIGINT stops it. With one, a Ctrl-C has reached Jupyter too and Jupyter asks whether to shut
 * down (waiting 5 s for an answer): the first Ctrl-C is left to it, a second one while it
 * asks stops it. SIGINTs less than 300 ms apart count as one Ctrl-C.
 *
 * @param interactive Whether lab.ts (and so Jupyter) reads from a terminal.
 * @returns A function of the time of each SIGINT, in milliseconds, that says whether to stop.
 *
 * @example A terminal's Ctrl-C, forwarded once more by deno task, then a second one
 * ```ts
 * import { interruptPolicy } from "./lab.ts";
 * const stop = interruptPolicy(true);
 * if (stop(0) || stop(4) || !stop(2_000)) throw new Error("first left to Jupyter, second stops");
 * ```
 */
export function interruptPolicy(interactive: boolean): (nowMs: number) => boolean {
  let pressed: number | undefined;
  return (nowMs) => {
    if (!interactive) return true;
    if (pressed !== undefined && nowMs - pressed < SAME_KEYPRESS_MS) return false;
    if (pressed !== undefined && nowMs - pressed <= PROMPT_SECONDS * 1000) return true;
    pressed = nowMs;
    return false;
  };
}

/**
 * Waits for a child process to exit while forwarding lab.ts's SIGTERM, SIGHUP and SIGINT to it
 * as SIGTERM (SIGINT as {@linkcode interruptPolicy} says), killing it and its descendants with
 * SIGKILL when it has not exited `graceSeconds` after the first.
 *
 * @param child The running process (Jupyter).
 * @param options.interactive Whether a terminal's Ctrl-C reaches the child itself.
 *   @default whether stdin is a terminal
 * @param options.graceSeconds Seconds between SIGTERM and SIGKILL. @default GRACE_SECONDS
 * @returns The exit code for lab.ts: 128 + the signal's number when lab.ts stopped the child,
 *   else the child's own code.
 *
 * @example Wait for a child that ends by itself
 * ```ts
 * import { superviseChild } from "./lab.ts";
 * const child = new Deno.Command(Deno.execPath(), { args: ["eval", "Deno.exit(3)"] }).spawn();
 * if (await superviseChild(child, { interactive: false }) !== 3) throw new Error("exit code");
 * ```
 */
export async function superviseChild(
  child: Deno.ChildProcess,
  options: { interactive?: boolean; graceSeconds?: number } = {},
): Promise<number> {
  const graceSeconds = options.graceSeconds ?? GRACE_SECONDS;
  if (!(graceSeconds > 0)) {
    throw new RangeError(`graceSeconds must be a positive number, got ${graceSeconds}`);
  }
  const interrupt = interruptPolicy(options.interactive ?? Deno.stdin.isTerminal());
  let stoppedBy: keyof typeof STOP_SIGNALS | undefined;
  let exited = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = (signal: keyof typeof STOP_SIGNALS) => {
    if (stoppedBy || exited) return;
    stoppedBy = signal;
    console.error(`lab: ${signal} received, stopping Jupyter (pid ${child.pid})`);
    _kill(child.pid, "SIGTERM");
    timer = setTimeout(async () => {
      if (exited) return;
      const pids = [child.pid, ...await _descendants(child.pid)];
      console.error(
        `lab: Jupyter did not stop within ${graceSeconds} s; killing it (pids ${pids.join(", ")})`,
      );
      for (const pid of pids) _kill(pid, "SIGKILL");
    }, graceSeconds * 1000);
  };
  const listeners: [Deno.Signal, () => void][] = [
    ["SIGINT", () => {
      if (interrupt(performance.now())) stop("SIGINT");
    }],
  ];
  // Windows has neither SIGTERM nor SIGHUP to listen to.
  if (Deno.build.os !== "windows") {
    listeners.push(["SIGTERM", () => stop("SIGTERM")], ["SIGHUP", () => stop("SIGHUP")]);
  }
  for (const [signal, listener] of listeners) Deno.addSignalListener(signal, listener);
  try {
    const status = await child.status;
    exited = true;
    return stoppedBy ? 128 + STOP_SIGNALS[stoppedBy] : status.code;
  } finally {
    clearTimeout(timer);
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
}

/** Sends a signal to a process that may have exited already; never throws (it runs in listeners). */
function _kill(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      console.error(`lab: cannot send ${signal} to pid ${pid}: ${(error as Error).message}`);
    }
  }
}

/**
 * The processes below `pid`, from `ps` (kernels run in sessions of their own, so their process
 * group is not Jupyter's); none when `ps` is missing.
 */
async function _descendants(pid: number): Promise<number[]> {
  let text: string;
  try {
    const out = await new Deno.Command("ps", {
      args: ["-A", "-o", "pid=,ppid="],
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).output();
    text = new TextDecoder().decode(out.stdout);
  } catch {
    return [];
  }
  const parents = text.split("\n").map((line) => line.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    frontier = parents.filter(([p, ppid]) => p > 0 && frontier.includes(ppid)).map(([p]) => p);
    found.push(...frontier);
  }
  return found;
}

/** The front ends lab.ts can start, best first: module to import, module to run. */
const FRONT_ENDS: { name: string; module: string }[] = [
  { name: "JupyterLab", module: "jupyterlab" },
  { name: "Jupyter Notebook", module: "notebook" },
];

async function _frontEnd(jupyter: Jupyter): Promise<{ name: string; module: string } | undefined> {
  for (const frontEnd of FRONT_ENDS) {
    const probe = await new Deno.Command(jupyter.python, {
      args: ["-c", `import ${frontEnd.module}`],
      stdout: "null",
      stderr: "null",
      stdin: "null",
    }).output();
    if (probe.success) return frontEnd;
  }
  return undefined;
}

/** Starts the front end and waits for it to exit; returns the exit code. */
async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(
      "Usage: deno task lab [jupyter options...]\n\nOpens notebooks/ in JupyterLab (or the " +
        "classic Notebook) with the Deno kernel.\nOther options, such as --no-browser or " +
        "--port=8890, are passed on to Jupyter.",
    );
    return 0;
  }
  let jupyter: Jupyter;
  try {
    jupyter = await findJupyter();
  } catch (error) {
    if (error instanceof JupyterMissingError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  await ensureDenoKernel(jupyter);
  const frontEnd = await _frontEnd(jupyter);
  if (!frontEnd) {
    console.error(
      `${jupyter.python} has Jupyter's execution libraries but neither JupyterLab nor the ` +
        `Notebook front end.\n\n${INSTALL_HINT}`,
    );
    return 1;
  }
  console.log(`Opening notebooks/ in ${frontEnd.name} (${jupyter.python}); pick the Deno kernel.`);
  // Jupyter refuses to start as root (containers, CI machines) unless told; for anyone else the
  // flag changes nothing, so it is always given (asking Deno.uid() needs a sys permission the
  // task's permission set does not grant).
  const asRoot = args.includes("--allow-root") ? [] : ["--allow-root"];
  const child = new Deno.Command(jupyter.python, {
    args: ["-m", frontEnd.module, `--notebook-dir=${NOTEBOOKS_DIR}`, ...asRoot, ...args],
    cwd: ROOT,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return await superviseChild(child);
}

if (import.meta.main) await runCli(main);
