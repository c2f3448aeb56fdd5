#!/usr/bin/env python3
"""make_hostile.py - findings whose text tests the output's encoding.

Writes JSON lines (UTF-8) made from a valid control finding (argv[1]):
multibyte text long enough that fixed buffers (product name, untrusted
reason, catalogue disagreement message) are cut in the middle of a
character at either byte parity, and characters that steer a terminal
(U+202E right-to-left override, U+2028 line separator, C1 CSI U+009B,
DEL, ESC) in fields shown by tables and logs.
"""
import copy
import json
import sys

base = json.load(open(sys.argv[1]))
out = []
for pad in ("", "x"):
    f = copy.deepcopy(base)
    f["Id"] = "enc-product" + pad
    f["ProductArn"] = "arn:aws:securityhub:us-east-1::product/acme/" + pad + "\u00e9" * 150
    f["GeneratorId"] = "x"
    out.append(f)
    f = copy.deepcopy(base)
    f["Id"] = "enc-related" + pad
    f["Compliance"]["RelatedRequirements"] = [
        "CIS AWS Foundations Benchmark v3.0.0/" + pad + "\u00e9" * 300]
    out.append(f)
f = copy.deepcopy(base)
f["Id"] = "enc-steer\u202egpj.exe\u2028\u009b31m\u007f\u001b[2J"
f["Resources"][0]["Id"] = "arn:aws:s3:::b\u202e\u2028x"
out.append(f)
for o in out:
    sys.stdout.write(json.dumps(o, ensure_ascii=False) + "\n")
