#!/usr/bin/python3
"""awssim.py - a local AWS simulator for hubwarden's tests and demo.

usage: awssim.py --scenario FILE [--port 0] [--port-file F] [--models DIR]
                 [--faults SPEC] [--seed N] [--no-rate-limit] [--log FILE] [--quiet]

One process on 127.0.0.1 serves every service; the service and region come
from each request's SigV4 credential scope.  Every request is checked as AWS
checks it: the signature is recomputed with botocore's signer and the
scenario's secret keys, the operation and its input are validated against
AWS's published model (botocore, with current models through --models), and
errors come back in the protocol's own format.  See README.md in this folder
for the scenario format and the control plane (/_awssim/...).
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import random
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import models  # noqa: E402
import services  # noqa: E402
import svc_config  # noqa: E402,F401  (registers AWS Config)
import resources  # noqa: E402,F401  (registers its operations)
from state import State, ApiError  # noqa: E402


def parse_faults(spec):
    faults = {}
    for part in filter(None, (spec or "").split(",")):
        name, _, val = part.partition("=")
        rate, _, arg = val.partition(":")
        faults[name.strip()] = (float(rate), float(arg) if arg else None)
    return faults


class Sim:
    def __init__(self, scenario_path, models_dir, faults, seed, rate_limits, quiet, log):
        self.state = State.load(scenario_path)
        self.scenario_path = scenario_path
        self.models = models.Models(models_dir)
        self.faults = faults
        self.rng = random.Random(seed)
        self.rate_limits = rate_limits
        self.quiet = quiet
        self.log = log
        self.lock = threading.RLock()
        self.stats = {"operations": {}, "status": {}, "throttled": 0, "faults": {}}
        self.requests = []       # the request log (GET /_awssim/requests)
        self.stalls = []         # [{"op", "when", "seconds", "count"}] (POST /_awssim/stall)
        self.stalling = 0        # requests held by a stall right now
        self.release = threading.Event()
        self.dead_regions = {}   # region -> seconds every request there is held
        self.budget = {}         # fault -> how many more may be injected (None: no cap)

    def count(self, key, status):
        with self.lock:
            ops = self.stats["operations"]
            ops[key] = ops.get(key, 0) + 1
            st = self.stats["status"]
            st[str(status)] = st.get(str(status), 0) + 1

    def fault(self, exclude=()):
        """Picks at most one fault for this request: one draw, so that the
        rates add up (throttle=0.1,reset=0.1 faults 20% of requests)."""
        with self.lock:
            r = self.rng.random()
            for name, (rate, arg) in self.faults.items():
                if rate <= 0:
                    continue
                r -= rate
                if r >= 0:
                    continue
                if name in exclude or self.budget.get(name, 1) == 0:
                    return None, None
                self.stats["faults"][name] = self.stats["faults"].get(name, 0) + 1
                if self.budget.get(name) is not None:
                    self.budget[name] -= 1
                return name, arg
        return None, None

    def hold(self, seconds):
        """Holds this request for seconds, or until POST /_awssim/release."""
        with self.lock:
            self.stalling += 1
        try:
            self.release.wait(seconds)
        finally:
            with self.lock:
                self.stalling -= 1

    def stall_for(self, key, when):
        with self.lock:
            for st in self.stalls:
                if st["op"] == key and st.get("when", "after") == when and st.get("count", 1) != 0:
                    if st.get("skip", 0) > 0:  # let this many pass first
                        st["skip"] -= 1
                        continue
                    st["count"] = st.get("count", 1) - 1
                    return float(st.get("seconds", 30))
        return 0


READ_PREFIXES = ("Get", "List", "Describe", "BatchGet")
NOT_MUTATING = ("AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity")


def mutating(op):
    return not op.startswith(READ_PREFIXES) and op not in NOT_MUTATING


def loggable(v):
    """The parsed input as JSON-able values (bytes as text)."""
    if isinstance(v, dict):
        return {k: loggable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [loggable(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return v.decode("utf-8", "replace")
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


SIM = None

AUTH_RE = re.compile(r"AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: with Nagle's algorithm on,
    # the body waits for the client's delayed ACK of the headers (40 ms a
    # response on Linux), which made every call over keep-alive that slow
    disable_nagle_algorithm = True
    server_version = "awssim"
    sys_version = ""

    def log_message(self, fmt, *args):
        if SIM.log:
            SIM.log.write("%s %s\n" % (self.address_string(), fmt % args))
            SIM.log.flush()

    # ------------------------------------------------------------ plumbing
    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, status, body, ctype, extra=None):
        self._status = status
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def dispatch(self, method):
        raw = self.body()
        path = self.path
        try:
            if path.startswith("/_awssim/"):
                return self.control(method, path, raw)
            if path.startswith("/latest/"):
                return self.imds(method, path)
            self.aws(method, path, raw)
        except BrokenPipeError:
            pass

    # ------------------------------------------------------- control plane
    def control(self, method, path, raw):
        st = SIM.state
        if path == "/_awssim/state":
            return self.send(200, json.dumps(st.dump()), "application/json")
        if path == "/_awssim/resources":
            with st.lock:
                return self.send(200, json.dumps(st.resources, sort_keys=True), "application/json")
        if path == "/_awssim/stats":
            with SIM.lock:
                return self.send(200, json.dumps(SIM.stats), "application/json")
        if path == "/_awssim/reset-stats" and method == "POST":
            with SIM.lock:
                SIM.stats = {"operations": {}, "status": {}, "throttled": 0, "faults": {}}
                SIM.requests = []
            return self.send(200, "{}", "application/json")
        if path == "/_awssim/reload" and method == "POST":
            # the scenario's state afresh (resources, findings, keys), the
            # request log and stats emptied, no fault, stall or hold left
            state = State.load(SIM.scenario_path)
            with SIM.lock:
                SIM.state = state
                SIM.requests = []
                SIM.stats = {"operations": {}, "status": {}, "throttled": 0, "faults": {}}
                SIM.faults = {}
                SIM.stalls = []
                SIM.dead_regions = {}
                SIM.release.set()
            return self.send(200, "{}", "application/json")
        if path == "/_awssim/requests":
            with SIM.lock:
                return self.send(200, json.dumps(SIM.requests), "application/json")
        if path == "/_awssim/stall" and method == "POST":
            # {"stalls": [{"op": "ec2.RevokeSecurityGroupIngress", "when": "after"|"before",
            #   "seconds": 30, "count": 1, "skip": 0}], "dead_regions": {"ap-southeast-2": 30}}
            spec = json.loads(raw or b"{}")
            with SIM.lock:
                SIM.stalls = list(spec.get("stalls") or [])
                SIM.dead_regions = dict(spec.get("dead_regions") or {})
                SIM.release.clear()
            return self.send(200, "{}", "application/json")
        if path == "/_awssim/release" and method == "POST":
            with SIM.lock:
                SIM.stalls = []
                SIM.dead_regions = {}
                SIM.release.set()
            return self.send(200, "{}", "application/json")
        if path == "/_awssim/stalling":
            with SIM.lock:
                return self.send(200, json.dumps({"stalling": SIM.stalling}), "application/json")
        if path == "/_awssim/faults" and method == "POST":
            # {"name": rate, "name": [rate, arg], "name": [rate, arg, budget]}
            spec = json.loads(raw or b"{}")
            with SIM.lock:
                SIM.faults = {k: (float(v), None) if not isinstance(v, list) else
                              (float(v[0]), float(v[1]) if len(v) > 1 and v[1] is not None else None)
                              for k, v in spec.items()}
                SIM.budget = {k: int(v[2]) for k, v in spec.items() if isinstance(v, list) and len(v) > 2}
            return self.send(200, "{}", "application/json")
        if path == "/_awssim/waf-race" and method == "POST":
            # {"id": IP set id, "add": CIDR, "times": N}: another writer
            # changes the set just after each of its next N GetIPSet reads
            spec = json.loads(raw or b"{}")
            with st.lock:
                if not hasattr(st, "waf_races"):
                    st.waf_races = {}
                st.waf_races[spec["id"]] = {"add": spec["add"], "times": int(spec.get("times", 1))}
            return self.send(200, "{}", "application/json")
        if path == "/_awssim/findings" and method == "POST":
            spec = json.loads(raw or b"{}")
            n = st.mutate_findings(spec)
            return self.send(200, json.dumps({"changed": n}), "application/json")
        if path == "/_awssim/ecs-creds":
            tok = self.headers.get("Authorization")
            creds = st.container_creds(tok)
            if not creds:
                return self.send(401, '{"message": "unauthorized"}', "application/json")
            return self.send(200, json.dumps(creds), "application/json")
        if path == "/_awssim/shutdown" and method == "POST":
            self.send(200, "{}", "application/json")
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return
        return self.send(404, '{"message": "no such control endpoint"}', "application/json")

    def imds(self, method, path):
        st = SIM.state
        if path == "/latest/api/token":
            if method != "PUT":
                return self.send(403, "", "text/plain")
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            if not ttl:
                return self.send(400, "", "text/plain")
            return self.send(200, st.imds_token(), "text/plain")
        tok = self.headers.get("X-aws-ec2-metadata-token")
        if not tok or not st.imds_token_ok(tok):
            return self.send(401, "", "text/plain")  # IMDSv1 refused
        prefix = "/latest/meta-data/iam/security-credentials/"
        if path == prefix:
            role = st.imds_role()
            return self.send(200 if role else 404, role or "", "text/plain")
        if path.startswith(prefix):
            creds = st.imds_creds(path[len(prefix):])
            if not creds:
                return self.send(404, "", "text/plain")
            return self.send(200, json.dumps(creds), "text/plain")
        return self.send(404, "", "text/plain")

    # ----------------------------------------------------------------- AWS
    def aws(self, method, path, raw):
        auth = self.headers.get("Authorization", "")
        url = urllib.parse.urlsplit(path)
        query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        m = AUTH_RE.match(auth)
        service = region = None
        if m:
            scope = m.group(1).split("/")
            if len(scope) == 5:
                _, _, region, service, _ = scope
        else:
            # unsigned: only STS AssumeRoleWithWebIdentity is allowed
            form = dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace")))
            if form.get("Action") == "AssumeRoleWithWebIdentity":
                service, region = "sts", "us-east-1"
        if not service:
            return self.send(403, json.dumps({"__type": "MissingAuthenticationTokenException",
                                              "message": "Missing Authentication Token"}),
                             "application/json")
        if service == "s3" and url.path.startswith("/v20180820/"):
            service = "s3control"  # S3 Control signs as "s3"; its paths tell it apart
        if service == "tagging":
            service = "resourcegroupstaggingapi"  # signs as its endpoint prefix
        svc = SIM.models.service(service)
        if svc is None:
            return self.send(400, json.dumps({"__type": "UnknownServiceException",
                                              "message": "unknown service %s" % service}),
                             "application/json")
        req = models.Request(method, url.path, query, self.headers, raw, region, service)
        rec = {"t": round(time.time(), 3), "service": service, "region": region, "op": None,
               "account": None, "key": m.group(1).split("/")[0] if m else None, "status": None,
               "fault": None}
        self._status = None
        try:
            self.aws_call(svc, service, region, req, m, rec)
        finally:
            rec["status"] = self._status
            rec["end"] = round(time.time(), 3)
            with SIM.lock:
                rec["seq"] = len(SIM.requests)
                SIM.requests.append(rec)

    def aws_call(self, svc, service, region, req, m, rec):
        try:
            op = svc.find_operation(req)
            key = "%s.%s" % (service, op.name)
            rec["op"] = key
            dead = SIM.dead_regions.get(region)
            if dead:
                rec["fault"] = "dead_region"
                SIM.hold(float(dead))
                SIM.count(key, 0)
                return self.reset()
            # an early expiry: the temporary key this request is signed
            # with stops working now (AWS: a revoked session)
            fault, arg = SIM.fault()
            if fault == "expire":
                k = SIM.state.keys.get(rec["key"]) if m else None
                if k and k.get("expires"):
                    with SIM.state.lock:
                        k["expires"] = time.time() - 1
                else:
                    with SIM.lock:  # not a temporary key: no fault after all
                        SIM.stats["faults"]["expire"] -= 1
                        if SIM.budget.get("expire") is not None:
                            SIM.budget["expire"] += 1
                    fault = None
            rec["fault"] = fault
            caller = None
            if m:
                caller = SIM.state.authenticate(svc, req, m, self.headers)
                rec["account"] = caller.account
            if fault == "slow":
                time.sleep(arg or 1.0)
            elif fault == "reset":
                SIM.count(key, 0)
                return self.reset()
            elif fault in ("http500", "http503"):
                status = 500 if fault == "http500" else 503
                SIM.count(key, status)
                err = ApiError("InternalFailure" if status == 500 else "ServiceUnavailable",
                               "injected fault", status)
                return self.error(svc, err)
            elif fault == "throttle":
                SIM.count(key, 429)
                with SIM.lock:
                    SIM.stats["throttled"] += 1
                return self.error(svc, svc.throttling_error())
            params = svc.parse_input(op, req)
            svc.validate(op, params)
            if mutating(op.name):
                rec["params"] = loggable(params)
            before = SIM.stall_for(key, "before")
            if before:
                rec["stalled"] = "before"
                SIM.hold(before)
            if SIM.rate_limits is not None:
                SIM.state.rate_limit(key, caller, region, SIM.rate_limits)
            result = services.call(SIM.state, svc, op, params, caller, region, req)
            if fault == "repeat_token" and isinstance(result, dict) and result.get("NextToken") \
                    and params.get("NextToken"):
                # a broken server: the page after the first hands back the
                # token it was sent, so a client that follows it loops
                result = dict(result, NextToken=params["NextToken"])
            with SIM.state.lock:  # results may share the state's objects
                status, body, ctype, extra = svc.serialize(op, result)
            after = SIM.stall_for(key, "after")
            if after:
                # done, but the answer is held: a client killed now has
                # changed the resource without hearing so
                rec["stalled"] = "after"
                rec["applied"] = True
                SIM.hold(after)
            if fault == "truncate":
                SIM.count(key, status)
                rec["applied"] = True
                return self.truncated(status, body, ctype)
            SIM.count(key, status)
            rec["applied"] = True
            self.send(status, body, ctype, extra)
        except ApiError as err:
            if err.code in ("TooManyRequestsException", "ThrottlingException", "Throttling",
                            "RequestLimitExceeded"):
                with SIM.lock:
                    SIM.stats["throttled"] += 1
            SIM.count("%s.%s" % (service, getattr(err, "op", "?")), err.status)
            self.error(svc, err)

    def error(self, svc, err):
        status, body, ctype, extra = svc.serialize_error(err)
        self.send(status, body, ctype, extra)

    def reset(self):
        self._status = 0
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        self.connection.close()

    def truncated(self, status, body, ctype):
        self._status = status
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: max(1, len(body) // 2)])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)


class Server(ThreadingHTTPServer):
    # a client opening many connections at once (the scan's multi queue,
    # 64 and more) must not overflow the listen backlog (default 5): a
    # dropped SYN is retried a second later
    request_queue_size = 256


def main(argv=None):
    global SIM
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--models", default=os.environ.get("AWSSIM_MODELS"))
    ap.add_argument("--faults", default="")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-rate-limit", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    log = open(a.log, "a") if a.log else None
    with open(a.scenario) as f:
        scen = json.load(f)
    faults = parse_faults(a.faults)
    for k, v in (scen.get("faults") or {}).items():
        faults.setdefault(k, (float(v), None))
    limits = None if a.no_rate_limit else dict(
        {"securityhub.GetFindings": {"rate": 3, "burst": 6}}, **(scen.get("rate_limits") or {}))
    SIM = Sim(a.scenario, a.models, faults, a.seed, limits, a.quiet, log)
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, a.port_file)
    print("awssim listening on 127.0.0.1:%d" % port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
