#!/usr/bin/python3
"""measure.py - runs one command and prints its wall time, CPU time and
peak resident memory as JSON on stdout (the command's own output goes to
stderr).  Used by tests/bench/run.sh; no timing is ever asserted.

usage: measure.py [--cpu N] [--tree] -- COMMAND [ARGS...]
  --cpu N   pin the command to CPU N (taskset), so "one core" means one
  --tree    also the command's child processes: "tree_rss_mb", the
            highest sum of their resident memory seen at one sample, and
            "max_proc_mb", the highest VmHWM of any one of them

Peak memory is the command's own VmHWM (the high-water mark of its
address space after exec), sampled from /proc every 20 ms; rusage's
maxrss would also count the Python parent that spawned it.
"""
import json
import os
import subprocess
import sys
import time


def vm_hwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_field(pid, name):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_of(root):
    """root and its descendants, from every process's parent in /proc."""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    parent[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, pp in parent.items():
            if pp in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return tree


def main():
    args = sys.argv[1:]
    cpu = None
    tree = False
    while args[:1] in (["--cpu"], ["--tree"]):
        if args[0] == "--tree":
            tree = True
            args = args[1:]
            continue
        cpu = int(args[1])
        args = args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    if cpu is not None:
        args = ["taskset", "-c", str(cpu)] + args
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=sys.stderr)
    peak = tree_peak = proc_peak = 0
    while True:
        peak = max(peak, vm_hwm_kb(proc.pid))
        if tree:
            pids = tree_of(proc.pid)
            tree_peak = max(tree_peak, sum(proc_field(p, "VmRSS") for p in pids))
            proc_peak = max([proc_peak] + [proc_field(p, "VmHWM") for p in pids])
        try:
            _, status, ru = os.wait4(proc.pid, os.WNOHANG)
        except ChildProcessError:
            break
        if _ == proc.pid:
            break
        time.sleep(0.02)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = {
        "rc": proc.returncode,
        "wall_s": round(wall, 3),
        "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
        "peak_rss_mb": round(peak / 1024.0, 1),
    }
    if tree:
        out["tree_rss_mb"] = round(tree_peak / 1024.0, 1)
        out["max_proc_mb"] = round(proc_peak / 1024.0, 1)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
