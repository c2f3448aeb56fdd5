"""webhook_server.py - a loopback HTTPS server for test_playbooks.sh: it
serves with the certificate given, and appends each POST (path, the
X-Hubwarden-Signature header, the body) as one JSON line to a file.
    python3 webhook_server.py CERT KEY PORT_FILE LOG [STATUS]
"""
import http.server
import json
import ssl
import sys

cert, key, port_file, log = sys.argv[1:5]
status = int(sys.argv[5]) if len(sys.argv) > 5 else 200


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode()
        with open(log, "a") as f:
            f.write(json.dumps({"path": self.path, "signature": self.headers.get("X-Hubwarden-Signature"),
                                "content_type": self.headers.get("Content-Type"), "body": body}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *a):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os  # noqa: E402
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
