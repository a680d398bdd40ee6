"""Counts the output the Deno Jupyter kernel publishes too late for its cell.

The Deno kernel (2.9) publishes display data and console lines from a queue drained on
another thread, and sends a cell's execute reply and "idle" status without waiting for that
queue (see lib/_iopub.ts). This script measures what that costs, with and without lib's
IOPub wait, on an idle or a loaded machine.

It runs pairs of cells the way "Run All" does (the second execute_request is sent before the
first cell has finished): cell A ends right after some output, cell B prints nothing. Every
output of A carries a token, and each is classified by when it reached IOPub and under which
parent header:

  ok     parent A, before A's idle     every front end shows it in A
  late   parent A, after A's idle      nbclient and JupyterLab drop it
  wrong  parent B                      JupyterLab shows it under cell B
  lost   not seen within --grace seconds after B's idle

"markers" counts lib's invisible IOPub markers (update_display_data for an unknown display
id), "markers_after_idle" those that reached IOPub after A's idle.

usage: /usr/bin/python3 tools/_iopub_probe.py [--lib DIR] [--trials N] [--load K]
                                              [--scenarios a,b,...] [--grace S]
  --lib   the lib directory to test (default: this kit's lib/), e.g. an older copy
  --load  start K busy loops (/bin/sh) for the duration of the run; they are killed at exit

Prints one JSON line per scenario. Needs jupyter_client and the Deno kernel
(`deno jupyter --install`).
"""
import argparse
import json
import os
import subprocess
import time
import uuid
from collections import Counter

import jupyter_client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BIG = '"<pre>" + "x".repeat(SIZE) + "</pre>"'
SCENARIOS = {
    # The kernel alone.
    "raw_display_4mb": (
        'await Deno.jupyter.display({"text/plain": "TOK", "text/html": '
        + BIG.replace("SIZE", "4_000_000") + "}, {raw: true});", 1),
    "raw_display_small": ('await Deno.jupyter.display({"text/plain": "TOK"}, {raw: true});', 1),
    "raw_log_200": ('for (let i = 0; i < 200; i++) console.log("TOK-" + i);', 200),
    "raw_log_1": ('console.log("TOK");', 1),
    "raw_last_expr": (
        '({ [Symbol.for("Jupyter.display")]() { return {"text/plain": "TOK"}; } })', 1),
    "raw_log_50_then_throw": (
        'for (let i = 0; i < 50; i++) console.log("TOK-" + i);\nthrow new Error("boom");', 50),
    # lib's waits: sendDisplay is what show() and the live displays use.
    "lib_display_4mb": (
        'await (await import("LIB/_kernel.ts")).sendDisplay({"text/plain": "TOK", "text/html": '
        + BIG.replace("SIZE", "4_000_000") + "}, {raw: true, update: false});", 1),
    "lib_display_300kb": (
        'await (await import("LIB/_kernel.ts")).sendDisplay({"text/plain": "TOK", "text/html": '
        + BIG.replace("SIZE", "300_000") + "}, {raw: true, update: false});", 1),
    "lib_log_200_flush": (
        'for (let i = 0; i < 200; i++) console.log("TOK-" + i);\n'
        'await (await import("LIB/checks.ts")).flushOutput();', 200),
    "lib_check": ('await (await import("LIB/checks.ts")).check(true, "TOK");', 1),
}


def tokens_in(msg):
    content = msg["content"]
    if msg["msg_type"] == "stream":
        return content.get("text", "").split()
    if msg["msg_type"] in ("display_data", "execute_result", "update_display_data"):
        return str(content.get("data", {}).get("text/plain", "")).split()
    return []


def is_marker(msg):
    display_id = msg["content"].get("transient", {}).get("display_id", "")
    return msg["msg_type"] == "update_display_data" and str(display_id).startswith(
        "lib-iopub-marker")


def run_pair(kc, code_a, expected, token, grace):
    a = kc.execute(code_a, store_history=False)
    b = kc.execute("void 0;", store_history=False)
    seen = {}
    counts = Counter()
    idle = {a: False, b: False}
    deadline = None
    started = time.monotonic()
    while time.monotonic() - started < 300:
        timeout = 120 if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            msg = kc.get_iopub_msg(timeout=timeout)
        except Exception:  # queue.Empty: the grace period is over
            break
        parent = msg["parent_header"].get("msg_id")
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            if parent in idle and not idle[parent]:
                idle[parent] = True
                if parent == b:
                    deadline = time.monotonic() + grace
            continue
        if is_marker(msg):
            counts["markers"] += 1
            if parent != a or idle[a]:
                counts["markers_after_idle"] += 1
        for word in tokens_in(msg):
            if word.startswith(token) and word not in seen:
                if parent == a:
                    seen[word] = "late" if idle[a] else "ok"
                else:
                    seen[word] = "wrong" if parent == b else "other"
    counts.update(seen.values())
    counts["lost"] = expected - len(seen)
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lib", default=os.path.join(ROOT, "lib"))
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--load", type=int, default=0)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--grace", type=float, default=0.5)
    args = parser.parse_args()
    lib = "file://" + os.path.abspath(args.lib)
    names = args.scenarios.split(",")
    for name in names:
        if name not in SCENARIOS:
            parser.error(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")

    manager = jupyter_client.KernelManager(kernel_name="deno")
    manager.start_kernel(cwd=ROOT, stderr=subprocess.DEVNULL)
    client = manager.client()
    client.start_channels()
    burners = []
    try:
        client.wait_for_ready(timeout=120)
        client.execute_interactive(  # compile lib's modules before timing anything
            f'await import("{lib}/_kernel.ts"); await import("{lib}/checks.ts");',
            timeout=120, output_hook=lambda msg: None)
        burners = [subprocess.Popen(["/bin/sh", "-c", "while :; do :; done"])
                   for _ in range(args.load)]
        for name in names:
            template, expected = SCENARIOS[name]
            total = Counter()
            started = time.monotonic()
            for _ in range(args.trials):
                token = "p" + uuid.uuid4().hex[:10]
                code = template.replace("TOK", token).replace("LIB", lib)
                total += run_pair(client, code, expected, token, args.grace)
            keys = ("ok", "late", "wrong", "other", "lost", "markers", "markers_after_idle")
            row = {"scenario": name, "load": args.load, "of": expected * args.trials}
            row.update({key: total.get(key, 0) for key in keys})
            row["seconds_per_pair"] = round(
                (time.monotonic() - started) / args.trials - args.grace, 3)
            print(json.dumps(row), flush=True)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
        client.stop_channels()
        manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
