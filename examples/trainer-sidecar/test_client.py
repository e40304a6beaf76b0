"""Contract tests of the sidecar through client.py, against a freshly started
service on a temporary socket. Run by `go test ./examples/trainer-sidecar`
(TestPython builds the binary and sets $BUDGETKIT_SIDECAR_BIN), or directly:

    BUDGETKIT_SIDECAR_BIN=/path/to/trainer-sidecar python3 -m unittest -v test_client
"""

import json
import os
import shutil
import signal
import stat
import tempfile
import unittest

from client import (AlreadyApplied, Client, Infeasible, InvalidArgument, InvalidSnapshot, RequestTooLarge,
                    ServiceUnavailable, SessionExists, Unauthorized, UnknownSession)

ARMS = ["math", "code", "logic"]


def prompts_for(step, n=6, k=8):
    """Deterministic rollouts: prompt i succeeds on rollouts j < (i+step) mod (k+1)."""
    out = []
    for i in range(n):
        wins = (i + step) % (k + 1)
        out.append({"id": f"p{i}", "source": ARMS[i % 3], "rewards": [1.0 if j < wins else 0.0 for j in range(k)],
                    "lengths": [100.0 + 10 * i] * k})
    return out


class Contract(unittest.TestCase):
    def setUp(self):
        self.c = Client.spawn()
        self.addCleanup(self.c.close)

    def test_handshake_and_socket_mode(self):
        self.assertTrue(self.c.addr.startswith("unix:"), self.c.addr)
        mode = stat.S_IMODE(os.stat(self.c.addr[len("unix:"):]).st_mode)
        self.assertEqual(mode, 0o600)
        self.assertEqual(self.c.health(), {"status": "ok", "sessions": 0})

    def test_round_trip(self):
        s = self.c.create_session(id="r", tracker={"decay": 0.9}, curriculum={"method": "dump", "arms": ARMS})
        self.assertTrue(s["created"])
        self.assertEqual(s["sources"], ARMS)
        self.assertAlmostEqual(sum(s["probabilities"].values()), 1.0)
        again = self.c.create_session(id="r", tracker={"decay": 0.9}, curriculum={"method": "DUMP", "arms": ARMS})
        self.assertFalse(again["created"])
        with self.assertRaises(SessionExists):
            self.c.create_session(id="r", tracker={"decay": 0.5})
        obs = self.c.observe("r", 0, prompts_for(0))
        self.assertTrue(obs["step_complete"])
        self.assertEqual(obs["tracked"], 6)
        self.assertEqual(set(obs["probabilities"]), set(ARMS))
        ids = [f"p{i}" for i in range(6)] + ["unseen"]
        a = self.c.allocate("r", ids, budget=56, divisor=8, exact=True)
        self.assertEqual(len(a["counts"]), 7)
        self.assertEqual(sum(a["counts"]), 56)
        self.assertEqual(a["spent"], 56)
        self.assertGreaterEqual(a["shadow_price"], 0)
        d = self.c.sample_sources("r", step=3, n=32, seed=11)
        self.assertEqual(len(d["sources"]), 32)
        self.assertTrue(all(ARMS[i] == s for i, s in zip(d["indices"], d["sources"])))
        self.assertEqual(d, self.c.sample_sources("r", step=3, n=32, seed=11))
        m = self.c.metrics()
        self.assertIn('budgetkit_tracked_prompts{session="r"} 6', m)
        self.assertIn('budgetkit_requests_total{path="/v1/allocate",code="200"} 1', m)

    def test_errors(self):
        self.c.create_session(id="r", curriculum={"arms": ARMS})
        with self.assertRaises(UnknownSession) as e:
            self.c.allocate("nope", ["a"], budget=8)
        self.assertEqual(e.exception.status, 404)
        with self.assertRaises(InvalidArgument) as e:
            self.c.observe("r", 0, [{"id": "a", "source": "poetry", "rewards": [1]}])
        self.assertIn("prompts[0].source", e.exception.message)
        with self.assertRaises(InvalidArgument) as e:
            self.c.allocate("r", ["a", "b"], budget=8, costs=[1, 0])
        self.assertIn("costs[1]", e.exception.message)
        with self.assertRaises(Infeasible):
            self.c.allocate("r", ["a", "b"], budget=3, min=2, max=4)
        with self.assertRaises(InvalidSnapshot):
            self.c.restore('{"kind":"x","version":1,"config":{},"state":{}}')
        self.c.observe("r", 0, prompts_for(0))
        with self.assertRaises(AlreadyApplied) as e:
            self.c.observe("r", 0, prompts_for(0))
        self.assertEqual((e.exception.status, e.exception.code), (409, "already_applied"))
        self.assertFalse(e.exception.retried)
        with self.assertRaises(ValueError):  # NaN never leaves the client
            self.c.observe("r", 1, [{"id": "a", "source": "math", "rewards": [float("nan")]}])

    def test_array_like_values(self):
        class Array:  # numpy's and torch's role: tolist() gives plain values
            def __init__(self, v):
                self.v = v

            def tolist(self):
                return self.v

        self.c.create_session(id="r")
        self.c.observe("r", 0, [{"id": "a", "rewards": Array([1.0, 0.0]), "lengths": Array([3, 4])}])
        self.assertEqual(self.c.allocate("r", ["a"], budget=Array(8), min=2)["counts"], [8])

    def test_retry_after_a_dropped_connection(self):
        self.c.create_session(id="r")
        self.c.health()
        self.c._conn.sock.close()  # the keep-alive connection dies under the client
        self.assertEqual(self.c.health()["sessions"], 1)  # reconnected and retried


    def test_exits_when_the_parent_goes(self):
        c = Client.spawn()
        c.process.stdin.close()  # what the kernel does when the trainer dies
        self.assertEqual(c.process.wait(timeout=10), 0)
        c.close()


class Readme(unittest.TestCase):
    def test_the_ten_line_snippet_runs(self):
        """The README's Python snippet, run as written with a fake loader and
        rollout function."""
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "README.md"), encoding="utf-8") as f:
            text = f.read()
        start = text.index("```python\n", text.index("## From Python")) + len("```python\n")
        code = text[start:text.index("```", start)]
        self.assertLessEqual(len(code.strip().splitlines()), 10)

        class Prompt:
            def __init__(self, i):
                self.id, self.source = f"p{i}", ["math", "code"][i % 2]

        loader = [[Prompt(i) for i in range(4 * s, 4 * s + 8)] for s in range(3)]
        calls = []

        def rollout(prompts, counts):
            calls.append(counts)
            return [[float((i + j) % 3 == 0) for j in range(c)] for i, c in enumerate(counts)]

        env = {"loader": loader, "rollout": rollout}
        exec(compile(code, "README.md", "exec"), env)
        self.assertEqual(len(calls), 3)
        self.assertTrue(all(sum(c) == 64 and sum(c) % 8 == 0 for c in calls), calls)
        self.assertEqual(len(env["sources"]), 8)


class Limits(unittest.TestCase):
    def test_request_too_large(self):
        with Client.spawn(args=["-max-body", "2048"]) as c:
            c.create_session(id="r")
            with self.assertRaises(RequestTooLarge) as e:
                c.observe("r", 0, [{"id": f"p{i}", "rewards": [1.0] * 16} for i in range(100)])
            self.assertEqual(e.exception.status, 413)
            c.observe("r", 0, [{"id": "p", "rewards": [1.0]}])  # nothing was applied

    def test_token(self):
        with Client.spawn(token="s3cret") as c:
            c.create_session(id="r")
            c.health()
            intruder = Client(c.addr, token="wrong")
            with self.assertRaises(Unauthorized):
                intruder.allocate("r", ["a"], budget=8)
            self.assertEqual(intruder.health()["status"], "ok")  # /healthz stays open
            intruder.close()

    def test_tcp_attach_via_env(self):
        with Client.spawn(args=["-listen", "tcp"]) as c:
            self.assertTrue(c.addr.startswith("tcp:127.0.0.1:"), c.addr)
            os.environ["BUDGETKIT_ADDR"] = c.addr
            try:
                other = Client()
            finally:
                del os.environ["BUDGETKIT_ADDR"]
            other.create_session(id="shared")
            self.assertEqual(c.health()["sessions"], 1)
            other.close()

    def test_no_remote_listen_without_flag(self):
        with self.assertRaises(ServiceUnavailable):
            Client.spawn(args=["-listen", "tcp:0.0.0.0:0"], start_timeout=60)


class Crash(unittest.TestCase):
    """Kill the service, restore a snapshot into a new one: the next
    allocations and draws are identical and a replayed step is refused."""

    def run_steps(self, c, steps):
        out = []
        ids = [f"p{i}" for i in range(6)] + ["new"]
        for step in steps:
            c.observe("r", step, prompts_for(step))
            out.append((c.allocate("r", ids, budget=56, divisor=8, exact=True),
                        c.sample_sources("r", step=step, n=16, seed=5)))
        return out

    def test_kill_and_restore(self):
        a = Client.spawn()
        self.addCleanup(a.close)
        a.create_session(id="r", tracker={"decay": 0.8, "window": 8}, curriculum={"method": "sec", "arms": ARMS})
        self.run_steps(a, range(3))
        snap = a.snapshot()
        want = self.run_steps(a, range(3, 6))
        a.process.send_signal(signal.SIGKILL)
        a.process.wait()
        shutil.rmtree(os.path.dirname(a.addr[len("unix:"):]), ignore_errors=True)  # a killed service cannot
        with self.assertRaises(ServiceUnavailable):
            a.health()
        b = Client.spawn()
        self.addCleanup(b.close)
        self.assertEqual(b.restore(snap), ["r"])
        with self.assertRaises(AlreadyApplied):
            b.observe("r", 2, prompts_for(2))
        self.assertEqual(self.run_steps(b, range(3, 6)), want)

    def test_sigterm_writes_the_snapshot_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "state.json")
            with Client.spawn(args=["-snapshot", path]) as c:
                c.create_session(id="r", curriculum={"arms": ARMS})
                c.observe("r", 0, prompts_for(0))
                probs = c.sample_sources("r", step=1, n=8, seed=1)
            with open(path) as f:
                self.assertEqual(json.load(f)["kind"], "trainer-sidecar.Service")
            with Client.spawn(args=["-snapshot", path]) as c:
                self.assertEqual(c.health()["sessions"], 1)
                self.assertEqual(c.sample_sources("r", step=1, n=8, seed=1), probs)
                with self.assertRaises(AlreadyApplied):
                    c.observe("r", 0, prompts_for(0))


if __name__ == "__main__":
    unittest.main()
