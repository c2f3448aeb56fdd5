#!/usr/bin/python3
"""huge_token.py - writes to stdout, streaming, a GetFindings response
whose NextToken is SIZE bytes long, after (or before) a Findings array of
the findings in FINDINGS (JSON lines).  Used by `make bench` (piped to
gzip: a 2 GiB token makes a .gz of a few MB) to show that import's peak
memory does not grow with such a value.

usage: huge_token.py FINDINGS SIZE after|before
"""
import json
import sys


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("after", "before"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        findings = [json.loads(line) for line in f if line.strip()]
    size = int(sys.argv[2])
    out = sys.stdout.buffer
    body = b'"Findings": ' + json.dumps(findings).encode()
    out.write(b"{" + (b"" if sys.argv[3] == "before" else body + b", ") + b'"NextToken": "')
    block = b"A" * (1 << 20)
    while size > 0:
        out.write(block[:min(size, len(block))])
        size -= len(block)
    out.write(b'"' + (b", " + body if sys.argv[3] == "before" else b"") + b"}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
