#!/usr/bin/python3
"""hold_proxy.py - a loopback HTTP proxy in front of the simulator that
holds one chosen request until told to let it go, so that a test can act
(kill hubwarden, start a second run) at an exact moment instead of a
guessed one.

    hold_proxy.py --target URL --port-file F --match TEXT [--method M]
                  [--after METHOD] --held FILE [--release FILE]

Every request is forwarded to --target as it came (the Host header too, so
SigV4 signatures still verify).  The first request whose request line
contains --match (and is of --method, when given; and comes after one
with --after METHOD and --match has gone through, when given) is held: FILE --held is written, and the request is
forwarded only once FILE --release exists (never, without --release).
"""
import argparse
import http.client
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

A = None
LOCK = threading.Lock()
STATE = {"armed": False, "held": False}


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def handle_one(self):
        line = "%s %s" % (self.command, self.path)
        hold = False
        with LOCK:
            if A.match in line and (not A.method or self.command == A.method):
                if not A.after or STATE["armed"]:
                    if not STATE["held"]:
                        STATE["held"] = hold = True
            if A.match in line and A.after and self.command == A.after:
                STATE["armed"] = True
        if hold:
            with open(A.held, "w") as f:
                f.write(line + "\n")
            while not (A.release and os.path.exists(A.release)):
                time.sleep(0.05)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        u = urllib.parse.urlsplit(A.target)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        c.request(self.command, self.path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status, r.reason)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        c.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = handle_one


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--match", required=True)
    ap.add_argument("--method")
    ap.add_argument("--after")
    ap.add_argument("--held", required=True)
    ap.add_argument("--release")
    A = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    srv.daemon_threads = True
    tmp = A.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, A.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
