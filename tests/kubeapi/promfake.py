#!/usr/bin/python3
"""A stand-in for the Prometheus HTTP API that can misbehave, for the HTTP
failure paths of promfetch that a healthy real Prometheus cannot show (slow
answers, 5xx then success, TLS with a private CA, bearer and basic auth).
The real-server behaviour itself is tested against Debian's prometheus in
tests/integration/prometheus.sh.

PUT/POST /metrics/job/... (the Pushgateway's push API) store the body;
GET /_test/pushes returns "METHOD path" and the body of each push.
/api/v1/query_range answers one series {job="fake"} with value t/60 at every
grid point start + i*step (the real server's grid rule); /api/v1/query the
same at `time`.  Knobs (no auth):
  POST /_test/fail?code=N&n=K    the next K API requests answer HTTP N
                                 (Prometheus error JSON)
  POST /_test/slow?seconds=S&n=K the next K API requests sleep S seconds
  POST /_test/dup?n=K            the next K range answers give the series twice
  POST /_test/echo?n=K           the next K API requests fail (HTTP 400) with an
                                 error that echoes the Authorization header
  GET  /_test/log                "path auth-ok|auth-bad" per API request
"""
import argparse
import base64
import json
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
ST = {"fail": [], "slow": [], "log": [], "pushes": [], "dup": 0, "echo": 0}
ARGS = None


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def send(self, code, obj):
        body = (obj if isinstance(obj, str) else json.dumps(obj)).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json" if not isinstance(obj, str) else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.do_GET()

    def do_PUT(self):
        self.do_GET()

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        if u.path.startswith("/_test/"):
            with LOCK:
                if u.path == "/_test/fail":
                    ST["fail"] += [int(q["code"])] * int(q.get("n", 1))
                elif u.path == "/_test/slow":
                    ST["slow"] += [float(q["seconds"])] * int(q.get("n", 1))
                elif u.path in ("/_test/dup", "/_test/echo"):
                    ST[u.path[7:]] += int(q.get("n", 1))
                elif u.path == "/_test/log":
                    return self.send(200, "".join(x + "\n" for x in ST["log"]))
                elif u.path == "/_test/pushes":
                    return self.send(200, "".join(ST["pushes"]))
            return self.send(200, {"ok": True})
        auth = self.headers.get("Authorization") or ""
        ok = True
        if ARGS.token:
            ok = auth == "Bearer " + ARGS.token
        elif ARGS.basic:
            ok = auth == "Basic " + base64.b64encode(ARGS.basic.encode()).decode()
        with LOCK:
            ST["log"].append("%s %s" % (u.path, "auth-ok" if ok else "auth-bad"))
            slow = ST["slow"].pop(0) if ST["slow"] else 0
            fail = ST["fail"].pop(0) if ST["fail"] else 0
            dup = echo = False
            if u.path.startswith("/api/") and ST["dup"] > 0:
                ST["dup"] -= 1
                dup = True
            if u.path.startswith("/api/") and ST["echo"] > 0:
                ST["echo"] -= 1
                echo = True
        if slow:
            time.sleep(slow)
        if not ok:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Bearer realm="prometheus"' if ARGS.token else 'Basic realm="prometheus"')
            self.send_header("Content-Length", "13")
            self.end_headers()
            self.wfile.write(b"Unauthorized\n")
            return
        if echo:
            return self.send(400, {"status": "error", "errorType": "bad_data",
                                   "error": "bad request; got headers: Authorization: " + auth})
        if fail:
            return self.send(fail, {"status": "error", "errorType": "internal" if fail >= 500 else "bad_data",
                                    "error": "injected failure %d" % fail})
        if u.path.startswith("/metrics/job/") and self.command in ("PUT", "POST"):
            with LOCK:
                ST["pushes"].append("%s %s\n%s" % (self.command, u.path, body))
            return self.send(200, "")
        if u.path == "/api/v1/query_range":
            s, e, st = float(q["start"]), float(q["end"]), float(q["step"])
            vals, t = [], s
            while t <= e + 1e-9:
                vals.append([int(t) if t == int(t) else t, "%g" % (t / 60)])
                t += st
            series = [{"metric": {"job": "fake"}, "values": vals}]
            if dup:
                series.append({"metric": {"job": "fake"}, "values": [[v[0], "0"] for v in vals[-1:]]})
            return self.send(200, {"status": "success", "data": {"resultType": "matrix", "result": series}})
        if u.path == "/api/v1/query":
            t = float(q["time"])
            return self.send(200, {"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {"job": "fake"}, "value": [t, "%g" % (t / 60)]}]}})
        self.send(404, "404 page not found\n")


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--token")
    ap.add_argument("--basic", help="user:password")
    ap.add_argument("--client-ca", help="require a client certificate signed by this CA")
    ARGS = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), H)
    srv.daemon_threads = True
    if ARGS.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.cert, ARGS.key)
        if ARGS.client_ca:
            ctx.load_verify_locations(ARGS.client_ca)
            ctx.verify_mode = ssl.CERT_REQUIRED
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
