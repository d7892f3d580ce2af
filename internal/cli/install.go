package cli

import (
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tether-gitops/tether/internal/install"
)

func newInstallCommand(s Streams) *cobra.Command {
	var (
		kube      kubeFlags
		namespace string
	)
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Install the CRDs, the namespace and the AppProject \"default\"",
		Long: `Apply Argo CD's CRDs (Application, AppProject), the namespace where
Applications live and the AppProject "default" by server-side apply. Running it
again changes nothing; it prints what it created or changed.`,
		Example: `  tether install
  tether install --namespace argocd --kubeconfig ~/.kube/config`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			clients, err := kube.clients()
			if err != nil {
				return err
			}
			in := &install.Installer{Dynamic: clients.dynamic, Mapper: clients.mapper}
			changes, err := in.Install(cmd.Context(), namespace)
			w := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
			for _, c := range changes {
				fprintf(w, "%s\t%s\t%s\n", c.Kind, c.Name, c.Action)
			}
			if ferr := w.Flush(); err == nil {
				err = ferr
			}
			return err
		},
	}
	kube.add(cmd)
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "argocd", "namespace where Applications live")
	return cmd
}
