package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestPython builds the service and runs the Python contract tests
// (test_client.py: the HTTP API through client.py, the crash-and-restore
// test) and the verl adapter tests (test_verl_sampler.py, with a fake verl)
// against it, so that go test ./... covers them wherever python3 exists.
func TestPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: the Python client and verl adapter tests did not run (install Debian's python3)")
	}
	goBin, err := exec.LookPath("go") // go test puts its GOROOT/bin first in PATH
	if err != nil {
		t.Fatalf("the go command is not in PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "trainer-sidecar")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(python, "-m", "unittest", "-v", "test_client", "test_verl_sampler")
	cmd.Env = append(os.Environ(), "BUDGETKIT_SIDECAR_BIN="+bin, "PYTHONDONTWRITEBYTECODE=1", "BUDGETKIT_ADDR=", "BUDGETKIT_TOKEN=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3 -m unittest: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
