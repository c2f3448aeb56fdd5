#!/usr/bin/python3
"""measure.py - runs one command and prints its wall time, CPU time and
peak resident memory as JSON on stdout (the command's own output goes to
stderr).  Used by tests/bench/run.sh; no timing is ever asserted.

usage: measure.py [--cpu N] -- COMMAND [ARGS...]
  --cpu N   pin the command to CPU N (taskset), so "one core" means one

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


def main():
    args = sys.argv[1:]
    cpu = None
    if args[:1] == ["--cpu"]:
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
    peak = 0
    while True:
        peak = max(peak, vm_hwm_kb(proc.pid))
        try:
            _, status, ru = os.wait4(proc.pid, os.WNOHANG)
        except ChildProcessError:
            break
        if _ == proc.pid:
            break
        time.sleep(0.02)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    print(json.dumps({
        "rc": proc.returncode,
        "wall_s": round(wall, 3),
        "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
        "peak_rss_mb": round(peak / 1024.0, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
