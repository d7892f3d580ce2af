package devcluster

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUpReportsEarlyExit: a component that dies at start is named, with its
// log file and the log's last lines, and nothing is left running.
func TestUpReportsEarlyExit(t *testing.T) {
	dir := t.TempDir()
	failing := filepath.Join(dir, "fails")
	if err := os.WriteFile(failing, []byte("#!/bin/sh\necho 'listen tcp 127.0.0.1:2379: bind: address already in use' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	bins := Binaries{}
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		bins[name] = failing
	}
	_, err := Up(context.Background(), Options{Dir: filepath.Join(dir, "cluster"), Binaries: bins, BindToParent: true, Timeout: 30 * time.Second})
	if err == nil {
		t.Fatal("Up succeeded with a failing etcd")
	}
	for _, want := range []string{"etcd exited early", filepath.Join(dir, "cluster", "logs", "etcd.log"), "address already in use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if pids := processesIn(filepath.Join(dir, "cluster")); len(pids) != 0 {
		t.Errorf("processes left: %v", pids)
	}
}

func TestUpRefusesAnotherVersion(t *testing.T) {
	_, err := Up(context.Background(), Options{Dir: t.TempDir(), KubeVersion: "v1.20.0"})
	if err == nil || !strings.Contains(err.Error(), KubeVersion) {
		t.Fatalf("want an error naming the pinned version, got %v", err)
	}
}
