package devcluster

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// KubeVersion is the Kubernetes version of the binaries Tether builds.
const KubeVersion = "v1.36.3"

//go:embed modules
var modules embed.FS

// A binarySet is a group of binaries built together from one pinned module.
type binarySet struct {
	// module names the folder under modules/ holding the module's files, each
	// with ".txt" appended (a go.mod would make the folder a module of its own).
	module string
	// files overrides the embedded modules/<module> folder; for tests.
	files fs.FS
	// version is the version of the upstream project, for messages and the cache key.
	version string
	// packages maps binary names to the Go packages that build them.
	packages map[string]string
	ldflags  string
	// estimate is shown to the user while building.
	estimate string
}

var binarySets = []binarySet{
	{
		module:  "etcd",
		version: "v3.6.16",
		packages: map[string]string{
			"etcd": "go.etcd.io/etcd/server/v3",
		},
		estimate: "about 30 s",
	},
	{
		module:  "kube",
		version: KubeVersion,
		packages: map[string]string{
			"kube-apiserver":          "k8s.io/kubernetes/cmd/kube-apiserver",
			"kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
			"kube-scheduler":          "k8s.io/kubernetes/cmd/kube-scheduler",
		},
		ldflags: "-X k8s.io/component-base/version.gitVersion=" + KubeVersion +
			" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=36" +
			" -X k8s.io/component-base/version.gitTreeState=clean",
		estimate: "about 4 min",
	},
	{
		module:  "kwok",
		version: "v0.7.0",
		packages: map[string]string{
			"kwok": "sigs.k8s.io/kwok/cmd/kwok",
		},
		estimate: "about 2 min",
	},
}

// Binaries holds the absolute paths of the control plane's programs.
type Binaries map[string]string

// Toolchain finds or builds the control plane's binaries.
type Toolchain struct {
	// CacheDir holds built binaries, one folder per version and module hash.
	CacheDir string
	// UsePath lets binaries found in PATH take precedence over the cache.
	UsePath bool
	// Progress receives one line per build step; nil discards them.
	Progress io.Writer
}

// DefaultCacheDir is where Tether keeps its caches: $TETHER_CACHE_DIR, or
// tether/ under the user's cache directory.
func DefaultCacheDir() (string, error) {
	if dir := os.Getenv("TETHER_CACHE_DIR"); dir != "" {
		return dir, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user cache directory (set TETHER_CACHE_DIR): %w", err)
	}
	return filepath.Join(dir, "tether"), nil
}

// Ensure returns the path of every binary, building the missing ones.
// Concurrent callers, in this process or another, build each set once.
func (t Toolchain) Ensure(ctx context.Context) (Binaries, error) {
	return t.ensure(ctx, binarySets)
}

func (t Toolchain) ensure(ctx context.Context, sets []binarySet) (Binaries, error) {
	bins := Binaries{}
	for _, set := range sets {
		if err := t.ensureSet(ctx, set, bins); err != nil {
			return nil, err
		}
	}
	return bins, nil
}

func (t Toolchain) ensureSet(ctx context.Context, set binarySet, bins Binaries) error {
	if t.UsePath && t.fromPath(set, bins) {
		return nil
	}
	dir, err := t.setDir(set)
	if err != nil {
		return err
	}
	if !complete(dir, set) {
		if err := t.buildLocked(ctx, set, dir); err != nil {
			return err
		}
	}
	for name := range set.packages {
		bins[name] = filepath.Join(dir, name)
	}
	return nil
}

// fromPath fills bins from PATH when every binary of set is there.
func (t Toolchain) fromPath(set binarySet, bins Binaries) bool {
	found := map[string]string{}
	for name := range set.packages {
		p, err := exec.LookPath(name)
		if err != nil {
			return false
		}
		found[name] = p
	}
	for name, p := range found {
		bins[name] = p
	}
	return true
}

// setDir is the cache folder of set: its name changes whenever the pinned
// module, the platform or the Go version changes.
func (t Toolchain) setDir(set binarySet) (string, error) {
	h := sha256.New()
	files, err := set.moduleFiles()
	if err != nil {
		return "", err
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "%s\x00%s\x00", name, files[name])
	}
	fmt.Fprint(h, set.ldflags, runtime.GOOS, runtime.GOARCH)
	key := hex.EncodeToString(h.Sum(nil))[:12]
	return filepath.Join(t.CacheDir, "bin", fmt.Sprintf("%s-%s-%s", set.module, set.version, key)), nil
}

func complete(dir string, set binarySet) bool {
	for name := range set.packages {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// buildLocked builds set into dir while holding a file lock, so that two
// processes never build the same set at once.
func (t Toolchain) buildLocked(ctx context.Context, set binarySet, dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("create binary cache: %w", err)
	}
	lock := flock.New(dir + ".lock")
	if _, err := lock.TryLockContext(ctx, 250*time.Millisecond); err != nil {
		return fmt.Errorf("lock %s: %w", lock.Path(), err)
	}
	defer func() { _ = lock.Unlock() }()
	if complete(dir, set) { // another process built it while we waited
		return nil
	}
	return t.build(ctx, set, dir)
}

func (t Toolchain) build(ctx context.Context, set binarySet, dir string) error {
	goBin, err := findGo()
	if err != nil {
		return fmt.Errorf("build %s %s: %w", set.module, set.version, err)
	}
	work, err := os.MkdirTemp(filepath.Dir(dir), set.module+".build-")
	if err != nil {
		return fmt.Errorf("create build folder: %w", err)
	}
	defer os.RemoveAll(work)
	if err := set.writeModule(work); err != nil {
		return err
	}
	out := filepath.Join(work, "out")
	names := slices.Sorted(maps.Keys(set.packages))
	args := []string{"build", "-trimpath", "-ldflags", strings.TrimSpace("-s -w " + set.ldflags), "-o", out + "/"}
	for _, name := range names {
		args = append(args, set.packages[name])
	}
	t.progressf("building %s %s with %s (first run only, %s)\n", strings.Join(names, ", "), set.version, goBin, set.estimate)
	start := time.Now()
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly", "CGO_ENABLED=0", "GOTOOLCHAIN=local")
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s %s: %w\n%s", set.module, set.version, err, tail(log.String(), 40))
	}
	for _, name := range names {
		if built := binaryName(set.packages[name]); built != name {
			if err := os.Rename(filepath.Join(out, built), filepath.Join(out, name)); err != nil {
				return fmt.Errorf("name %s binary: %w", name, err)
			}
		}
	}
	if err := os.Rename(out, dir); err != nil {
		return fmt.Errorf("install %s into the cache: %w", set.module, err)
	}
	t.progressf("built %s %s in %s\n", set.module, set.version, time.Since(start).Round(time.Second))
	return nil
}

// binaryName is the file name `go build -o dir/` gives pkg's binary: its
// last path element, or the one before a major version suffix.
func binaryName(pkg string) string {
	parts := strings.Split(pkg, "/")
	last := parts[len(parts)-1]
	if len(parts) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		return parts[len(parts)-2]
	}
	return last
}

func (t Toolchain) progressf(format string, args ...any) {
	if t.Progress != nil {
		fmt.Fprintf(t.Progress, format, args...)
	}
}

// moduleFiles returns the module's files by name, ".txt" removed.
func (set binarySet) moduleFiles() (map[string][]byte, error) {
	fsys := set.files
	if fsys == nil {
		sub, err := fs.Sub(modules, "modules/"+set.module)
		if err != nil {
			return nil, fmt.Errorf("embedded module %s: %w", set.module, err)
		}
		fsys = sub
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read module %s: %w", set.module, err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read module %s: %w", set.module, err)
		}
		files[strings.TrimSuffix(e.Name(), ".txt")] = b
	}
	return files, nil
}

// writeModule lays the module out as a buildable Go module in dir.
func (set binarySet) writeModule(dir string) error {
	files, err := set.moduleFiles()
	if err != nil {
		return err
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("write module %s: %w", set.module, err)
		}
	}
	return nil
}

// findGo locates the Go toolchain: PATH first, then where Go installs itself.
func findGo() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	for _, p := range []string{filepath.Join(runtime.GOROOT(), "bin", "go"), "/usr/local/go/bin/go"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Go toolchain found in PATH or /usr/local/go: it is needed once, to build the control plane")
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}
