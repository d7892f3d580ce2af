package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-gitops/tether/internal/devcluster"
)

func newDevUpCommand(s Streams) *cobra.Command {
	var (
		opts    devcluster.Options
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start a local control plane in the background and wait until it is ready",
		Long: `Start etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok
in the background, register the fake nodes, and return once the API server is
ready, every node is Ready and the default ServiceAccount exists. The admin
kubeconfig is written to DIR/kubeconfig; the command prints the line that
points kubectl at it. Missing binaries are built first (once, a few minutes).`,
		Example: `  # Start and point kubectl at it
  eval "$(tether dev up)"

  # Two clusters side by side, three nodes in the second
  tether dev up --dir /tmp/a
  tether dev up --dir /tmp/b --nodes 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bins, err := ensureBinaries(cmd, s)
			if err != nil {
				return err
			}
			opts.Binaries = bins
			opts.Progress = s.Err
			opts.Timeout = timeout
			start := time.Now()
			c, err := devcluster.Up(cmd.Context(), opts)
			if err != nil {
				return err
			}
			fprintf(s.Err, "control plane ready in %s (%s, %d node(s))\n", time.Since(start).Round(100*time.Millisecond), c.Server, opts.Nodes)
			fprintf(s.Out, "export KUBECONFIG=%s\n", c.Kubeconfig)
			return nil
		},
	}
	devDirFlag(cmd, &opts.Dir)
	cmd.Flags().IntVar(&opts.Nodes, "nodes", 1, "number of fake nodes")
	cmd.Flags().StringVar(&opts.KubeVersion, "kube-version", devcluster.KubeVersion, "Kubernetes version (only the pinned one is available)")
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "how long to wait for readiness, not counting builds")
	return cmd
}

// ensureBinaries finds or builds the control plane's binaries, reporting
// builds on stderr.
func ensureBinaries(cmd *cobra.Command, s Streams) (devcluster.Binaries, error) {
	cache, err := devcluster.DefaultCacheDir()
	if err != nil {
		return nil, err
	}
	tc := devcluster.Toolchain{CacheDir: cache, UsePath: true, Progress: s.Err}
	return tc.Ensure(cmd.Context())
}
