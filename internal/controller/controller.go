// Package controller wires Tether's control loops into one process: a
// controller-runtime manager with leader election, metrics and health
// probes, the live-object cache, the Git store and the Application
// reconciler.
package controller

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/apply"
	"github.com/tether-gitops/tether/internal/appset"
	"github.com/tether-gitops/tether/internal/controller/application"
	"github.com/tether-gitops/tether/internal/controller/applicationset"
	"github.com/tether-gitops/tether/internal/live"
	"github.com/tether-gitops/tether/internal/render"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
	"github.com/tether-gitops/tether/internal/source/helmrepo"
	"github.com/tether-gitops/tether/internal/source/oci"
	"github.com/tether-gitops/tether/internal/target"
)

// Options configure Run; DefaultOptions gives values that suit thousands of
// Applications.
type Options struct {
	Kubeconfig, Context string
	// Config, when set, is used instead of Kubeconfig (tests).
	Config                             *rest.Config
	Namespace                          string
	ReconcileInterval, ReconcileJitter time.Duration
	SelfHealTimeout                    time.Duration
	RevisionCacheTTL                   time.Duration
	Workers                            int
	KubeQPS                            float32
	KubeBurst                          int
	RepoCacheDir                       string
	// RegistryConfig is a Docker config JSON whose "auths" authenticate
	// to OCI registries that no repository Secret matches.
	RegistryConfig string
	// CheckoutRetention is how long an unused checkout is kept; 0 keeps
	// them all.
	CheckoutRetention       time.Duration
	MetricsAddr, HealthAddr string
	// WebhookAddr serves Git push webhooks at /api/webhook; "" or "0"
	// disables them.
	WebhookAddr string
	// PprofAddr serves Go's profiles at /debug/pprof/ when set.
	PprofAddr      string
	LeaderElection bool
	LogFormat      string
	LogLevel       int
	// Log receives the logs; nil means stderr.
	Log io.Writer
	// SkipNameValidation allows several controllers in one process, as
	// tests of leader election run them.
	SkipNameValidation bool
}

// DefaultOptions returns the defaults of `tether controller`.
func DefaultOptions() Options {
	cacheDir := filepath.Join(os.TempDir(), "tether-repos")
	if dir, err := os.UserCacheDir(); err == nil {
		cacheDir = filepath.Join(dir, "tether", "repos")
	}
	return Options{
		Namespace:         "argocd",
		ReconcileInterval: 180 * time.Second, // Argo CD's timeout.reconciliation
		ReconcileJitter:   60 * time.Second,
		SelfHealTimeout:   5 * time.Second,
		RevisionCacheTTL:  15 * time.Second,
		Workers:           50,
		KubeQPS:           2000,
		KubeBurst:         4000,
		RepoCacheDir:      cacheDir,
		CheckoutRetention: 10 * time.Minute,
		MetricsAddr:       ":8080",
		HealthAddr:        ":8081",
		WebhookAddr:       ":8082",
		LeaderElection:    true,
		LogFormat:         "json",
	}
}

// Run runs the controller until ctx ends.
func Run(ctx context.Context, opts Options) error {
	log := newLogger(opts)
	ctrl.SetLogger(log)
	cfg, err := restConfig(opts)
	if err != nil {
		return err
	}
	mgr, err := newManager(cfg, opts, log)
	if err != nil {
		return err
	}
	if err := setup(ctx, mgr, cfg, opts); err != nil {
		return err
	}
	log.Info("starting controller", "namespace", opts.Namespace, "workers", opts.Workers)
	return mgr.Start(ctx)
}

func newLogger(opts Options) logr.Logger {
	w := opts.Log
	if w == nil {
		w = os.Stderr
	}
	zopts := []zap.Opts{zap.WriteTo(w), zap.UseDevMode(opts.LogFormat == "text")}
	if opts.LogLevel > 0 {
		zopts = append(zopts, zap.Level(zapLevel(opts.LogLevel)))
	}
	return zap.New(zopts...)
}

func restConfig(opts Options) (*rest.Config, error) {
	cfg := opts.Config
	if cfg == nil {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		rules.ExplicitPath = opts.Kubeconfig
		var err error
		cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
			&clientcmd.ConfigOverrides{CurrentContext: opts.Context}).ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("load kubernetes configuration: %w", err)
		}
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = opts.KubeQPS, opts.KubeBurst
	cfg.UserAgent = "tether-controller"
	return cfg, nil
}

// Scheme holds the types the controller reads and writes.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := appv1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

func newManager(cfg *rest.Config, opts Options, log logr.Logger) (manager.Manager, error) {
	scheme, err := Scheme()
	if err != nil {
		return nil, fmt.Errorf("build scheme: %w", err)
	}
	// Only Argo CD's repository, repo-creds and cluster Secrets are cached,
	// and ConfigMaps of the controller's namespace (argocd-tls-certs-cm,
	// argocd-ssh-known-hosts-cm).
	secretType, err := labels.NewRequirement(secretTypeLabel, selection.Exists, nil)
	if err != nil {
		return nil, err
	}
	secretSelector := labels.NewSelector().Add(*secretType)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme,
		Logger: log,
		Cache: cache.Options{
			DefaultNamespaces: map[string]cache.Config{opts.Namespace: {}},
			ByObject: map[client.Object]cache.ByObject{
				&corev1.Secret{}:    {Label: secretSelector},
				cachedApplication(): {Transform: trimApplication},
			},
		},
		Metrics:                       metricsserver.Options{BindAddress: opts.MetricsAddr},
		PprofBindAddress:              opts.PprofAddr,
		HealthProbeBindAddress:        opts.HealthAddr,
		LeaderElection:                opts.LeaderElection,
		LeaderElectionID:              "tether-controller",
		LeaderElectionNamespace:       opts.Namespace,
		LeaderElectionReleaseOnCancel: true,
		GracefulShutdownTimeout:       ptr(30 * time.Second),
		Controller:                    config.Controller{SkipNameValidation: ptr(opts.SkipNameValidation)},
	})
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	return mgr, nil
}

func ptr[T any](v T) *T { return &v }

// cachedApplication is the Application as the controllers read it:
// unstructured, so that fields the types lack are seen.
func cachedApplication() client.Object {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(appv1.GroupVersion.WithKind("Application"))
	return u
}

// trimApplication keeps in the cache only the managed fields that a
// controller reads: the ApplicationSet controller's own, which tell which
// fields its template manages. The rest, mostly this controller's status
// writes, is the largest part of a synced Application's metadata.
func trimApplication(obj any) (any, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return obj, nil
	}
	meta, ok := u.Object["metadata"].(map[string]any)
	if !ok {
		return obj, nil
	}
	entries, ok := meta["managedFields"].([]any)
	if !ok {
		return obj, nil
	}
	var kept []any
	for _, e := range entries {
		if m, ok := e.(map[string]any); ok && m["manager"] == appset.FieldManager {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		delete(meta, "managedFields")
	} else {
		meta["managedFields"] = kept
	}
	return u, nil
}

// secretTypeLabel marks Argo CD's repository, repo-creds and cluster Secrets.
const secretTypeLabel = "argocd.argoproj.io/secret-type"

// zapLevel maps a klog-style verbosity to a zap level.
func zapLevel(v int) zapcore.Level { return zapcore.Level(-v) }

func setup(ctx context.Context, mgr manager.Manager, cfg *rest.Config, opts Options) error {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("dynamic client: %w", err)
	}
	cluster, err := clusterInfo(cfg)
	if err != nil {
		return err
	}
	triggers := application.NewTriggers()
	var r *application.Reconciler
	liveCache := live.NewCache(dyn, mgr.GetRESTMapper(), func(app string) {
		r.LiveChanged(app)
		triggers.App(app, opts.Namespace)
	})
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		liveCache.Start(ctx)
		<-ctx.Done()
		return nil
	})); err != nil {
		return err
	}
	revisions := gitsource.NewRevisionCache(opts.RevisionCacheTTL)
	store := &gitsource.Store{Dir: opts.RepoCacheDir, Creds: repoCredentials(mgr.GetClient(), opts.Namespace), MaxCheckouts: 8, SpareCheckouts: true}
	if err := mgr.Add(pruneCheckouts(store, opts.CheckoutRetention, mgr.GetLogger())); err != nil {
		return err
	}
	renderer := render.NewRenderer()
	charts := chartSources(mgr.GetClient(), opts.Namespace,
		helmrepo.New(helmrepo.Options{CacheDir: filepath.Join(opts.RepoCacheDir, "charts")}),
		oci.New(oci.Options{CacheDir: filepath.Join(opts.RepoCacheDir, "oci"), RegistryConfig: opts.RegistryConfig}))
	r = &application.Reconciler{
		Client:    mgr.GetClient(),
		Live:      liveCache,
		Applier:   &apply.Applier{Dynamic: dyn, Mapper: mgr.GetRESTMapper(), Manager: application.FieldManager},
		Source:    store,
		Render:    renderer.Render,
		Recorder:  mgr.GetEventRecorder("tether-controller"),
		Cluster:   cluster,
		Revisions: revisions,
		Charts:    charts,
		Options: application.Options{
			Namespace:         opts.Namespace,
			ReconcileInterval: opts.ReconcileInterval,
			ReconcileJitter:   opts.ReconcileJitter,
			SelfHealTimeout:   opts.SelfHealTimeout,
		},
	}
	if err := r.SetupWithManager(mgr, triggers, opts.Workers); err != nil {
		return err
	}
	router := &pushRouter{client: mgr.GetClient(), reader: mgr.GetCache(), namespace: opts.Namespace, revisions: revisions, apps: r, triggers: triggers}
	if err := addWebhook(mgr, opts.WebhookAddr, mgr.GetAPIReader(), router, mgr.GetLogger()); err != nil {
		return err
	}
	sets := &applicationset.Reconciler{
		Client:    mgr.GetClient(),
		Applier:   &apply.Applier{Dynamic: dyn, Mapper: mgr.GetRESTMapper(), Manager: appset.FieldManager},
		Repos:     store,
		Recorder:  mgr.GetEventRecorder("tether-applicationset-controller"),
		Revisions: revisions,
		Options:   applicationset.Options{Namespace: opts.Namespace},
	}
	router.sets = sets
	return sets.SetupWithManager(mgr, opts.Workers)
}

// pruneCheckouts deletes checkouts unused for retention, every half of it,
// so that the repository cache does not grow with every commit.
func pruneCheckouts(store *gitsource.Store, retention time.Duration, log logr.Logger) manager.Runnable {
	return manager.RunnableFunc(func(ctx context.Context) error {
		if retention <= 0 {
			return nil
		}
		tick := time.NewTicker(retention / 2)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
				n, err := store.PruneCheckouts(ctx, retention)
				if err != nil {
					log.Error(err, "prune checkouts")
				} else if n > 0 {
					log.V(1).Info("pruned checkouts", "count", n)
				}
			}
		}
	})
}

// knownHostsConfigMap holds Argo CD's ssh known hosts, key ssh_known_hosts.
const knownHostsConfigMap = "argocd-ssh-known-hosts-cm"

// repoCredentials finds credentials in Argo CD's repository Secrets, with
// the ssh known hosts of Argo CD's ConfigMap when it exists.
func repoCredentials(c client.Client, ns string) func(ctx context.Context, repoURL string) (*gitsource.Credentials, error) {
	return func(ctx context.Context, repoURL string) (*gitsource.Credentials, error) {
		var secrets corev1.SecretList
		if err := c.List(ctx, &secrets, client.InNamespace(ns), client.HasLabels{secretTypeLabel}); err != nil {
			return nil, fmt.Errorf("list repository secrets: %w", err)
		}
		creds := gitsource.MatchCredentials(secrets.Items, repoURL)
		if creds == nil || len(creds.SSHPrivateKey) == 0 {
			return creds, nil
		}
		var cm corev1.ConfigMap
		err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: knownHostsConfigMap}, &cm)
		if client.IgnoreNotFound(err) != nil {
			return nil, fmt.Errorf("read configmap %s: %w", knownHostsConfigMap, err)
		}
		creds.SSHKnownHosts = []byte(cm.Data["ssh_known_hosts"])
		return creds, nil
	}
}

// clusterInfo reads the Kubernetes version and API versions that Helm's
// Capabilities report.
func clusterInfo(cfg *rest.Config) (target.Cluster, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return target.Cluster{}, fmt.Errorf("discovery client: %w", err)
	}
	v, err := dc.ServerVersion()
	if err != nil {
		return target.Cluster{}, fmt.Errorf("read the cluster's version: %w", err)
	}
	groups, err := dc.ServerGroups()
	if err != nil {
		return target.Cluster{}, fmt.Errorf("read the cluster's API groups: %w", err)
	}
	var versions []string
	for _, g := range groups.Groups {
		for _, gv := range g.Versions {
			versions = append(versions, gv.GroupVersion)
		}
	}
	sort.Strings(versions)
	return target.Cluster{KubeVersion: v.GitVersion, APIVersions: versions}, nil
}
