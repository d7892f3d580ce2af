package devcluster

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func helloSet() binarySet {
	return binarySet{
		module:   "hello",
		version:  "v0.0.1",
		files:    os.DirFS("testdata/hello"),
		packages: map[string]string{"hello": "example.com/hello"},
	}
}

// syncWriter lets concurrent builds report progress into one buffer.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func TestToolchainBuildsOnceAndCaches(t *testing.T) {
	cache := t.TempDir()
	progress := &syncWriter{}
	tc := Toolchain{CacheDir: cache, Progress: progress}

	// Two toolchains racing for the same set build it once, under the lock.
	var wg sync.WaitGroup
	results := make([]Binaries, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { results[i], errs[i] = tc.ensure(context.Background(), []binarySet{helloSet()}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("ensure %d: %v", i, err)
		}
	}
	if got := strings.Count(progress.buf.String(), "building hello"); got != 1 {
		t.Fatalf("built %d times, want once; progress:\n%s", got, progress.buf.String())
	}
	if results[0]["hello"] != results[1]["hello"] {
		t.Fatalf("paths differ: %q vs %q", results[0]["hello"], results[1]["hello"])
	}
	out, err := exec.Command(results[0]["hello"]).Output()
	if err != nil || !strings.Contains(string(out), "cached build") {
		t.Fatalf("run built binary: %v, %q", err, out)
	}

	// A later call finds the cache and builds nothing.
	progress.buf.Reset()
	again, err := tc.ensure(context.Background(), []binarySet{helloSet()})
	if err != nil {
		t.Fatal(err)
	}
	if progress.buf.Len() != 0 || again["hello"] != results[0]["hello"] {
		t.Fatalf("second ensure rebuilt or moved: %q, %v", progress.buf.String(), again)
	}
	// No build folder is left behind.
	leftovers, _ := filepath.Glob(filepath.Join(cache, "bin", "*.build-*"))
	if len(leftovers) != 0 {
		t.Fatalf("build folders left: %v", leftovers)
	}
}

func TestToolchainReportsBuildErrors(t *testing.T) {
	set := helloSet()
	set.packages = map[string]string{"missing": "example.com/hello/missing"}
	_, err := Toolchain{CacheDir: t.TempDir()}.ensure(context.Background(), []binarySet{set})
	if err == nil || !strings.Contains(err.Error(), "build hello v0.0.1") {
		t.Fatalf("want an error naming the set, got %v", err)
	}
}

func TestToolchainPrefersPath(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "hello")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	bins, err := Toolchain{CacheDir: t.TempDir(), UsePath: true}.ensure(context.Background(), []binarySet{helloSet()})
	if err != nil {
		t.Fatal(err)
	}
	if bins["hello"] != fake {
		t.Fatalf("got %q, want the one in PATH %q", bins["hello"], fake)
	}
}

func TestSetDirChangesWithModule(t *testing.T) {
	tc := Toolchain{CacheDir: "/cache"}
	a, err := tc.setDir(helloSet())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := tc.setDir(helloSet())
	if a != b {
		t.Fatalf("cache dir not stable: %q vs %q", a, b)
	}
	changed := helloSet()
	changed.ldflags = "-X main.v=2"
	c, _ := tc.setDir(changed)
	if c == a {
		t.Fatalf("cache dir did not change with the build flags: %q", c)
	}
	if !strings.HasPrefix(a, "/cache/bin/hello-v0.0.1-") {
		t.Fatalf("unexpected cache dir %q", a)
	}
}

func TestEmbeddedModulesAreComplete(t *testing.T) {
	for _, set := range binarySets {
		files, err := set.moduleFiles()
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"go.mod", "go.sum", "tools.go"} {
			if len(files[name]) == 0 {
				t.Errorf("module %s lacks %s", set.module, name)
			}
		}
	}
}

func TestBinaryName(t *testing.T) {
	tests := map[string]string{
		"go.etcd.io/etcd/server/v3":            "server",
		"k8s.io/kubernetes/cmd/kube-apiserver": "kube-apiserver",
		"sigs.k8s.io/kwok/cmd/kwok":            "kwok",
		"example.com/hello":                    "hello",
		"example.com/v2":                       "example.com",
		"example.com/tool/v":                   "v",
	}
	for pkg, want := range tests {
		if got := binaryName(pkg); got != want {
			t.Errorf("binaryName(%q) = %q, want %q", pkg, got, want)
		}
	}
}
