/**
 * Headless Chromium driven over the Chrome DevTools Protocol (a WebSocket on
 * `--remote-debugging-port`), with no npm package and no browser download: it runs the
 * Chromium installed on the machine (Debian's `chromium` package). Used to print the decks'
 * PDF handouts and by the browser test of the decks.
 *
 * Chromium is found as `COURSE_CHROMIUM` if set, else `/usr/bin/chromium`, then `chromium`,
 * `chromium-browser`, `google-chrome` or `google-chrome-stable` on PATH.
 *
 * @module
 */
import { delimiter, join } from "node:path";
import { scratchDir } from "./_scratch.ts";

/** What to install when Chromium is missing, as printed by the tools. */
export const CHROMIUM_HINT: string = [
  "Chromium is needed to print the PDF handouts (and by the browser test). Install it with:",
  "  Debian/Ubuntu: sudo apt-get install chromium",
  "(or set COURSE_CHROMIUM to a Chromium or Chrome executable)",
].join("\n");

/** The flags every headless run uses (no sandbox: CI runs as root). */
export const HEADLESS_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-default-apps",
  "--disable-extensions",
  "--disable-sync",
  "--no-first-run",
  "--no-default-browser-check",
  "--hide-scrollbars",
  "--mute-audio",
];

function _isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Finds a Chromium (or Chrome) executable.
 *
 * @param options.env Where to read `COURSE_CHROMIUM` and `PATH`. @default Deno.env
 * @returns Its path, or undefined when there is none.
 *
 * @example Look for Chromium
 * ```ts
 * import { findChromium } from "./_chromium.ts";
 * const none = findChromium({ env: { COURSE_CHROMIUM: "/nonexistent/chromium", PATH: "" } });
 * if (none !== undefined) throw new Error("a missing override must not be used");
 * ```
 */
export function findChromium(
  options: { env?: Record<string, string | undefined> } = {},
): string | undefined {
  const env = options.env ?? Deno.env.toObject();
  if (env.COURSE_CHROMIUM !== undefined) {
    return _isFile(env.COURSE_CHROMIUM) ? env.COURSE_CHROMIUM : undefined;
  }
  if (_isFile("/usr/bin/chromium")) return "/usr/bin/chromium";
  const dirs = (env.PATH ?? "").split(delimiter).filter((d) => d !== "");
  for (const name of ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (_isFile(path)) return path;
    }
  }
  return undefined;
}

/** A DevTools Protocol event. */
export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

type _Pending = { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void };

/** A running headless Chromium. */
export class Browser {
  #process: Deno.ChildProcess;
  #socket: WebSocket;
  #userDataDir: string;
  #nextId = 1;
  #pending = new Map<number, _Pending>();
  #listeners = new Set<(event: CdpEvent) => void>();
  #stderr: Promise<string>;
  #closed = false;

  private constructor(
    process: Deno.ChildProcess,
    socket: WebSocket,
    userDataDir: string,
    stderr: Promise<string>,
  ) {
    this.#process = process;
    this.#socket = socket;
    this.#userDataDir = userDataDir;
    this.#stderr = stderr;
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data));
      if (typeof data.id === "number") {
        const pending = this.#pending.get(data.id);
        if (!pending) return;
        this.#pending.delete(data.id);
        if (data.error) {
          pending.reject(new Error(`${data.error.message} (${data.error.code})`));
        } else pending.resolve(data.result ?? {});
      } else if (typeof data.method === "string") {
        for (const listener of this.#listeners) listener(data as CdpEvent);
      }
    };
    socket.onclose = () => {
      for (const pending of this.#pending.values()) {
        pending.reject(new Error("the browser closed the DevTools connection"));
      }
      this.#pending.clear();
    };
  }

  /**
   * Starts headless Chromium and connects to it.
   *
   * @param options.executable The browser. @default findChromium()
   * @param options.args Extra command-line flags.
   * @param options.timeout Seconds to wait for the DevTools endpoint. @default 30
   * @returns The browser.
   * @throws Error with {@linkcode CHROMIUM_HINT} when no browser is found or it does not start.
   */
  static async launch(
    options: { executable?: string; args?: string[]; timeout?: number } = {},
  ): Promise<Browser> {
    const executable = options.executable ?? findChromium();
    if (!executable) throw new Error(`Chromium was not found.\n${CHROMIUM_HINT}`);
    const userDataDir = await scratchDir("course-chromium-");
    const process = new Deno.Command(executable, {
      args: [
        ...HEADLESS_FLAGS,
        `--user-data-dir=${userDataDir}`,
        "--remote-debugging-port=0",
        "--window-size=1280,720",
        ...(options.args ?? []),
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = process.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    let endpoint: string | undefined;
    const deadline = Date.now() + (options.timeout ?? 30) * 1000;
    while (!endpoint) {
      const timer = new Promise<"timeout">((r) => {
        const id = setTimeout(() => r("timeout"), Math.max(0, deadline - Date.now()));
        Deno.unrefTimer(id);
      });
      const next = await Promise.race([reader.read(), timer]);
      if (next === "timeout" || next.done) {
        try {
          process.kill("SIGKILL");
        } catch { /* already gone */ }
        await reader.cancel().catch(() => {});
        await process.status;
        await Deno.remove(userDataDir, { recursive: true }).catch(() => {});
        throw new Error(
          `${executable} did not open a DevTools endpoint${
            next === "timeout" ? " in time" : ""
          }:\n${seen.trim().split("\n").slice(-15).join("\n")}`,
        );
      }
      seen += next.value;
      endpoint = /DevTools listening on (ws:\/\/\S+)/.exec(seen)?.[1];
    }
    const rest = (async () => {
      let text = seen;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += value;
        if (text.length > 200_000) text = text.slice(-100_000);
      }
    })();
    const socket = new WebSocket(endpoint);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error(`cannot connect to ${endpoint}`));
    });
    return new Browser(process, socket, userDataDir, rest);
  }

  /**
   * Sends a DevTools command.
   *
   * @param method E.g. `Target.createTarget`.
   * @param params The command's parameters.
   * @param sessionId The target session, for page commands.
   * @returns The command's result.
   */
  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    if (this.#closed) return Promise.reject(new Error(`browser closed before ${method}`));
    const id = this.#nextId++;
    const message = sessionId ? { id, method, params, sessionId } : { id, method, params };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, {
        resolve,
        reject: (e) => reject(new Error(`${method}: ${e.message}`)),
      });
      this.#socket.send(JSON.stringify(message));
    });
  }

  /**
   * Listens to every DevTools event.
   *
   * @param listener Called with each event.
   * @returns A function that stops listening.
   */
  onEvent(listener: (event: CdpEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Waits for an event that matches.
   *
   * @param match Which event.
   * @param timeout Milliseconds. @default 30000
   * @returns The event.
   */
  waitForEvent(match: (event: CdpEvent) => boolean, timeout = 30_000): Promise<CdpEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`no matching DevTools event within ${timeout} ms`));
      }, timeout);
      const stop = this.onEvent((event) => {
        if (!match(event)) return;
        clearTimeout(timer);
        stop();
        resolve(event);
      });
    });
  }

  /**
   * Opens a new tab at about:blank with a viewport of the given size.
   *
   * @param options.width Viewport width in CSS pixels. @default 1280
   * @param options.height Viewport height in CSS pixels. @default 720
   * @returns The tab.
   */
  async newPage(options: { width?: number; height?: number } = {}): Promise<Page> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const page = new Page(this, String(targetId), String(sessionId));
    await page.send("Page.enable");
    await page.send("Runtime.enable");
    await page.setViewport(options.width ?? 1280, options.height ?? 720);
    return page;
  }

  /** Closes the browser, waits for it to exit and removes its profile folder. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await Promise.race([
        this.send("Browser.close"),
        new Promise((r) => setTimeout(r, 3000)),
      ]).catch(() => {});
    } finally {
      this.#closed = true;
      try {
        this.#socket.close();
      } catch { /* closed */ }
      const exited = await Promise.race([
        this.#process.status.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 5000)),
      ]);
      if (!exited) {
        try {
          this.#process.kill("SIGKILL");
        } catch { /* gone */ }
        await this.#process.status;
      }
      await this.#stderr.catch(() => "");
      await Deno.remove(this.#userDataDir, { recursive: true }).catch(() => {});
    }
  }

  /** What the browser wrote on stderr (for diagnosis after close). */
  stderr(): Promise<string> {
    return this.#stderr;
  }
}

/** One tab, attached with its own DevTools session. */
export class Page {
  readonly browser: Browser;
  readonly targetId: string;
  readonly sessionId: string;

  /** Use {@linkcode Browser.newPage}. */
  constructor(browser: Browser, targetId: string, sessionId: string) {
    this.browser = browser;
    this.targetId = targetId;
    this.sessionId = sessionId;
  }

  /** Sends a command to this tab. */
  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** Listens to this tab's events. */
  onEvent(listener: (event: CdpEvent) => void): () => void {
    return this.browser.onEvent((event) => {
      if (event.sessionId === this.sessionId) listener(event);
    });
  }

  /** Sets the viewport size in CSS pixels (device scale 1). */
  async setViewport(width: number, height: number): Promise<void> {
    await this.send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
  }

  /**
   * Loads a URL and waits for the load event.
   *
   * @param url The address.
   * @param timeout Milliseconds. @default 60000
   */
  async goto(url: string, timeout = 60_000): Promise<void> {
    const loaded = this.browser.waitForEvent(
      (e) => e.sessionId === this.sessionId && e.method === "Page.loadEventFired",
      timeout,
    );
    const result = await this.send("Page.navigate", { url });
    if (result.errorText) {
      loaded.catch(() => {});
      throw new Error(`cannot open ${url}: ${result.errorText}`);
    }
    await loaded;
  }

  /**
   * Evaluates a JavaScript expression in the page (promises are awaited).
   *
   * @param expression The code.
   * @returns Its value, serialized as JSON.
   */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const result = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    const details = result.exceptionDetails as
      | { exception?: { description?: string }; text?: string }
      | undefined;
    if (details) {
      throw new Error(
        `page script failed: ${details.exception?.description ?? details.text ?? "error"}`,
      );
    }
    return (result.result as { value?: T }).value as T;
  }

  /**
   * Waits until an expression is truthy in the page.
   *
   * @param expression The condition.
   * @param timeout Milliseconds. @default 60000
   */
  async waitFor(expression: string, timeout = 60_000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!(await this.evaluate<boolean>(`Boolean(${expression})`))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Takes a PNG screenshot of the viewport.
   *
   * @returns The PNG file's bytes.
   */
  async screenshot(): Promise<Uint8Array> {
    const { data } = await this.send("Page.captureScreenshot", { format: "png" });
    return Uint8Array.from(atob(String(data)), (c) => c.charCodeAt(0));
  }

  /**
   * Prints the page to PDF with the page size its CSS asks for (reveal.js's print view sets it).
   *
   * @returns The PDF file's bytes.
   */
  async printPdf(): Promise<Uint8Array> {
    const { data } = await this.send("Page.printToPDF", {
      printBackground: true,
      preferCSSPageSize: true,
      marginTop: 0,
      marginBottom: 0,
      marginLeft: 0,
      marginRight: 0,
    });
    return Uint8Array.from(atob(String(data)), (c) => c.charCodeAt(0));
  }

  /** Closes the tab. */
  async close(): Promise<void> {
    await this.browser.send("Target.closeTarget", { targetId: this.targetId }).catch(() => {});
  }
}
