"""Executes one notebook headless through Jupyter (nbclient) for tools/_jupyter.ts.

Usage: python3 _execute_notebook.py IN.ipynb OUT.ipynb RESULT.json KERNEL TIMEOUT STARTUP_TIMEOUT

The kernel's working directory is the input notebook's folder, so `../lib/mod.ts` resolves and
Deno finds the project's deno.json. The executed notebook is written to OUT even when a cell
fails (it then holds the outputs up to the failing cell). RESULT gets one JSON object:
{"status": "ok" | "error" | "timeout" | "dead" | "failed", "cellIndex": int | null,
 "message": str}. While it runs, the script prints "CELL <index> <number> <count>" on stdout
as each code cell starts (its index among all cells, its number among the code cells, the
number of code cells), so the caller can show progress.
"""

import json
import os
import sys
import traceback

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def main(argv):
    if len(argv) != 7:
        sys.stderr.write(__doc__)
        return 2
    in_path, out_path, result_path, kernel, timeout, startup_timeout = argv[1:]
    nb = nbformat.read(in_path, as_version=4)
    code_count = sum(1 for cell in nb.cells if cell.cell_type == "code")
    state = {"cell": None, "code": 0}

    def on_cell_start(cell, cell_index, **_):
        state["cell"] = cell_index
        if cell.cell_type == "code":
            state["code"] += 1
            print(f"CELL {cell_index} {state['code']} {code_count}", flush=True)

    options = dict(
        timeout=int(timeout),
        startup_timeout=int(startup_timeout),
        kernel_name=kernel,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(in_path))}},
    )
    if "on_cell_start" in NotebookClient.class_trait_names():
        options["on_cell_start"] = on_cell_start
    client = NotebookClient(nb, **options)
    result = {"status": "ok", "cellIndex": None, "message": ""}
    try:
        client.execute()
    except CellTimeoutError as error:
        result = {"status": "timeout", "cellIndex": state["cell"], "message": _first_line(error)}
    except CellExecutionError as error:
        result = {
            "status": "error",
            "cellIndex": state["cell"],
            "message": f"{error.ename}: {error.evalue}",
        }
    except DeadKernelError as error:
        result = {"status": "dead", "cellIndex": state["cell"], "message": _first_line(error)}
    except Exception as error:  # kernel missing, bad notebook JSON, ...
        result = {
            "status": "failed",
            "cellIndex": state["cell"],
            "message": f"{type(error).__name__}: {error}",
            "traceback": traceback.format_exc(),
        }
    nbformat.write(nb, out_path)
    with open(result_path, "w", encoding="utf-8") as file:
        json.dump(result, file)
    return 0


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


if __name__ == "__main__":
    sys.exit(main(sys.argv))
