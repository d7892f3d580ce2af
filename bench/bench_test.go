package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs every scenario at a small size, so that CI notices when the
// benchmark itself breaks. It asserts nothing about timings.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane and a controller")
	}
	bin := filepath.Join(t.TempDir(), "tether")
	build := exec.Command("go", "build", "-o", bin, "./cmd/tether")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build tether: %v\n%s", err, out)
	}
	if err := os.Chdir(".."); err != nil { // the scenarios read examples/
		t.Fatal(err)
	}
	report := filepath.Join(t.TempDir(), "report.md")
	// The onboarding try without webhook waits for the ApplicationSet's
	// requeue (3 minutes): its timeout is what it measures here.
	c := config{apps: 20, helmApps: 3, tries: 2, idle: 2 * time.Second, tether: bin, out: report,
		seriesPushes: 2, onboardTries: 1, onboardTimeout: 5 * time.Second,
		scenarios: "cold,idle,monorepo,push,series,drift,onboard,cold-prestart,helm,chart"}
	if err := run(context.Background(), c, testWriter{t}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Cold sync", "Idle", "Monorepo", "Push to deploy", "Push series", "Drift", "Onboarding", "before the controller starts", "Helm at scale", "ratio", "Charts of a Helm repository", "served 1 index.yaml and 1 chart archive"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report lacks %q:\n%s", want, b)
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
