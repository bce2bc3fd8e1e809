#!/usr/bin/python3
"""A small Kubernetes API server for the tests (Python 3 stdlib only).

It implements what the real kube-apiserver does for the calls scalepipe's
`scale` and the deploy/ manifests need, closely enough for the real `kubectl`
(the tests drive it with kubectl first, so the server is checked against the
real client before `scale` is checked against the server):

- HTTPS only, on 127.0.0.1; bearer-token auth (tokens file) and client
  certificate auth (CN = user name, verified against --client-ca);
  401 Status without valid credentials.
- Authorization per user: a set of "verb resource" grants (403 Status
  otherwise), like RBAC.
- Discovery: /version, /api, /api/v1, /apis, /apis/<group>/<version>
  (legacy, unaggregated discovery; kubectl falls back to it).
- apps/v1 deployments and statefulsets: GET; GET/PUT/PATCH of the `scale`
  subresource (autoscaling/v1 Scale; merge-patch, strategic-merge-patch and
  JSON patch of spec.replicas), resourceVersion checks (409 Conflict),
  validation (422 Invalid for negative replicas or a missing spec).
- autoscaling/v2 horizontalpodautoscalers and keda.sh/v1alpha1 scaledobjects:
  list, get, create.
- Create (POST) with ?dryRun=All for the kinds of deploy/ (ConfigMap,
  ServiceAccount, Role, RoleBinding, CronJob, HPA, ScaledObject, and
  Deployment and Service for deploy/place/), with the
  required-field checks the API server applies (422 Invalid listing them).
- Status objects exactly shaped like the real server's for 401, 403, 404,
  405, 409, 415, 422.

Test knobs (no auth, under /_test/, not part of the Kubernetes API):
  POST /_test/fail?code=N&n=K&verb=V   the next K requests (of verb V, or any)
                                        answer code N with a Status object
                                        (&echo=1: its message echoes the
                                        request's Authorization header, as a
                                        careless proxy would)
  POST /_test/drop?n=K&verb=V           the next K requests (of verb V) are
                                        carried out, then the connection is
                                        closed without an answer
  POST /_test/bogus?replicas=J&n=K      the next K GETs of a scale answer
                                        spec.replicas = J (JSON text), or
                                        without it (J = absent)
  POST /_test/conflict?n=K              the next K scale writes find that
                                        someone else updated the object first
  POST /_test/slow?seconds=S&n=K        the next K requests sleep S seconds
  GET  /_test/log                       requests so far: "METHOD path user"
  GET  /_test/connections               connections accepted so far (this one too)
  POST /_test/set?kind=..&ns=..&name=..&replicas=N   change an object
"""
import argparse
import copy
import json
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


class Store(dict):
    """(kind, namespace, name) -> object, with the names of each (kind,
    namespace) indexed: a list costs the size of its answer, not of the
    whole store (the fleet bench holds 10,000 Deployments)."""

    def __init__(self):
        super().__init__()
        self.index = {}

    def __setitem__(self, key, obj):
        self.index.setdefault(key[:2], set()).add(key[2])
        super().__setitem__(key, obj)

    def names(self, kind, ns):
        return sorted(self.index.get((kind, ns), ()))


STATE = {"rv": 1000, "objects": Store(), "fail": [], "conflict": 0, "slow": [], "log": [],
         "drop": [], "bogus": [], "connections": 0}

# resource -> (group, version, kind, namespaced, verbs, short names)
RESOURCES = {
    ("", "v1"): [
        ("namespaces", "Namespace", False, ["get", "list"], ["ns"]),
        ("configmaps", "ConfigMap", True, ["create", "get", "list", "patch", "update"], ["cm"]),
        ("serviceaccounts", "ServiceAccount", True, ["create", "get", "list", "patch"], ["sa"]),
        ("persistentvolumeclaims", "PersistentVolumeClaim", True, ["create", "get", "list", "patch"], ["pvc"]),
        ("services", "Service", True, ["create", "get", "list", "patch"], ["svc"]),
    ],
    ("apps", "v1"): [
        ("deployments", "Deployment", True, ["create", "get", "list", "patch", "update"], ["deploy"]),
        ("deployments/scale", "Scale", True, ["get", "patch", "update"], []),
        ("statefulsets", "StatefulSet", True, ["get", "list", "patch", "update"], ["sts"]),
        ("statefulsets/scale", "Scale", True, ["get", "patch", "update"], []),
    ],
    ("autoscaling", "v2"): [
        ("horizontalpodautoscalers", "HorizontalPodAutoscaler", True,
         ["create", "get", "list", "patch"], ["hpa"]),
    ],
    ("batch", "v1"): [
        ("cronjobs", "CronJob", True, ["create", "get", "list", "patch"], ["cj"]),
    ],
    ("rbac.authorization.k8s.io", "v1"): [
        ("roles", "Role", True, ["create", "get", "list", "patch"], []),
        ("rolebindings", "RoleBinding", True, ["create", "get", "list", "patch"], []),
        ("clusterroles", "ClusterRole", False, ["create", "get", "list", "patch"], []),
        ("clusterrolebindings", "ClusterRoleBinding", False, ["create", "get", "list", "patch"], []),
    ],
    ("keda.sh", "v1alpha1"): [
        ("scaledobjects", "ScaledObject", True, ["create", "get", "list", "patch"], ["so"]),
    ],
}
SCALE_GV = {"group": "autoscaling", "version": "v1"}
TOKENS = {}      # token -> user
GRANTS = {}      # user -> set of "verb resource" ("*" for all)
EXPIRED = set()


# ---- /openapi/v2 (kubectl 1.20's dry-run verifier reads it) ----
# Only what clients look at: one path per resource whose PATCH operation has
# the x-kubernetes-group-version-kind extension and a dryRun query parameter,
# as the real server publishes.  Protobuf (gnostic openapi_v2.Document) when
# asked for, else JSON.
def _varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def _field(num, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return _varint(num << 3 | 2) + _varint(len(payload)) + payload


def openapi_paths():
    for (g, v), rs in RESOURCES.items():
        for (name, kind, nsd, verbs, short) in rs:
            if "/" in name:
                continue
            base = "/api/v1" if not g else "/apis/%s/%s" % (g, v)
            path = base + ("/namespaces/{namespace}/" if nsd else "/") + name + "/{name}"
            yield path, g, v, kind


def openapi_pb():
    paths = b""
    for path, g, v, kind in openapi_paths():
        gvk = "group: %s\nkind: %s\nversion: %s\n" % (json.dumps(g), kind, v)
        qp = _field(2, _field(3, _field(2, "query") + _field(4, "dryRun") + _field(6, "string")))
        op = _field(8, _field(1, qp)) + _field(13, _field(1, "x-kubernetes-group-version-kind") + _field(2, _field(2, gvk)))
        op = _field(5, "patch" + kind) + op
        paths += _field(2, _field(1, path) + _field(2, _field(8, op)))
    return (_field(1, "2.0") + _field(2, _field(1, "Kubernetes") + _field(2, "v1.30.0"))
            + _field(8, paths))


def openapi_json():
    paths = {}
    for path, g, v, kind in openapi_paths():
        paths[path] = {"patch": {"operationId": "patch" + kind,
                                 "parameters": [{"name": "dryRun", "in": "query", "type": "string", "uniqueItems": True}],
                                 "x-kubernetes-group-version-kind": {"group": g, "kind": kind, "version": v}}}
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": "v1.30.0"}, "paths": paths}


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def next_rv():
    STATE["rv"] += 1
    return str(STATE["rv"])


def status(code, reason, message, details=None):
    st = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
          "message": message, "reason": reason, "code": code}
    if details is not None:
        st["details"] = details
    return code, st


def gr(group, resource):
    return resource + "." + group if group else resource


def workload(kind, ns, name, replicas, labels=None):
    labels = labels or {"app": name}
    obj = {
        "apiVersion": "apps/v1", "kind": kind,
        "metadata": {"name": name, "namespace": ns, "uid": "uid-%s-%s" % (ns, name),
                     "resourceVersion": next_rv(), "generation": 1,
                     "creationTimestamp": now_iso(), "labels": labels},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": name, "image": "nginx:1.25"}]}}},
        "status": {"replicas": replicas, "readyReplicas": replicas,
                   "availableReplicas": replicas, "observedGeneration": 1},
    }
    if kind == "StatefulSet":
        obj["spec"]["serviceName"] = name
    return obj


def scale_of(obj, resource):
    sel = ",".join("%s=%s" % kv for kv in sorted(obj["spec"]["selector"]["matchLabels"].items()))
    md = obj["metadata"]
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {"name": md["name"], "namespace": md["namespace"], "uid": md["uid"],
                         "resourceVersion": md["resourceVersion"],
                         "creationTimestamp": md["creationTimestamp"]},
            "spec": {"replicas": obj["spec"]["replicas"]},
            "status": {"replicas": obj["status"]["replicas"], "selector": sel}}


def table(obj):
    """meta.k8s.io/v1 Table for `kubectl get` of one Deployment or StatefulSet."""
    st, md = obj["status"], obj["metadata"]
    ready = "%d/%d" % (st.get("readyReplicas", 0), obj["spec"]["replicas"])
    cols = [{"name": "Name", "type": "string", "format": "name", "description": "Name", "priority": 0},
            {"name": "Ready", "type": "string", "format": "", "description": "Ready", "priority": 0}]
    cells = [md["name"], ready]
    if obj["kind"] == "Deployment":
        cols += [{"name": "Up-to-date", "type": "integer", "format": "", "description": "Updated", "priority": 0},
                 {"name": "Available", "type": "integer", "format": "", "description": "Available", "priority": 0}]
        cells += [st.get("replicas", 0), st.get("availableReplicas", 0)]
    cols.append({"name": "Age", "type": "string", "format": "", "description": "Age", "priority": 0})
    cells.append("1m")
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": md["resourceVersion"]}, "columnDefinitions": cols,
            "rows": [{"cells": cells, "object": {"kind": "PartialObjectMetadata",
                                                 "apiVersion": "meta.k8s.io/v1", "metadata": md}}]}


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if k.startswith("$"):
            continue          # strategic-merge directives: none apply to Scale
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def json_patch(target, ops):
    out = copy.deepcopy(target)
    for op in ops:
        path = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent = out
        for p in path[:-1]:
            parent = parent[p]
        if op["op"] in ("add", "replace"):
            parent[path[-1]] = op["value"]
        elif op["op"] == "remove":
            del parent[path[-1]]
        elif op["op"] == "test":
            if parent.get(path[-1]) != op["value"]:
                raise ValueError("test operation failed")
        else:
            raise ValueError("unsupported op " + op["op"])
    return out


REQUIRED = {  # kind -> required field paths (what the API server's validation rejects)
    "ConfigMap": [],
    "ServiceAccount": [],
    "PersistentVolumeClaim": ["spec.accessModes", "spec.resources.requests.storage"],
    "Role": [],
    "RoleBinding": ["roleRef.kind", "roleRef.name", "roleRef.apiGroup"],
    "ClusterRole": [],
    "ClusterRoleBinding": ["roleRef.kind", "roleRef.name", "roleRef.apiGroup"],
    "CronJob": ["spec.schedule", "spec.jobTemplate.spec.template.spec.containers"],
    "Deployment": ["spec.selector", "spec.template.spec.containers"],
    "Service": ["spec.ports"],
    "HorizontalPodAutoscaler": ["spec.scaleTargetRef.kind", "spec.scaleTargetRef.name",
                                "spec.maxReplicas"],
    "ScaledObject": ["spec.scaleTargetRef.name", "spec.triggers"],
}


def get_path(obj, path):
    for p in path.split("."):
        if not isinstance(obj, dict) or p not in obj:
            return None
        obj = obj[p]
    return obj


def validate(kind, obj):
    errs = []
    for f in REQUIRED.get(kind, []):
        v = get_path(obj, f)
        if v is None or v == "" or v == []:
            errs.append({"reason": "FieldValueRequired", "message": "Required value", "field": f})
    if kind == "CronJob":
        sched = get_path(obj, "spec.schedule") or ""
        if sched and len(sched.split()) != 5 and not sched.startswith("@"):
            errs.append({"reason": "FieldValueInvalid", "field": "spec.schedule",
                         "message": "Invalid value: %s: expected exactly 5 fields" % json.dumps(sched)})
        for c in get_path(obj, "spec.jobTemplate.spec.template.spec.containers") or []:
            if not c.get("name") or not c.get("image"):
                errs.append({"reason": "FieldValueRequired", "message": "Required value",
                             "field": "spec.jobTemplate.spec.template.spec.containers[].image"})
        rp = get_path(obj, "spec.jobTemplate.spec.template.spec.restartPolicy")
        if rp not in ("OnFailure", "Never"):
            errs.append({"reason": "FieldValueNotSupported", "field":
                         "spec.jobTemplate.spec.template.spec.restartPolicy",
                         "message": 'Unsupported value: %r: supported values: "OnFailure", "Never"' % rp})
        job = get_path(obj, "spec.jobTemplate.spec") or {}
        if job.get("completionMode") not in (None, "NonIndexed", "Indexed"):
            errs.append({"reason": "FieldValueNotSupported", "field": "spec.jobTemplate.spec.completionMode",
                         "message": 'Unsupported value: %r: supported values: "NonIndexed", "Indexed"'
                         % job.get("completionMode")})
        if job.get("completionMode") == "Indexed" and job.get("completions") is None:
            errs.append({"reason": "FieldValueRequired", "field": "spec.jobTemplate.spec.completions",
                         "message": "Required value: when completion mode is Indexed"})
    if kind in ("Role", "ClusterRole"):
        for r in obj.get("rules") or []:
            if not r.get("verbs"):
                errs.append({"reason": "FieldValueRequired", "message": "Required value",
                             "field": "rules[].verbs"})
    if kind == "HorizontalPodAutoscaler":
        mn = get_path(obj, "spec.minReplicas") or 1
        mx = get_path(obj, "spec.maxReplicas") or 0
        if mx < mn:
            errs.append({"reason": "FieldValueInvalid", "field": "spec.maxReplicas",
                         "message": "Invalid value: %d: must be greater than or equal to `minReplicas`" % mx})
        for m in get_path(obj, "spec.metrics") or []:
            if m.get("type") == "External" and not get_path(m, "external.metric.name"):
                errs.append({"reason": "FieldValueRequired", "message": "Required value",
                             "field": "spec.metrics[].external.metric.name"})
    if kind == "ScaledObject":
        for t in get_path(obj, "spec.triggers") or []:
            if not t.get("type") or not isinstance(t.get("metadata"), dict):
                errs.append({"reason": "FieldValueRequired", "message": "Required value",
                             "field": "spec.triggers[].type/metadata"})
            elif t["type"] == "prometheus":
                for k in ("serverAddress", "query", "threshold"):
                    if k not in t["metadata"]:
                        errs.append({"reason": "FieldValueRequired", "message": "Required value",
                                     "field": "spec.triggers[].metadata." + k})
    return errs


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kubeapi-test/1"
    # headers and body go out in two writes: without TCP_NODELAY the body
    # waits for the client's delayed ACK (40 ms a request)
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        with LOCK:
            STATE["connections"] += 1

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def send_json(self, code, obj, ctype="application/json"):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.wfile.write(body)

    def reply(self, res):
        if res[0] is not None:      # None: the handler has answered itself
            self.send_json(res[0], res[1])

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def user(self):
        auth = self.headers.get("Authorization") or ""
        if auth.startswith("Bearer "):
            tok = auth[7:].strip()
            if tok in EXPIRED:
                return None
            return TOKENS.get(tok)
        if auth:
            return None
        cert = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
        if cert:
            for rdn in cert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        return v
        return None

    def allowed(self, user, verb, resource):
        g = GRANTS.get(user, set())
        return "*" in g or ("%s %s" % (verb, resource)) in g or ("* %s" % resource) in g

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        path = url.path.rstrip("/") or "/"
        data = self.body()
        if path.startswith("/_test/"):
            return self.test_knob(method, path, q)
        user = self.user()
        with LOCK:
            STATE["log"].append("%s %s %s" % (method, self.path, user or "-"))
            slow = 0
            if STATE["slow"]:
                slow = STATE["slow"].pop(0)
            fail = echo = None
            for i, f in enumerate(STATE["fail"]):
                if f[1] in ("", method):
                    fail, _, echo = STATE["fail"].pop(i)
                    break
            drop = False
            for i, v in enumerate(STATE["drop"]):
                if v in ("", method):
                    drop = STATE["drop"].pop(i) is not None
                    break
        if slow:
            time.sleep(slow)
        if fail:
            reasons = {500: "InternalError", 503: "ServiceUnavailable", 429: "TooManyRequests",
                       422: "Invalid", 403: "Forbidden", 409: "Conflict"}
            msgs = {422: 'admission webhook "policy.example.com" denied the request: replicas above the quota',
                    500: "Internal error occurred: etcdserver: request timed out",
                    503: "the server is currently unable to handle the request",
                    429: "Too many requests, please try again later."}
            msg = msgs.get(fail, "injected failure")
            if echo:
                msg += "; request headers: Authorization: %s" % (self.headers.get("Authorization") or "")
            return self.reply(status(fail, reasons.get(fail, "Unknown"), msg))
        if user is None and path in ("/version", "/readyz", "/healthz"):
            user = "system:anonymous"       # system:public-info-viewer
            if path != "/version":
                return self.send_json(200, "ok")
        if user is None:
            return self.reply(status(401, "Unauthorized", "Unauthorized"))
        try:
            res = self.route(method, path, q, data, user)
        except (ValueError, KeyError, TypeError, IndexError) as e:
            res = status(400, "BadRequest", "the request could not be decoded: %s" % e)
        if res is None:
            res = status(404, "NotFound", "the server could not find the requested resource",
                         {"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]})
        if drop:
            self.close_connection = True     # done, but the answer is lost
            return
        if method == "GET" and path.endswith("/scale") and res[0] == 200:
            with LOCK:
                bogus = STATE["bogus"].pop(0) if STATE["bogus"] else None
            if bogus is not None:
                res = (200, copy.deepcopy(res[1]))
                if bogus == "absent":
                    del res[1]["spec"]["replicas"]
                else:
                    res[1]["spec"]["replicas"] = json.loads(bogus)
        self.reply(res)

    def test_knob(self, method, path, q):
        with LOCK:
            if path == "/_test/fail":
                for _ in range(int(q.get("n", 1))):
                    STATE["fail"].append((int(q["code"]), q.get("verb", ""), q.get("echo")))
            elif path == "/_test/drop":
                STATE["drop"] += [q.get("verb", "")] * int(q.get("n", 1))
            elif path == "/_test/bogus":
                STATE["bogus"] += [q["replicas"]] * int(q.get("n", 1))
            elif path == "/_test/conflict":
                STATE["conflict"] += int(q.get("n", 1))
            elif path == "/_test/slow":
                STATE["slow"] += [float(q["seconds"])] * int(q.get("n", 1))
            elif path in ("/_test/log", "/_test/connections"):
                body = ("\n".join(STATE["log"]) + "\n" if path == "/_test/log" else
                        "%d\n" % STATE["connections"]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            elif path == "/_test/set":
                obj = STATE["objects"][(q["kind"], q["ns"], q["name"])]
                obj["spec"]["replicas"] = obj["status"]["replicas"] = int(q["replicas"])
                obj["metadata"]["resourceVersion"] = next_rv()
            else:
                return self.send_json(404, {"error": "no such knob"})
        self.send_json(200, {"ok": True})

    # ---- routing ----
    def route(self, method, path, q, data, user):
        parts = path.strip("/").split("/")
        if path == "/version" and method == "GET":
            return 200, {"major": "1", "minor": "30", "gitVersion": "v1.30.0-scalepipe-test",
                         "gitCommit": "0", "gitTreeState": "clean", "buildDate": "2024-01-01T00:00:00Z",
                         "goVersion": "go1.22", "compiler": "gc", "platform": "linux/amd64"}
        if path == "/openapi/v2" and method == "GET":
            if "protobuf" in (self.headers.get("Accept") or ""):
                body = openapi_pb()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return None, None
            return 200, openapi_json()
        if path == "/api" and method == "GET":
            return 200, {"kind": "APIVersions", "versions": ["v1"],
                         "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                         "serverAddress": "127.0.0.1"}]}
        if path == "/apis" and method == "GET":
            groups = []
            for (g, v) in RESOURCES:
                if g:
                    gv = {"groupVersion": g + "/" + v, "version": v}
                    groups.append({"name": g, "versions": [gv], "preferredVersion": gv})
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
        if parts[0] == "api" and len(parts) >= 2:
            g, v, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 3:
            g, v, rest = parts[1], parts[2], parts[3:]
        elif parts[0] == "apis" and len(parts) == 2:
            for (gg, vv) in RESOURCES:
                if gg == parts[1]:
                    gv = {"groupVersion": gg + "/" + vv, "version": vv}
                    return 200, {"kind": "APIGroup", "apiVersion": "v1", "name": gg,
                                 "versions": [gv], "preferredVersion": gv}
            return None
        else:
            return None
        if (g, v) not in RESOURCES:
            return None
        if not rest:
            if method != "GET":
                return status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
            res = []
            for (name, kind, nsd, verbs, short) in RESOURCES[(g, v)]:
                r = {"name": name, "singularName": "" if "/" in name else kind.lower(),
                     "namespaced": nsd, "kind": kind, "verbs": verbs}
                if short:
                    r["shortNames"] = short
                if name.endswith("/scale"):
                    r.update(SCALE_GV)
                res.append(r)
            return 200, {"kind": "APIResourceList", "apiVersion": "v1",
                         "groupVersion": (g + "/" + v) if g else v, "resources": res}
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            ns, rest = rest[1], rest[2:]
        elif rest[0] == "namespaces" and len(rest) <= 2:
            if method == "GET" and len(rest) == 2:
                if not self.allowed(user, "get", "namespaces"):
                    return self.forbidden(user, "get", "namespaces", g, rest[1], None)
                return 200, {"kind": "Namespace", "apiVersion": "v1",
                             "metadata": {"name": rest[1]}, "status": {"phase": "Active"}}
            return None
        resource = rest[0]
        known = {r[0]: r for r in RESOURCES[(g, v)]}
        if resource not in known or (ns is None) == known[resource][2]:  # namespaced or cluster-scoped
            return None
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) >= 3 else None
        if len(rest) > 3 or (sub and resource + "/" + sub not in known):
            return None
        kind = known[resource][1]
        verb = {"GET": "get" if name else "list", "POST": "create", "PUT": "update",
                "PATCH": "patch", "DELETE": "delete"}[method]
        full = resource + ("/" + sub if sub else "")
        if not self.allowed(user, verb, full):
            return self.forbidden(user, verb, full, g, name, ns)
        with LOCK:
            return self.objects(method, g, v, ns, resource, kind, name, sub, q, data, user)

    def forbidden(self, user, verb, resource, group, name, ns):
        what = gr(group, resource.split("/")[0])
        msg = '%s%s is forbidden: User "%s" cannot %s resource "%s" in API group "%s"' % (
            what, ' "%s"' % name if name else "", user, verb, resource, group)
        if ns:
            msg += ' in the namespace "%s"' % ns
        det = {"group": group, "kind": resource.split("/")[0]}
        if name:
            det["name"] = name
        return status(403, "Forbidden", msg, det)

    def objects(self, method, g, v, ns, resource, kind, name, sub, q, data, user):
        store = STATE["objects"]
        if name is None:
            if method == "GET":
                items = [copy.deepcopy(store[(kind, ns, name)]) for name in store.names(kind, ns)]
                return 200, {"kind": kind + "List", "apiVersion": (g + "/" + v) if g else v,
                             "metadata": {"resourceVersion": str(STATE["rv"])}, "items": items}
            if method == "POST":
                return self.create(g, v, ns, resource, kind, q, data)
            return status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        key = (kind, ns, name)
        notfound = status(404, "NotFound", '%s "%s" not found' % (gr(g, resource), name),
                          {"name": name, "group": g, "kind": resource})
        if key not in store:
            return notfound
        obj = store[key]
        if sub is None:
            if method == "GET":
                if "as=Table" in (self.headers.get("Accept") or "") and kind in ("Deployment", "StatefulSet"):
                    return 200, table(obj)
                return 200, copy.deepcopy(obj)
            return status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        # ---- the scale subresource ----
        if method == "GET":
            return 200, scale_of(obj, resource)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        cur = scale_of(obj, resource)
        if method == "PUT":
            if ctype not in ("", "application/json"):   # no Content-Type: JSON, as the real server
                return status(415, "UnsupportedMediaType", 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf')
            new = json.loads(data)
        else:
            patch = json.loads(data)
            if ctype in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
                new = merge_patch(cur, patch)
            elif ctype == "application/json-patch+json":
                new = json_patch(cur, patch)
            else:
                return status(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json")
        conflict_msg = ('Operation cannot be fulfilled on %s "%s": the object has been modified; '
                        'please apply your changes to the latest version and try again' % (gr(g, resource), name))
        if STATE["conflict"] > 0:
            STATE["conflict"] -= 1
            obj["metadata"]["resourceVersion"] = next_rv()     # someone else wrote it
            if method == "PUT" or get_path(new, "metadata.resourceVersion"):
                return status(409, "Conflict", conflict_msg, {"name": name, "group": g, "kind": resource})
        rv = get_path(new, "metadata.resourceVersion")
        if rv and rv != obj["metadata"]["resourceVersion"]:
            return status(409, "Conflict", conflict_msg, {"name": name, "group": g, "kind": resource})
        if method == "PUT" and get_path(new, "metadata.name") not in (None, name):
            return status(400, "BadRequest", "the name of the object (%s) does not match the name on the URL (%s)"
                          % (get_path(new, "metadata.name"), name))
        reps = get_path(new, "spec.replicas")
        if reps is None:
            reps = 0 if method == "PUT" else obj["spec"]["replicas"]
        if not isinstance(reps, int) or isinstance(reps, bool) or reps < 0:
            return status(422, "Invalid", 'Scale.autoscaling "%s" is invalid: spec.replicas: Invalid value: %s: must be greater than or equal to 0'
                          % (name, json.dumps(reps)),
                          {"name": name, "group": "autoscaling", "kind": "Scale",
                           "causes": [{"reason": "FieldValueInvalid", "field": "spec.replicas",
                                       "message": "Invalid value: %s: must be greater than or equal to 0" % json.dumps(reps)}]})
        if q.get("dryRun") != "All" and reps != obj["spec"]["replicas"]:
            obj["spec"]["replicas"] = reps
            obj["status"]["replicas"] = obj["status"]["readyReplicas"] = reps
            obj["status"]["availableReplicas"] = reps
            obj["metadata"]["generation"] += 1
            obj["status"]["observedGeneration"] = obj["metadata"]["generation"]
            obj["metadata"]["resourceVersion"] = next_rv()
        out = scale_of(obj, resource)
        if q.get("dryRun") == "All":
            out["spec"]["replicas"] = reps
        return 200, out

    def create(self, g, v, ns, resource, kind, q, data):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/json":
            return status(415, "UnsupportedMediaType", "the body of the request was in an unknown format")
        obj = json.loads(data)
        want_av = (g + "/" + v) if g else v
        if obj.get("kind") != kind or obj.get("apiVersion") != want_av:
            return status(400, "BadRequest", "the API version in the data (%s) does not match the expected API version (%s)"
                          % (obj.get("apiVersion"), want_av))
        md = obj.setdefault("metadata", {})
        name = md.get("name")
        if not name:
            return status(422, "Invalid", '%s "" is invalid: metadata.name: Required value: name or generateName is required' % kind,
                          {"kind": resource, "group": g, "causes": [{"reason": "FieldValueRequired", "message": "Required value: name or generateName is required", "field": "metadata.name"}]})
        if md.get("namespace", ns) != ns:
            return status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request")
        errs = validate(kind, obj)
        if errs:   # as apierrors.NewInvalid: details.kind is the Kind, message "Kind.group"
            qk = kind + ("." + g if g else "")
            fields = ", ".join("%s: %s" % (e["field"], e["message"]) for e in errs)
            msg = '%s "%s" is invalid: %s' % (qk, name, fields if len(errs) == 1 else "[" + fields + "]")
            return status(422, "Invalid", msg, {"name": name, "group": g, "kind": kind, "causes": errs})
        if (kind, ns, name) in STATE["objects"]:
            return status(409, "AlreadyExists", '%s "%s" already exists' % (gr(g, resource), name),
                          {"name": name, "group": g, "kind": resource})
        if ns is not None:
            md["namespace"] = ns
        md.setdefault("uid", "uid-%s-%s-%s" % (kind.lower(), ns, name))
        md.setdefault("creationTimestamp", now_iso())
        if q.get("dryRun") == "All":
            md["resourceVersion"] = ""
            return 201, obj
        md["resourceVersion"] = next_rv()
        STATE["objects"][(kind, ns, name)] = obj
        return 201, copy.deepcopy(obj)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--client-ca", required=True)
    ap.add_argument("--users", required=True,
                    help="lines: USER TOKEN|- GRANT[,GRANT] (GRANT 'verb:resource' or '*'); "
                         "a token prefixed with '!' is expired")
    ap.add_argument("--objects", required=True,
                    help="lines: KIND NAMESPACE NAME REPLICAS [KEY=VALUE annotation...] (Deployment/StatefulSet), "
                         "or HPA|SCALEDOBJECT NAMESPACE NAME TARGETKIND/TARGETNAME")
    a = ap.parse_args()
    for line in open(a.users):
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        user, tok, grants = f[0], f[1], f[2]
        if tok != "-":
            if tok.startswith("!"):
                EXPIRED.add(tok[1:])
            else:
                TOKENS[tok] = user
        GRANTS[user] = set("*" if x == "*" else x.replace(":", " ") for x in grants.split(","))
    for line in open(a.objects):
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        if f[0] in ("Deployment", "StatefulSet"):
            STATE["objects"][(f[0], f[1], f[2])] = workload(f[0], f[1], f[2], int(f[3]))
            if len(f) > 4:    # KEY=VALUE annotations
                STATE["objects"][(f[0], f[1], f[2])]["metadata"]["annotations"] = \
                    dict(kv.split("=", 1) for kv in f[4:])
        elif f[0] == "HPA":
            tk, tn = f[3].split("/")
            STATE["objects"][("HorizontalPodAutoscaler", f[1], f[2])] = {
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": f[2], "namespace": f[1], "resourceVersion": next_rv()},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": tk, "name": tn},
                         "minReplicas": 1, "maxReplicas": 10}}
        elif f[0] == "SCALEDOBJECT":
            tk, tn = f[3].split("/")
            ref = {"name": tn}
            if tk != "-":
                ref["kind"] = tk
            STATE["objects"][("ScaledObject", f[1], f[2])] = {
                "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
                "metadata": {"name": f[2], "namespace": f[1], "resourceVersion": next_rv()},
                "spec": {"scaleTargetRef": ref, "triggers": [{"type": "cpu", "metadata": {"value": "50"}}]}}
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    ctx.load_verify_locations(a.client_ca)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("listening on https://127.0.0.1:%d" % a.port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
