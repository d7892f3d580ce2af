// Package controllertest runs Tether inside a test binary: it installs the
// CRDs on a clustertest cluster and runs the controller in process, as
// `tether install` and `tether controller` would, for every end-to-end
// test package to share.
package controllertest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/tether-gitops/tether/internal/controller"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/install"
)

// Namespace is where the tests' Applications live.
const Namespace = "argocd"

// Install applies the CRDs, the namespace and the AppProject "default".
func Install(c *clustertest.Cluster) error {
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(c.Config)
	if err != nil {
		return err
	}
	in := &install.Installer{Dynamic: dyn, Mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = in.Install(ctx, Namespace)
	return err
}

// Controller is a controller running in the test process.
type Controller struct {
	// WebhookURL takes push webhooks.
	WebhookURL string
	// Logs is the file the controller logs to.
	Logs string
	// Requests counts the controller's API requests.
	Requests *Requests
}

// Requests counts API requests by verb and path: GET, LIST (a GET that is
// not a watch of a collection), WATCH, POST, PATCH, ...
type Requests struct {
	mu     sync.Mutex
	counts map[string]int
}

// NewRequests returns a counter of no requests yet; Config makes a
// controller's requests count.
func NewRequests() *Requests { return &Requests{counts: map[string]int{}} }

// Config returns a copy of cfg whose requests c counts; cfg is unchanged.
func (c *Requests) Config(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(c.wrap)
	return cfg
}

// Writes counts the requests under the path prefix that may change
// something: every verb but GET and WATCH.
func (c *Requests) Writes(prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for key, count := range c.counts {
		verb, path, _ := strings.Cut(key, " ")
		if verb != http.MethodGet && verb != "WATCH" && strings.HasPrefix(path, prefix) {
			n += count
		}
	}
	return n
}

func (c *Requests) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		verb := req.Method
		if verb == http.MethodGet && req.URL.Query().Get("watch") == "true" {
			verb = "WATCH"
		}
		c.mu.Lock()
		c.counts[verb+" "+req.URL.Path]++
		if fm := req.URL.Query().Get("fieldManager"); fm != "" {
			c.counts[verb+" "+req.URL.Path+" "+fm]++
		}
		c.mu.Unlock()
		return next.RoundTrip(req)
	})
}

// Count returns how many requests of verb went to path, e.g.
// Count("GET", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications").
// A collection's GET is a LIST and counts as "GET" too; watches count as
// "WATCH".
func (c *Requests) Count(verb, path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[verb+" "+path]
}

// CountManager is Count for the requests that name manager as their
// fieldManager (server-side applies and writes with that option).
func (c *Requests) CountManager(verb, path, manager string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[verb+" "+path+" "+manager]
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// Start runs the controller until the test binary exits, with defaults for
// tests: no leader election, no metrics or health listeners, push webhooks
// on a free loopback port, a self-heal timeout of one second. edit, when
// set, changes the options before the start. A controller that stops on an
// error ends the test binary with exit code 3.
func Start(c *clustertest.Cluster, name string, edit func(*controller.Options)) (*Controller, error) {
	opts := controller.DefaultOptions()
	requests := NewRequests()
	opts.Config = requests.Config(c.Config)
	opts.Namespace = Namespace
	opts.LeaderElection = false
	opts.MetricsAddr, opts.HealthAddr = "0", "0"
	opts.SelfHealTimeout = time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	opts.WebhookAddr = l.Addr().String()
	l.Close()
	opts.RepoCacheDir = filepath.Join(os.TempDir(), fmt.Sprintf("tether-%s-repos-%d", name, os.Getpid()))
	logs, err := os.CreateTemp("", "tether-"+name+"-controller-*.log")
	if err != nil {
		return nil, err
	}
	opts.Log, opts.LogFormat, opts.LogLevel = logs, "text", 1
	if edit != nil {
		edit(&opts)
	}
	fmt.Fprintln(os.Stderr, "controller logs:", logs.Name())
	go func() {
		if err := controller.Run(context.Background(), opts); err != nil {
			fmt.Fprintln(os.Stderr, "controller stopped:", err)
			os.Exit(3)
		}
	}()
	return &Controller{WebhookURL: "http://" + opts.WebhookAddr + "/api/webhook", Logs: logs.Name(), Requests: requests}, nil
}
