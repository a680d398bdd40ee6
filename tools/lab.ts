/**
 * `deno task lab [jupyter options...]`: opens the lessons in the installed Jupyter front end
 * (JupyterLab if present, else the classic Notebook) with the Deno kernel registered. Options
 * such as `--no-browser` or `--port=8890` are passed on to Jupyter.
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
  // Jupyter refuses to start as root (containers, CI machines) unless told.
  const asRoot = Deno.uid() === 0 && !args.includes("--allow-root") ? ["--allow-root"] : [];
  const child = new Deno.Command(jupyter.python, {
    args: ["-m", frontEnd.module, `--notebook-dir=${NOTEBOOKS_DIR}`, ...asRoot, ...args],
    cwd: ROOT,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  // Ctrl-C belongs to Jupyter (it asks before shutting down); this process waits for it.
  const ignore = () => {};
  Deno.addSignalListener("SIGINT", ignore);
  try {
    return (await child.status).code;
  } finally {
    Deno.removeSignalListener("SIGINT", ignore);
  }
}

if (import.meta.main) await runCli(main);
