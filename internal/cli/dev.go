package cli

import (
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tether-gitops/tether/internal/devcluster"
)

func newDevCommand(s Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run a local Kubernetes control plane for trying tether and for tests",
		Long: `A real control plane on this machine: etcd, kube-apiserver,
kube-controller-manager, kube-scheduler, and kwok as the kubelet of fake nodes,
so Pods are scheduled and become Ready without containers. The binaries are
built once with the Go toolchain and cached. Everything listens on 127.0.0.1.`,
		Example: `  eval "$(tether dev up)"
  kubectl get nodes
  tether dev status
  tether dev down`,
	}
	cmd.AddCommand(newDevUpCommand(s), newDevDownCommand(s), newDevStatusCommand(s), newDevBinariesCommand(s),
		newDevGitServerCommand(s))
	return cmd
}

// devDirFlag adds --dir, defaulting to dev/ under tether's cache directory.
func devDirFlag(cmd *cobra.Command, dir *string) {
	def := "(cache dir)/dev"
	if cache, err := devcluster.DefaultCacheDir(); err == nil {
		def = filepath.Join(cache, "dev")
	}
	cmd.Flags().StringVar(dir, "dir", def, "folder that holds the control plane's data, logs and kubeconfig")
}
