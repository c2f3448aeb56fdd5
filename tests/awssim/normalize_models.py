#!/usr/bin/python3
"""normalize_models.py - lays the npm aws-sdk (v2) API models out for botocore.

usage: normalize_models.py SRC_APIS_DIR OUT_DIR [SERVICE...]

The npm package ships current AWS models as apis/<service>-<version>.min.json:
the same shapes as botocore's service-2.json, but with operation inputs and
outputs (and many members) written inline, "type": "string" left implicit,
and enums and length limits stripped.  This writes
OUT_DIR/<service>/<version>/service-2.json in botocore's layout (every inline
shape hoisted to a named one), and copies back the constraints (enum, min,
max) that Debian's older botocore model has for the same members, so that
botocore (through AWS_DATA_PATH) and the simulator validate against current
shapes with AWS's own constraints.  Caveat: an enum value AWS added after
Debian's model (December 2022) is unknown to the copied enum; hubwarden's
requests use only values present in both.
"""
import json
import os
import sys

# npm file prefix -> botocore service name
SERVICES = {
    "securityhub": "securityhub",
    "sts": "sts",
    "organizations": "organizations",
    "ec2": "ec2",
    "iam": "iam",
    "s3": "s3",
    "s3control": "s3control",
    "guardduty": "guardduty",
    "kms": "kms",
    "ssm": "ssm",
    "sns": "sns",
    "wafv2": "wafv2",
    "cloudtrail": "cloudtrail",
    "config": "config",
    "rds": "rds",
    "lambda": "lambda",
    "resourcegroupstaggingapi": "resourcegroupstaggingapi",
}

CONSTRAINTS = ("enum", "min", "max", "pattern")


class Hoister:
    def __init__(self, shapes):
        self.src = shapes
        self.out = {}
        self.counter = 0

    def name_for(self, hint):
        base = "".join(ch for ch in hint if ch.isalnum()) or "Shape"
        name = base
        while name in self.out or name in self.src:
            self.counter += 1
            name = "%s%d" % (base, self.counter)
        return name

    def ref(self, spec, hint):
        """Returns {"shape": name} for spec (a reference or an inline shape)."""
        extra = {k: v for k, v in spec.items()
                 if k in ("location", "locationName", "flattened", "xmlNamespace",
                          "idempotencyToken", "queryName", "jsonvalue", "hostLabel",
                          "streaming", "xmlAttribute", "contextParam", "timestampFormat")}
        if "shape" in spec:
            r = {"shape": spec["shape"]}
            r.update(extra)
            return r
        body = {k: v for k, v in spec.items() if k not in extra or k in ("flattened", "timestampFormat")}
        name = self.name_for(hint)
        self.out[name] = None  # reserve
        self.out[name] = self.shape(body, name)
        r = {"shape": name}
        r.update(extra)
        return r

    def shape(self, spec, hint):
        s = dict(spec)
        s.setdefault("type", "string")
        t = s["type"]
        if t == "structure":
            members = {}
            for m, mspec in s.get("members", {}).items():
                members[m] = self.ref(mspec, hint + m)
            s["members"] = members
        elif t == "list":
            s["member"] = self.ref(s.get("member", {}), hint + "Member")
        elif t == "map":
            s["key"] = self.ref(s.get("key", {}), hint + "Key")
            s["value"] = self.ref(s.get("value", {}), hint + "Value")
        return s


def normalize(model):
    h = Hoister(model.get("shapes", {}))
    for name, spec in model.get("shapes", {}).items():
        h.out[name] = None
    for name, spec in model.get("shapes", {}).items():
        h.out[name] = h.shape(spec, name)
    ops = {}
    for op, o in model.get("operations", {}).items():
        o = dict(o)
        o["name"] = op
        http = dict(o.get("http", {}))
        http.setdefault("method", "POST")
        http.setdefault("requestUri", "/")
        o["http"] = http
        for io, suffix in (("input", "Request"), ("output", "Response")):
            if io in o:
                spec = o[io]
                wrapper = spec.get("resultWrapper") if io == "output" else None
                r = h.ref({k: v for k, v in spec.items() if k != "resultWrapper"}, op + suffix)
                if wrapper:
                    r["resultWrapper"] = wrapper
                o[io] = r
        if "errors" in o:
            o["errors"] = [h.ref(e, op + "Error") for e in o["errors"]]
        ops[op] = o
    meta = dict(model.get("metadata", {}))
    meta.pop("auth", None)
    meta.pop("protocols", None)
    return {"version": "2.0", "metadata": meta, "operations": ops, "shapes": h.out,
            "documentation": ""}


def enrich(new, old):
    """Copies enum/min/max/pattern from old (botocore) shapes onto new ones
    reached through the same operation and member names."""
    seen = set()

    def walk(nname, oname):
        if (nname, oname) in seen:
            return
        seen.add((nname, oname))
        ns, os_ = new["shapes"].get(nname), old["shapes"].get(oname)
        if ns is None or os_ is None or ns.get("type") != os_.get("type"):
            return
        for k in CONSTRAINTS:
            if k in os_ and k not in ns:
                ns[k] = os_[k]
        t = ns.get("type")
        if t == "structure":
            for m, ref in ns.get("members", {}).items():
                oref = os_.get("members", {}).get(m)
                if oref:
                    walk(ref["shape"], oref["shape"])
        elif t == "list":
            walk(ns["member"]["shape"], os_["member"]["shape"])
        elif t == "map":
            walk(ns["key"]["shape"], os_["key"]["shape"])
            walk(ns["value"]["shape"], os_["value"]["shape"])

    for op, o in new["operations"].items():
        oo = old["operations"].get(op)
        if not oo:
            continue
        for io in ("input", "output"):
            if io in o and io in oo:
                walk(o[io]["shape"], oo[io]["shape"])
    # shapes shared by name in both (most are hoisted names in new)
    for name in new["shapes"]:
        if name in old["shapes"]:
            walk(name, name)


def botocore_model(service, version):
    try:
        import botocore
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(botocore.__file__), "data", service, version,
                        "service-2.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, out = argv[1], argv[2]
    wanted = set(argv[3:]) or set(SERVICES)
    done = 0
    for fn in sorted(os.listdir(src)):
        if not fn.endswith(".min.json"):
            continue
        stem = fn[: -len(".min.json")]
        # names like "ec2-2016-11-15": version is the last three parts
        parts = stem.split("-")
        if len(parts) < 4:
            continue
        service = "-".join(parts[:-3])
        version = "-".join(parts[-3:])
        if service not in SERVICES or SERVICES[service] not in wanted:
            continue
        with open(os.path.join(src, fn)) as f:
            model = json.load(f)
        norm = normalize(model)
        old = botocore_model(SERVICES[service], version)
        if old:
            enrich(norm, old)
        d = os.path.join(out, SERVICES[service], version)
        os.makedirs(d, exist_ok=True)
        tmp = os.path.join(d, "service-2.json.tmp")
        with open(tmp, "w") as f:
            json.dump(norm, f)
        os.replace(tmp, os.path.join(d, "service-2.json"))
        # botocore merges a service's sdk-extras (Debian's RDS one adds
        # SourceRegion to shapes named as in its own model) into the first
        # service-2.json it finds: ours, whose hoisted shapes are named
        # otherwise, so an empty merge here takes its place
        with open(os.path.join(d, "service-2.sdk-extras.json"), "w") as f:
            json.dump({"version": 1.0, "merge": {}}, f)
        done += 1
    if not done:
        print("normalize_models: no models found in %s" % src, file=sys.stderr)
        return 1
    print("normalize_models: %d services written to %s" % (done, out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
