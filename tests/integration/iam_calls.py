#!/usr/bin/python3
"""iam_calls.py - every AWS operation hubwarden's code can call, read from
the code itself (tests/integration/test_iam_policy.sh).

A C file under src/ that defines or names an AWS service (a `const
hw_aws_service NAME = { "service", ...}`, referred to as NAME or &NAME)
calls an operation of it by its name as a string literal (for example
hw_aws_query_call(c, &ctx, &hw_svc_iam, "ListAccessKeys", ...) or through a
helper, iam_call(c, t, "ListAccessKeys", ...)).  So: every string literal
of such a file that is an operation of one of the services it names, by
the service's AWS API model, is a call.  Prints "service Operation file"
lines, sorted.

Usage: iam_calls.py SRC_DIR MODELS_DIR...
"""
import glob
import json
import os
import re
import sys

SERVICE_DEF = re.compile(r'(?:const\s+)?hw_aws_service\s+(\w+)\s*=\s*\{\s*"([a-z0-9-]+)"')
LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)


def operations(service, model_dirs):
    for d in model_dirs:
        found = sorted(glob.glob(os.path.join(d, service, "*", "service-2.json")))
        if found:
            return set(json.load(open(found[-1]))["operations"])
    sys.exit("iam_calls.py: no API model for %s in %s" % (service, model_dirs))


def main():
    src, model_dirs = sys.argv[1], sys.argv[2:]
    files = sorted(glob.glob(os.path.join(src, "**", "*.c"), recursive=True))
    text = {f: COMMENT.sub(" ", open(f, encoding="utf-8").read()) for f in files}
    services = {}  # C name -> AWS service
    for t in text.values():
        for var, svc in SERVICE_DEF.findall(t):
            services[var] = svc
    ops = {}
    calls = set()
    def named_in(t):
        return {svc for var, svc in services.items()
                if re.search(r'(?<![\w"])&?%s\b' % re.escape(var), t)}

    for f, t in text.items():
        in_file = named_in(t)
        if not in_file:
            continue
        # a literal belongs to the services its function names (s3.c calls
        # S3's GetBucketTagging, not S3 Control's); a function that names
        # none calls through the file's helper (iam_call(c, t, "Op"))
        for fn in re.split(r'\n}\n', t):
            named = named_in(fn) or in_file
            literals = set(LITERAL.findall(fn))
            for svc in sorted(named):
                if svc not in ops:
                    ops[svc] = operations(svc, model_dirs)
                for lit in literals & ops[svc]:
                    calls.add((svc, lit, os.path.relpath(f, os.path.dirname(src.rstrip("/")) or ".")))
    for c in sorted(calls):
        print(" ".join(c))


if __name__ == "__main__":
    main()
