// Package clustertest gives end-to-end tests a real control plane: one per
// test package, started from TestMain, and a fresh namespace per test.
//
// When TETHER_TEST_KUBECONFIG names a kubeconfig, that cluster is used and
// nothing is started. Otherwise the components are bound to the test binary:
// the kernel kills them when it exits, even by a panic or a timeout, so no
// process outlives `go test`.
//
// Usage:
//
//	var cluster clustertest.Cluster
//
//	func TestMain(m *testing.M) { os.Exit(cluster.Run(m)) }
//
//	func TestX(t *testing.T) {
//		ns := cluster.Namespace(t)
//		...
//	}
package clustertest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/tether-gitops/tether/internal/devcluster"
)

// KubeconfigEnv names an existing cluster to test against instead of
// starting one.
const KubeconfigEnv = "TETHER_TEST_KUBECONFIG"

// Cluster is the control plane of one test package. Its zero value is ready
// for Run.
type Cluster struct {
	// Config is a cluster-admin client configuration, set by Run.
	Config *rest.Config
	// Kubeconfig is the path of the admin kubeconfig, set by Run.
	Kubeconfig string
	// Dev is the started cluster; nil when KubeconfigEnv named one.
	Dev *devcluster.Cluster
	// Client is a typed client for Config.
	Client kubernetes.Interface
}

// Run starts (or connects to) the cluster, calls each setup in order (to
// install CRDs or start a controller, say), runs the tests and stops what it
// started. It returns the exit code for os.Exit.
func (c *Cluster) Run(m *testing.M, setup ...func(*Cluster) error) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	if testing.Short() {
		// Unit tests in the package still run; end-to-end tests skip
		// through Require.
		return m.Run()
	}
	stop, err := c.start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "clustertest:", err)
		return 1
	}
	for _, fn := range setup {
		if err := fn(c); err != nil {
			fmt.Fprintln(os.Stderr, "clustertest: setup:", err)
			_ = stop()
			return 1
		}
	}
	code := m.Run()
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "clustertest:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

func (c *Cluster) start() (stop func() error, err error) {
	if path := os.Getenv(KubeconfigEnv); path != "" {
		return func() error { return nil }, c.connect(path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cache, err := devcluster.DefaultCacheDir()
	if err != nil {
		return nil, err
	}
	bins, err := devcluster.Toolchain{CacheDir: cache, UsePath: true, Progress: os.Stderr}.Ensure(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tether-test-")
	if err != nil {
		return nil, fmt.Errorf("create cluster folder: %w", err)
	}
	dev, err := devcluster.Up(ctx, devcluster.Options{Dir: dir, Binaries: bins, BindToParent: true})
	if err != nil {
		return nil, err
	}
	c.Dev = dev
	stop = func() error {
		if err := dev.Stop(); err != nil {
			return err
		}
		return os.RemoveAll(dir)
	}
	if err := c.connect(dev.Kubeconfig); err != nil {
		_ = stop()
		return nil, err
	}
	return stop, nil
}

func (c *Cluster) connect(kubeconfig string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig %s: %w", kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("client for %s: %w", kubeconfig, err)
	}
	c.Config, c.Kubeconfig, c.Client = cfg, kubeconfig, client
	return nil
}

// Require skips the test when no cluster runs (go test -short).
func (c *Cluster) Require(t testing.TB) {
	t.Helper()
	if c.Config == nil {
		t.Skip("end-to-end test: needs the local control plane (skipped with -short)")
	}
}

// Namespace creates a namespace named after the test and deletes it when the
// test ends. It skips the test when no cluster runs.
func (c *Cluster) Namespace(t testing.TB) string {
	t.Helper()
	c.Require(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: namePrefix(t.Name())}}
	ns, err := c.Client.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() {
		_ = c.Client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

// namePrefix turns a test name into a DNS-1123 label prefix ending in "-".
func namePrefix(test string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(test) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	if s == "" {
		s = "test"
	}
	return s + "-"
}

// TempDir is where the cluster keeps its files; empty when connected to an
// existing cluster.
func (c *Cluster) TempDir() string {
	if c.Dev == nil {
		return ""
	}
	return filepath.Clean(c.Dev.Dir)
}

// Poll calls cond every 100ms until it returns true, or fails the test
// with what it waited for and the last error once timeout passes.
func Poll(t testing.TB, timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	PollDetail(t, timeout, what, nil, cond)
}

// PollDetail is Poll whose failure message ends with detail(), computed
// only then (the state the test waited on, say); detail may be nil.
func PollDetail(t testing.TB, timeout time.Duration, what string, detail func() string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		ok, err := cond(ctx)
		if ok {
			return
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			extra := ""
			if detail != nil {
				extra = "\n" + detail()
			}
			t.Fatalf("timed out after %s waiting for %s (last error: %v)%s", timeout, what, last, extra)
		case <-tick.C:
		}
	}
}
