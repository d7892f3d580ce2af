package devcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Options configure Up.
type Options struct {
	// Dir holds everything of the cluster; it is created when missing.
	Dir string
	// Nodes is the number of fake nodes kwok runs; 0 means 1.
	Nodes int
	// KubeVersion must be empty or KubeVersion: one version is pinned.
	KubeVersion string
	// Binaries are the programs to run, from Toolchain.Ensure.
	Binaries Binaries
	// BindToParent makes every component die with the calling process.
	BindToParent bool
	// Progress receives a line per step; nil discards them.
	Progress io.Writer
	// Timeout bounds the wait for readiness; 0 means 2 minutes.
	Timeout time.Duration
}

// Cluster is a running local control plane.
type Cluster struct {
	State
	// Config is a cluster-admin client configuration.
	Config *rest.Config
	procs  []*process
}

// ports of a cluster, chosen at start.
type ports struct {
	etcd, etcdPeer, apiserver, controllerManager, scheduler, kwok int
}

// Up starts a control plane in opts.Dir and returns once it is ready: the API
// server answers /readyz, every node is Ready without the not-ready taint, and
// the default ServiceAccount exists. On failure it stops what it started and
// returns an error naming the component and its log.
func Up(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.KubeVersion != "" && opts.KubeVersion != KubeVersion {
		return nil, fmt.Errorf("kube version %s is not available: this build of tether pins %s", opts.KubeVersion, KubeVersion)
	}
	if opts.Nodes <= 0 {
		opts.Nodes = 1
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Minute
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", opts.Dir, err)
	}
	opts.Dir = dir
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	c, err := start(ctx, opts)
	if err != nil {
		if c != nil {
			_ = Down(dir)
		}
		return nil, err
	}
	return c, nil
}

// prepareDir refuses a directory whose cluster still runs and clears what a
// previous cluster left there.
func prepareDir(dir string) error {
	if pids := processesIn(dir); len(pids) > 0 {
		return fmt.Errorf("a local control plane already runs in %s (PIDs %v): stop it with `tether dev down --dir %s`", dir, pids, dir)
	}
	for _, sub := range []string{"etcd", "pki", "logs", stateFile} {
		if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
			return fmt.Errorf("clear %s: %w", filepath.Join(dir, sub), err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return nil
}

func start(ctx context.Context, opts Options) (*Cluster, error) {
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		if opts.Binaries[name] == "" {
			return nil, fmt.Errorf("no %s binary given", name)
		}
	}
	p, err := pickPorts()
	if err != nil {
		return nil, err
	}
	dir := opts.Dir
	pki := filepath.Join(dir, "pki")
	if err := writePKI(pki); err != nil {
		return nil, err
	}
	server := "https://127.0.0.1:" + strconv.Itoa(p.apiserver)
	if err := writeKubeconfigs(dir, server); err != nil {
		return nil, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "kubeconfig"))
	if err != nil {
		return nil, fmt.Errorf("load admin kubeconfig: %w", err)
	}
	c := &Cluster{
		State: State{Dir: dir, KubeVersion: KubeVersion, Kubeconfig: filepath.Join(dir, "kubeconfig"),
			Server: server, Started: time.Now()},
		Config: cfg,
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if err := c.launch(ctx, opts, p); err != nil {
		return c, err
	}
	opts.progressf("waiting for nodes and the default ServiceAccount\n")
	if err := c.waitReady(ctx, opts.Nodes); err != nil {
		return c, err
	}
	return c, nil
}

func pickPorts() (ports, error) {
	n, err := freePorts(6)
	if err != nil {
		return ports{}, err
	}
	return ports{etcd: n[0], etcdPeer: n[1], apiserver: n[2], controllerManager: n[3], scheduler: n[4], kwok: n[5]}, nil
}

// launch starts the components in dependency order: etcd, the API server,
// then the rest together, then the nodes.
func (c *Cluster) launch(ctx context.Context, opts Options, p ports) error {
	specs := componentSpecs(c.Dir, opts.Binaries, p)
	for _, spec := range specs {
		opts.progressf("starting %s on 127.0.0.1:%d\n", spec.name, spec.port)
		if err := c.run(spec, opts.BindToParent); err != nil {
			return err
		}
		// etcd and the API server must be up before their clients start.
		switch spec.name {
		case "etcd":
			if err := c.waitEtcd(ctx, p.etcd); err != nil {
				return err
			}
		case "kube-apiserver":
			if err := c.waitAPIServer(ctx); err != nil {
				return err
			}
		}
	}
	opts.progressf("registering %d kwok node(s)\n", opts.Nodes)
	return c.createNodes(ctx, opts.Nodes)
}

func (c *Cluster) run(spec componentSpec, bindToParent bool) error {
	log := filepath.Join(c.Dir, "logs", spec.name+".log")
	proc, err := startProcess(spec.name, spec.bin, log, spec.args, bindToParent)
	if err != nil {
		return err
	}
	c.procs = append(c.procs, proc)
	c.Components = append(c.Components, Component{Name: spec.name, PID: proc.cmd.Process.Pid, Port: spec.port, Log: log})
	return c.save()
}

// exited returns the early-exit error of the first component that ended.
func (c *Cluster) exited() error {
	for _, p := range c.procs {
		select {
		case <-p.exited:
			return p.earlyExit()
		default:
		}
	}
	return nil
}

// Stop stops every component and waits for them to end.
func (c *Cluster) Stop() error {
	return Down(c.Dir)
}

func (o Options) progressf(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format, args...)
	}
}

// errNotYet marks a readiness check that should be polled again.
var errNotYet = errors.New("not ready yet")
