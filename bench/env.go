package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/tether-gitops/tether/internal/devcluster"
	"github.com/tether-gitops/tether/internal/gitserver"
	"github.com/tether-gitops/tether/internal/install"
)

// env is one benchmark run's world: a control plane, a Git server and the
// controller under test, all on loopback.
type env struct {
	dir     string
	cluster *devcluster.Cluster
	cfg     *rest.Config
	client  kubernetes.Interface
	dyn     dynamic.Interface
	gitURL  string
	gitRoot string
	tether  string
	log     io.Writer

	controller *controllerProc
	cleanup    []func()
	// profiler, when set, profiles the cold syncs and the idle window.
	profiler       *profiler
	profileSeconds int
	// controllerFlags are passed to every controller started.
	controllerFlags []string
	// pushes counts the image tags pushed, so that each is new.
	pushes int
	// appsRepo is the prefix of the last cold sync of ConfigMap apps, whose
	// repository the push, series and monorepo scenarios commit to.
	appsRepo string
}

func newEnv(ctx context.Context, dir, tether string, log io.Writer) (*env, error) {
	cache, err := devcluster.DefaultCacheDir()
	if err != nil {
		return nil, err
	}
	bins, err := devcluster.Toolchain{CacheDir: cache, UsePath: true, Progress: log}.Ensure(ctx)
	if err != nil {
		return nil, err
	}
	c, err := devcluster.Up(ctx, devcluster.Options{Dir: filepath.Join(dir, "cluster"), Binaries: bins, BindToParent: true, Progress: log})
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir, cluster: c, tether: tether, log: log}
	e.cfg = rest.CopyConfig(c.Config)
	e.cfg.QPS, e.cfg.Burst = 2000, 4000
	if e.client, err = kubernetes.NewForConfig(e.cfg); err != nil {
		return nil, err
	}
	if e.dyn, err = dynamic.NewForConfig(e.cfg); err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(e.cfg)
	if err != nil {
		return nil, err
	}
	in := &install.Installer{Dynamic: e.dyn, Mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}
	if _, err := in.Install(ctx, "argocd"); err != nil {
		return nil, err
	}
	if err := e.startGit(); err != nil {
		return nil, err
	}
	if err := e.setWebhookSecret(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *env) startGit() error {
	e.gitRoot = filepath.Join(e.dir, "git")
	if err := os.MkdirAll(e.gitRoot, 0o755); err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: (&gitserver.Server{Root: e.gitRoot}).Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	e.gitURL = "http://" + l.Addr().String()
	return nil
}

func (e *env) close() {
	if e.controller != nil {
		e.controller.stop()
	}
	for _, fn := range e.cleanup {
		fn()
	}
	if e.cluster != nil {
		_ = e.cluster.Stop()
	}
}

// repo creates a bare repository holding files and returns its URL and
// first commit.
func (e *env) repo(ctx context.Context, name string, files map[string]string) (string, string, error) {
	dir := filepath.Join(e.gitRoot, name+".git")
	if err := gitserver.InitBare(ctx, dir); err != nil {
		return "", "", err
	}
	commit, err := gitserver.CommitFiles(ctx, dir, gitserver.Commit{Message: "initial", Files: files})
	if err != nil {
		return "", "", err
	}
	return e.gitURL + "/" + name + ".git", commit, nil
}

func (e *env) commit(ctx context.Context, name string, files map[string]string) (string, error) {
	return gitserver.CommitFiles(ctx, filepath.Join(e.gitRoot, name+".git"), gitserver.Commit{Message: "change", Files: files})
}

// controllerProc is `tether controller` running as a child process, so that
// its CPU time and memory are its own.
type controllerProc struct {
	cmd     *exec.Cmd
	metrics string
	webhook string
	logFile string
	// pprof is the controller's profiling endpoint, when profiling.
	pprof string
}

func (e *env) startController(extra ...string) error {
	if e.controller != nil {
		e.controller.stop()
	}
	metricsPort, err := freePort()
	if err != nil {
		return err
	}
	webhookPort, err := freePort()
	if err != nil {
		return err
	}
	logFile := filepath.Join(e.dir, fmt.Sprintf("controller-%d.log", time.Now().UnixNano()))
	f, err := os.Create(logFile)
	if err != nil {
		return err
	}
	defer f.Close()
	args := append([]string{"controller", "--kubeconfig", e.cluster.Kubeconfig, "--namespace", "argocd",
		"--leader-elect=false", "--health-addr", "0", "--metrics-addr", "127.0.0.1:" + strconv.Itoa(metricsPort),
		"--webhook-addr", "127.0.0.1:" + strconv.Itoa(webhookPort),
		"--repo-cache-dir", e.repoCacheDir(), "--log-format", "json"}, slices.Concat(e.controllerFlags, extra)...)
	pprof := ""
	if e.profiler != nil {
		port, err := freePort()
		if err != nil {
			return err
		}
		pprof = "http://127.0.0.1:" + strconv.Itoa(port)
		args = append(args, "--pprof-addr", "127.0.0.1:"+strconv.Itoa(port))
	}
	cmd := exec.Command(e.tether, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start controller: %w", err)
	}
	e.controller = &controllerProc{cmd: cmd, metrics: fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort),
		webhook: fmt.Sprintf("http://127.0.0.1:%d/api/webhook", webhookPort), logFile: logFile, pprof: pprof}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := e.controller.scrape(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("controller did not serve metrics; see %s", logFile)
}

// repoCacheDir is a fresh repository cache, on tmpfs when the machine has
// one, as a deployment would mount an in-memory emptyDir there: creating a
// checkout's directories on disk costs more than the rest of a push.
func (e *env) repoCacheDir() string {
	base := e.dir
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "tether-bench-repos-"); err == nil {
			e.cleanup = append(e.cleanup, func() { _ = os.RemoveAll(dir) })
			return dir
		}
	}
	return filepath.Join(base, fmt.Sprintf("repos-%d", time.Now().UnixNano()))
}

func (p *controllerProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// cpu returns the controller's CPU time so far (user + system).
func (p *controllerProc) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	// After the command: state is field 3, utime 14 and stime 15 (1-based).
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

// memory returns the controller's resident and peak resident memory.
func (p *controllerProc) memory() (rss, peak int64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		parse := func(prefix string) (int64, bool) {
			v, ok := strings.CutPrefix(line, prefix)
			if !ok {
				return 0, false
			}
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, true
		}
		if v, ok := parse("VmRSS:"); ok {
			rss = v
		}
		if v, ok := parse("VmHWM:"); ok {
			peak = v
		}
	}
	return rss, peak
}

// scrape returns the controller's metrics as name{labels} → value.
func (p *controllerProc) scrape() (map[string]float64, error) {
	resp, err := http.Get(p.metrics)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}

// sum adds the samples of metric name whose labels contain every filter.
func sum(m map[string]float64, name string, filters ...string) float64 {
	var total float64
	for k, v := range m {
		if k != name && !strings.HasPrefix(k, name+"{") {
			continue
		}
		ok := true
		for _, f := range filters {
			if !strings.Contains(k, f) {
				ok = false
			}
		}
		if ok {
			total += v
		}
	}
	return total
}

func (e *env) logf(format string, args ...any) {
	fmt.Fprintf(e.log, "bench: "+format+"\n", args...)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
