"""Python client of budgetkit's trainer sidecar (standard library only).

The sidecar is a local Go process serving HTTP/1.1 + JSON on a Unix socket
(or 127.0.0.1). This client either spawns it and reads its handshake line,

    BUDGETKIT 1 unix:/tmp/budgetkit-sidecar-.../sidecar.sock

or attaches to a running one named by $BUDGETKIT_ADDR ("unix:/path" or
"tcp:127.0.0.1:PORT"). Spawning runs $BUDGETKIT_SIDECAR_BIN if set (a binary
built with `go build ./examples/trainer-sidecar`), else `go run` on this
directory, which compiles first and takes longer.

    from client import Client
    with Client.spawn() as c:
        c.create_session(id="run1", curriculum={"arms": ["math", "code"]})
        counts = c.allocate("run1", ids, budget=8 * len(ids), divisor=8)["counts"]
        c.observe("run1", step, [{"id": "7", "source": "math", "rewards": [1, 0, 1]}])

Errors come back as exceptions: InvalidArgument (400; the message names the
field), Infeasible (400), InvalidSnapshot (400), Unauthorized (401),
UnknownSession (404), AlreadyApplied (409: a replayed (step, shard)),
SessionExists (409), RequestTooLarge (413), ServiceUnavailable (no
connection). Idempotent calls are retried once after a connection failure;
observe is idempotent per (step, shard), so its retry is safe: if the first
attempt had landed, the retry raises AlreadyApplied with retried=True.

A Client is not safe for use by several threads at once (it keeps one
keep-alive connection); give each thread its own.
"""

import http.client
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import time

__all__ = [
    "Client", "BudgetkitError", "InvalidArgument", "Infeasible", "InvalidSnapshot",
    "Unauthorized", "UnknownSession", "AlreadyApplied", "SessionExists",
    "RequestTooLarge", "ServiceUnavailable",
]

HERE = os.path.dirname(os.path.abspath(__file__))
HANDSHAKE = "BUDGETKIT 1 "


class BudgetkitError(Exception):
    """An error answered by the sidecar: HTTP status, code and message."""

    def __init__(self, status, code, message, retried=False):
        super().__init__(f"{code} ({status}): {message}")
        self.status, self.code, self.message, self.retried = status, code, message, retried


class InvalidArgument(BudgetkitError):
    """400: malformed or invalid input; the message names the field."""


class Infeasible(BudgetkitError):
    """400: constraints no allocation meets (e.g. budget below Σ min)."""


class InvalidSnapshot(BudgetkitError):
    """400: a snapshot that cannot be restored; nothing was changed."""


class Unauthorized(BudgetkitError):
    """401: missing or wrong bearer token."""


class UnknownSession(BudgetkitError):
    """404: no session of that id."""


class AlreadyApplied(BudgetkitError):
    """409: this (step, shard), or a later step, was already observed."""


class SessionExists(BudgetkitError):
    """409: a session of that id exists with other settings."""


class RequestTooLarge(BudgetkitError):
    """413: the body exceeds the service's -max-body."""


class ServiceUnavailable(BudgetkitError):
    """The service could not be reached (after one retry if idempotent)."""


_BY_CODE = {
    "invalid_argument": InvalidArgument, "infeasible": Infeasible,
    "invalid_snapshot": InvalidSnapshot, "unauthorized": Unauthorized,
    "unknown_session": UnknownSession, "already_applied": AlreadyApplied,
    "session_exists": SessionExists, "request_too_large": RequestTooLarge,
}


class _UnixConnection(http.client.HTTPConnection):
    """HTTPConnection over a Unix socket."""

    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def _tolist(o):
    """numpy scalars and arrays and torch tensors, as plain Python values."""
    if hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def _dumps(obj):
    return json.dumps(obj, separators=(",", ":"), allow_nan=False, default=_tolist).encode()


class Client:
    """A connection to one sidecar; see the module documentation."""

    def __init__(self, addr=None, token=None, timeout=60.0):
        addr = addr or os.environ.get("BUDGETKIT_ADDR")
        if not addr:
            raise ValueError("no address: pass addr or set BUDGETKIT_ADDR (or use Client.spawn())")
        kind, _, rest = addr.partition(":")
        if kind not in ("unix", "tcp") or not rest:
            raise ValueError(f"address {addr!r}: want unix:/path or tcp:HOST:PORT")
        self.addr, self.timeout = addr, timeout
        self.token = token if token is not None else os.environ.get("BUDGETKIT_TOKEN")
        self._kind, self._rest = kind, rest
        self._conn = None
        self.process = None  # the spawned service, if any

    # -- spawning -------------------------------------------------------------

    @classmethod
    def spawn(cls, binary=None, args=(), token=None, env=None, timeout=60.0, start_timeout=300.0):
        """Start the service with -serve -stdin-eof and connect to it.

        binary defaults to $BUDGETKIT_SIDECAR_BIN, else `go run` on this
        directory. args are extra flags (e.g. ["-snapshot", path]). The
        service exits when this client closes, or when this process dies
        (its standard input closes)."""
        binary = binary or os.environ.get("BUDGETKIT_SIDECAR_BIN")
        if binary:
            cmd, cwd = [binary], None
        else:
            go = shutil.which("go") or "/usr/local/go/bin/go"
            cmd, cwd = [go, "run", "."], HERE
        cmd += ["-serve", "-stdin-eof", *args]
        penv = dict(os.environ if env is None else env)
        if token is not None:
            penv["BUDGETKIT_TOKEN"] = token
        proc = subprocess.Popen(cmd, cwd=cwd, env=penv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            line = _read_line(proc, start_timeout)
            if not line.startswith(HANDSHAKE):
                raise ServiceUnavailable(0, "handshake", f"unexpected first line {line!r} from {cmd}")
        except BaseException:
            proc.kill()
            proc.wait()
            proc.stdin.close()
            proc.stdout.close()
            raise
        c = cls(line[len(HANDSHAKE):].strip(), token=token, timeout=timeout)
        c.process = proc
        return c

    def close(self, timeout=15.0):
        """Close the connection and stop a spawned service (SIGTERM, so it
        finishes requests in flight and writes its -snapshot file)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        p, self.process = self.process, None
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p is not None:
            for f in (p.stdin, p.stdout):
                if f:
                    f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- transport ------------------------------------------------------------

    def _connection(self):
        if self._conn is None:
            if self._kind == "unix":
                self._conn = _UnixConnection(self._rest, self.timeout)
            else:
                host, _, port = self._rest.rpartition(":")
                self._conn = http.client.HTTPConnection(host, int(port), timeout=self.timeout)
        return self._conn

    def _call(self, method, path, body=None, idempotent=True, raw=False):
        data = body if isinstance(body, (bytes, type(None))) else _dumps(body)
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        for attempt in (0, 1):
            try:
                conn = self._connection()
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                status = resp.status
                if resp.will_close:
                    self._drop()
                break
            except (OSError, http.client.HTTPException) as e:
                self._drop()
                if attempt == 0 and idempotent:
                    continue
                raise ServiceUnavailable(0, "unavailable", f"{method} {path} on {self.addr}: {e}") from e
        if status == 200:
            return payload.decode() if raw else json.loads(payload)
        try:
            err = json.loads(payload)["error"]
            code, message = err["code"], err["message"]
        except (ValueError, KeyError, TypeError):
            code, message = "http_%d" % status, payload.decode(errors="replace")
        raise _BY_CODE.get(code, BudgetkitError)(status, code, message, retried=attempt == 1)

    def _drop(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- API ------------------------------------------------------------------

    def health(self):
        """GET /healthz: {"status": "ok", "sessions": n}."""
        return self._call("GET", "/healthz")

    def create_session(self, id=None, tracker=None, curriculum=None, allocation=None, threshold=None, shards=None):
        """POST /v1/sessions. With an id, creating it again with the same
        settings returns it (created=False), so the call is retried; other
        settings raise SessionExists."""
        body = {k: v for k, v in (("id", id), ("tracker", tracker), ("curriculum", curriculum),
                                  ("allocation", allocation), ("threshold", threshold), ("shards", shards))
                if v is not None}
        return self._call("POST", "/v1/sessions", body, idempotent=id is not None)

    def observe(self, session, step, prompts, shard=0):
        """POST /v1/observe: prompts is a list of {"id", "source"?, "rewards",
        "lengths"?} (rewards and lengths may be lists, numpy arrays or
        tensors). Returns {"step_complete", "tracked", "probabilities"}."""
        return self._call("POST", "/v1/observe", {"session": session, "step": int(step), "shard": int(shard), "prompts": prompts})

    def allocate(self, session, ids, budget, min=0, max=0, divisor=0, exact=False, costs=None):
        """POST /v1/allocate: {"counts", "spent", "shadow_price"}; Σ counts is
        divisible by divisor (e.g. lcm(data-parallel size, mini-batch))."""
        body = {"session": session, "ids": [str(i) for i in ids], "budget": budget,
                "min": int(min), "max": int(max), "divisor": int(divisor), "exact": bool(exact)}
        if costs is not None:
            body["costs"] = list(costs)
        return self._call("POST", "/v1/allocate", body)

    def sample_sources(self, session, step, n, seed):
        """POST /v1/sources/sample: {"sources", "indices"}, a pure function of
        (the session's probabilities, seed, step, slot)."""
        return self._call("POST", "/v1/sources/sample", {"session": session, "step": int(step), "n": int(n), "seed": int(seed)})

    def snapshot(self, session=None):
        """GET /v1/snapshot: the versioned JSON text of every session, or of
        one."""
        path = "/v1/snapshot" + (f"?session={session}" if session else "")
        return self._call("GET", path, raw=True)

    def restore(self, snapshot):
        """POST /v1/restore: replace (or create) the sessions of a snapshot,
        all or nothing. Returns their ids."""
        data = snapshot.encode() if isinstance(snapshot, str) else bytes(snapshot)
        return self._call("POST", "/v1/restore", data)["sessions"]

    def metrics(self):
        """GET /v1/metrics: Prometheus text."""
        return self._call("GET", "/v1/metrics", raw=True)


def _read_line(proc, timeout):
    """Read the handshake line from proc's stdout within timeout seconds."""
    fd = proc.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + timeout
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise ServiceUnavailable(0, "handshake", f"no handshake within {timeout:.0f} s")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1)
        if not chunk:
            raise ServiceUnavailable(0, "handshake", f"the service exited (status {proc.wait()}) before its handshake")
        buf += chunk
    return buf.decode()
