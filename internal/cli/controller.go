package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-gitops/tether/internal/controller"
)

func newControllerCommand(s Streams) *cobra.Command {
	opts := controller.DefaultOptions()
	var selfHealSeconds int
	cmd := &cobra.Command{
		Use:   "controller",
		Short: "Run the GitOps controller: every control loop in one process",
		Long: `Run the Application controller with leader election: extra replicas stand
by. It watches Applications in --namespace, renders their sources from Git,
applies them by server-side apply and keeps the cluster equal to Git as their
sync policies say. Prometheus metrics are served on --metrics-addr, health
probes (/healthz, /readyz) on --health-addr.`,
		Example: `  # Against the cluster of the current kubeconfig
  tether controller --kubeconfig ~/.kube/config

  # Faster drift checks and a self-heal timeout as in Argo CD's flag
  tether controller --reconcile-interval 60s --self-heal-timeout-seconds 5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("self-heal-timeout-seconds") {
				opts.SelfHealTimeout = time.Duration(selfHealSeconds) * time.Second
			}
			opts.Log = s.Err
			return controller.Run(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Kubeconfig, "kubeconfig", "", "kubeconfig file; in-cluster configuration when empty")
	f.StringVar(&opts.Context, "context", "", "kubeconfig context")
	f.StringVar(&opts.Namespace, "namespace", opts.Namespace, "namespace where Applications and repository Secrets live")
	f.DurationVar(&opts.ReconcileInterval, "reconcile-interval", opts.ReconcileInterval, "periodic reconcile of every Application, to catch drift and new commits without a trigger")
	f.DurationVar(&opts.ReconcileJitter, "reconcile-jitter", opts.ReconcileJitter, "random delay added to each periodic reconcile, to spread the load")
	f.DurationVar(&opts.SelfHealTimeout, "self-heal-timeout", opts.SelfHealTimeout, "minimum time between the end of a sync and a self-heal")
	f.IntVar(&selfHealSeconds, "self-heal-timeout-seconds", int(opts.SelfHealTimeout/time.Second), "the same in seconds, as Argo CD names it")
	f.DurationVar(&opts.RevisionCacheTTL, "revision-cache-ttl", opts.RevisionCacheTTL, "how long a resolved branch or tag is trusted without asking the repository")
	f.IntVar(&opts.Workers, "workers", opts.Workers, "Applications reconciled in parallel")
	f.Float32Var(&opts.KubeQPS, "kube-qps", opts.KubeQPS, "queries per second to the Kubernetes API")
	f.IntVar(&opts.KubeBurst, "kube-burst", opts.KubeBurst, "burst of queries to the Kubernetes API")
	f.StringVar(&opts.RepoCacheDir, "repo-cache-dir", opts.RepoCacheDir, "where Git repositories are cached")
	f.StringVar(&opts.RegistryConfig, "registry-config", "", "Docker config JSON (as ~/.docker/config.json or a mounted dockerconfigjson Secret) whose auths authenticate to OCI registries no repository Secret matches; credential helpers are not run")
	f.DurationVar(&opts.CheckoutRetention, "checkout-retention", opts.CheckoutRetention, "how long a checkout of a commit no Application uses is kept in the cache; 0 keeps them all")
	f.StringVar(&opts.MetricsAddr, "metrics-addr", opts.MetricsAddr, "Prometheus metrics address; 0 disables")
	f.StringVar(&opts.HealthAddr, "health-addr", opts.HealthAddr, "health probe address; 0 disables")
	f.StringVar(&opts.WebhookAddr, "webhook-addr", opts.WebhookAddr, "Git push webhook address (path /api/webhook, secrets in Secret argocd-secret); 0 disables")
	f.StringVar(&opts.PprofAddr, "pprof-addr", "", "serve Go profiles (/debug/pprof/) on this address; off when empty")
	f.BoolVar(&opts.LeaderElection, "leader-elect", opts.LeaderElection, "elect a leader on a Lease so that extra replicas stand by")
	f.StringVar(&opts.LogFormat, "log-format", opts.LogFormat, "log format: json or text")
	f.IntVar(&opts.LogLevel, "v", opts.LogLevel, "log verbosity")
	return cmd
}
