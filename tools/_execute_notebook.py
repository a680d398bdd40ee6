"""Executes one notebook headless through Jupyter (nbclient) for tools/_jupyter.ts.

Usage: python3 _execute_notebook.py IN.ipynb OUT.ipynb RESULT.json KERNEL TIMEOUT STARTUP_TIMEOUT

The kernel's working directory is the input notebook's folder, so `../lib/mod.ts` resolves and
Deno finds the project's deno.json. The executed notebook is written to OUT even when a cell
fails (it then holds the outputs up to the failing cell). RESULT gets one JSON object:
{"status": "ok" | "error" | "timeout" | "dead" | "failed", "cellIndex": int | null,
 "message": str, "lineOffsets": {cell index: int}, "transpiled": {cell index: str}}.
While it runs, the script prints "CELL <index> <number> <count>" on stdout as each code cell
starts (its index among all cells, its number among the code cells, the number of code cells),
so the caller can show progress.

No lost output. The Deno kernel publishes console lines and displays from a queue that it
drains on its own schedule: it can send them after the cell's "idle" status (where nbclient
stops listening), stamped with the parent header of whatever request came next. So after each
cell this runner sends a probe, `console.log(<marker>)`, which travels through the same queue
behind everything the cell sent, and reads IOPub until the marker arrives: everything before
it, whatever its parent header, belongs to the cell. The probe and its marker are not written
to the executed notebook.

Error lines. The kernel transpiles a cell before running it; its emitter reprints the code
(types removed, objects one property per line, blank lines dropped), so the line:column in a
traceback (`<anonymous>:L:C`) refers to that reprint, and every cell's frames look alike. This
runner puts a block comment of `lineOffsets[i]` newlines before the code of cell i (comments
survive the emitter; the ranges of different cells never overlap), so a frame's line says which
cell it is in. When a cell fails, it asks the kernel for the reprint of that cell and of every
cell its traceback passes through (`String(async function () { <cell> })`, never called) and
reports them in "transpiled"; tools/_error_lines.ts maps the frames back to the cells' lines.
"""

import asyncio
import json
import os
import re
import sys
import traceback
import uuid
from queue import Empty
from time import monotonic

import nbformat
from nbclient import NotebookClient
from nbclient.client import timestamp
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_hook

# How long to wait for the kernel's reprint of a cell after a failure, in seconds.
TRANSPILE_TIMEOUT = 30
# A traceback frame in code the kernel ran: `<anonymous>:LINE:COLUMN`.
FRAME = re.compile(r"<anonymous>:(\d+):(\d+)")
# An import declaration (not `import(` or `import.meta`) at the start of a line, up to its
# module specifier, optional attributes and semicolon.
IMPORT = re.compile(
    r"^import(?=[\s{*'\"])(?!\s*[(.])(\s+type\b)?[^;'\"]*?(['\"])[^'\"\n]*\2"
    r"(\s*with\s*\{[^}]*\})?[ \t]*;?",
    re.MULTILINE,
)


def line_offset_prefix(newlines):
    """The block comment put before a cell's code: `newlines` line breaks."""
    return "/*" + "\n" * newlines + "*/\n"


def takes_offset(source):
    """Whether a cell can carry the offset comment. The kernel wraps a cell that starts with `{`
    and does not end with `;` in parentheses (to read it as an object literal); a comment in
    front would stop that."""
    text = source.strip()
    return not (text.startswith("{") and not text.endswith(";"))


def transpile_probe(source, marker):
    """Code that prints `marker` and the kernel's reprint of `source` (as JSON) without running
    it: the cell becomes the body of a function that is never called. Import declarations are
    not allowed in a function, so each becomes one line naming its module (the kernel turns a
    value import into one line, `const x = await import(...)`, and drops a type-only one)."""

    def neutral(match):
        if match.group(1):
            return ""
        spec = re.search(r"(['\"])([^'\"\n]*)\1\s*(with\s*\{[^}]*\})?[ \t]*;?$", match.group(0))
        return f"void {json.dumps(spec.group(2) if spec else '')};"

    body = IMPORT.sub(neutral, source)
    return (
        f"console.log({json.dumps(marker)} + JSON.stringify(String(async function () {{\n"
        f"{body}\n}})));"
    )


class CourseClient(NotebookClient):
    """An nbclient NotebookClient that collects a cell's output until a marker printed after
    the cell arrives, and gathers what is needed to map traceback lines back to the cells."""

    def __init__(self, nb, **kw):
        super().__init__(nb, **kw)
        self.line_offsets = {}
        self.transpiled = {}
        self._next_offset = 1
        self._all_markers = set()  # every marker sent, so a late spare one is never output

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        assert self.kc is not None
        await run_hook(self.on_cell_start, cell=cell, cell_index=cell_index)
        if cell.cell_type != "code" or not cell.source.strip():
            return cell
        if self.record_timing:
            cell["metadata"]["execution"] = {}
        code = cell.source
        if takes_offset(code):
            self.line_offsets[cell_index] = self._next_offset
            code = line_offset_prefix(self._next_offset) + code
            # the kernel's reprint has no more lines than the cell has characters plus one
            self._next_offset += len(cell.source) + 2
        await run_hook(self.on_cell_execute, cell=cell, cell_index=cell_index)
        msg_id = await ensure_async(
            self.kc.execute(code, store_history=store_history, stop_on_error=False)
        )
        await run_hook(self.on_cell_complete, cell=cell, cell_index=cell_index)
        self.code_cells_executed += 1
        cell.outputs = []
        self.clear_before_next_output = False
        timeout = self._get_timeout(cell)
        deadline = None if timeout is None else monotonic() + timeout
        marker = f"course-output-end-{uuid.uuid4().hex}"
        collector = asyncio.ensure_future(self._collect_outputs(msg_id, marker, cell, cell_index))
        try:
            reply = await self._shell_reply(msg_id, deadline, timeout, cell)
            if self.record_timing:
                cell["metadata"]["execution"]["shell.execute_reply"] = timestamp(reply)
            await ensure_async(
                self.kc.execute(
                    f"console.log({json.dumps(marker)});", silent=True, store_history=False
                )
            )
            await self._wait(collector, deadline, timeout, cell, "the cell's output")
        finally:
            collector.cancel()
        if execution_count:
            cell["execution_count"] = execution_count
        if reply["content"].get("status") == "error":
            await self._gather_transpiled(cell_index, reply)
        await run_hook(
            self.on_cell_executed, cell=cell, cell_index=cell_index, execute_reply=reply
        )
        await self._check_raise_for_error(cell, cell_index, reply)
        self.nb["cells"][cell_index] = cell
        return cell

    async def _shell_reply(self, msg_id, deadline, timeout, cell):
        """The execute reply to `msg_id`; raises CellTimeoutError at the deadline and
        DeadKernelError when the kernel stops."""
        while True:
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=1))
            except Empty:
                await self._async_check_alive()
                if deadline is not None and monotonic() > deadline:
                    raise CellTimeoutError.error_from_timeout_and_cell(
                        "Cell execution timed out", timeout, cell
                    )
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    async def _wait(self, task, deadline, timeout, cell, what):
        """Waits for `task`, checking every second that the kernel lives and the deadline
        (at least a minute from now, so a slow drain after a long cell is not a timeout)."""
        if deadline is not None:
            deadline = max(deadline, monotonic() + 60)
        while True:
            done, _ = await asyncio.wait({task}, timeout=1)
            if done:
                return task.result()
            await self._async_check_alive()
            if deadline is not None and monotonic() > deadline:
                raise CellTimeoutError.error_from_timeout_and_cell(
                    f"Timed out waiting for {what}", timeout, cell
                )

    async def _collect_outputs(self, msg_id, marker, cell, cell_index):
        """Adds every output published until `marker` to the cell, whatever its parent.

        The Deno kernel (2.9) can write two IOPub messages over each other (a large display
        still being written when a status message goes out), which arrives as one message with
        a bad signature. Such a message is skipped with a warning on stderr, and since it may
        have been the marker, a new marker is sent; any of them ends the cell's output."""
        markers = [marker]
        self._all_markers.add(marker)
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            except ValueError as error:  # jupyter_client: "Invalid Signature", bad frames
                sys.stderr.write(
                    f"warning: cell {cell_index}: the kernel sent a garbled message ({error}); "
                    "some of the cell's output may be missing\n"
                )
                sys.stderr.flush()
                markers.append(f"course-output-end-{uuid.uuid4().hex}")
                self._all_markers.add(markers[-1])
                await ensure_async(
                    self.kc.execute(
                        f"console.log({json.dumps(markers[-1])});", silent=True, store_history=False
                    )
                )
                continue
            own = msg["parent_header"].get("msg_id") == msg_id
            msg_type = msg["msg_type"]
            if msg_type == "status":
                if own and self.record_timing:
                    state = msg["content"]["execution_state"]
                    cell["metadata"]["execution"][f"iopub.status.{state}"] = timestamp(msg)
                continue
            if msg_type == "execute_input":
                if own:
                    self.process_message(msg, cell, cell_index)
                continue
            text = msg["content"].get("text", "") if msg_type == "stream" else ""
            if any(m in text for m in self._all_markers):
                rest = "".join(
                    line
                    for line in text.splitlines(keepends=True)
                    if line.rstrip("\n") not in self._all_markers
                )
                if not any(m in text for m in markers):  # a spare marker of an earlier cell
                    if rest:
                        msg = {**msg, "content": {**msg["content"], "text": rest}}
                        self.process_message(msg, cell, cell_index)
                    continue
                if rest:
                    msg = {**msg, "content": {**msg["content"], "text": rest}}
                    self.process_message(msg, cell, cell_index)
                return
            self.process_message(msg, cell, cell_index)

    async def _gather_transpiled(self, cell_index, reply):
        """Asks the kernel for its reprint of the failing cell and of every cell its traceback
        passes through, into self.transpiled. A cell the kernel cannot reprint is left out."""
        lines = list(reply["content"].get("traceback") or [])
        for output in self.nb.cells[cell_index].get("outputs", []):
            if output.get("output_type") == "error":
                lines += output.get("traceback", [])
        wanted = [cell_index] if cell_index in self.line_offsets else []
        for match in FRAME.finditer("\n".join(lines)):
            line = int(match.group(1))
            for index, offset in self.line_offsets.items():
                source = self.nb.cells[index].source
                if offset < line <= offset + len(source) + 2 and index not in wanted:
                    wanted.append(index)
        for index in wanted:
            try:
                text = await self._transpile(self.nb.cells[index].source)
            except (Empty, asyncio.TimeoutError):
                text = None
            if text is not None:
                self.transpiled[index] = text

    async def _transpile(self, source):
        """The kernel's reprint of `source` inside `async function () {...}`, or None."""
        marker = f"course-transpiled-{uuid.uuid4().hex}"
        msg_id = await ensure_async(
            self.kc.execute(transpile_probe(source, marker), silent=True, store_history=False)
        )
        reply = await asyncio.wait_for(self._shell_reply(msg_id, None, None, None), TRANSPILE_TIMEOUT)
        if reply["content"].get("status") != "ok":
            return None
        deadline = monotonic() + TRANSPILE_TIMEOUT
        while monotonic() < deadline:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=TRANSPILE_TIMEOUT))
            text = msg["content"].get("text", "") if msg["msg_type"] == "stream" else ""
            if text.startswith(marker):
                return json.loads(text[len(marker) :])
        return None


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
    client = CourseClient(nb, **options)
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
    result["lineOffsets"] = {str(i): n for i, n in client.line_offsets.items()}
    result["transpiled"] = {str(i): text for i, text in client.transpiled.items()}
    nbformat.write(nb, out_path)
    with open(result_path, "w", encoding="utf-8") as file:
        json.dump(result, file)
    return 0


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


if __name__ == "__main__":
    sys.exit(main(sys.argv))
