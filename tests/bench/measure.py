#!/usr/bin/python3
"""measure.py - runs one command and prints its wall time, CPU time and
peak resident memory as JSON on stdout (the command's own output goes to
stderr).  Used by tests/bench/run.sh; no timing is ever asserted.

usage: measure.py [--cpu N] -- COMMAND [ARGS...]
  --cpu N   pin the command to CPU N (taskset), so "one core" means one
"""
import json
import resource
import subprocess
import sys
import time


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
    proc = subprocess.run(args, stdout=sys.stderr)
    wall = time.monotonic() - start
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "rc": proc.returncode,
        "wall_s": round(wall, 3),
        "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
        "peak_rss_mb": round(ru.ru_maxrss / 1024.0, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
