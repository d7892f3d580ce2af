package cli

import (
	"github.com/spf13/cobra"

	"github.com/tether-gitops/tether/internal/version"
)

func newVersionCommand(s Streams) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print tether's version and its Kubernetes client version",
		Example: `  tether version
  tether version -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := version.Get()
			if output != "" {
				return printStructured(s.Out, output, info)
			}
			fprintf(s.Out, "tether %s", info.Version)
			if info.Commit != "" {
				fprintf(s.Out, " (commit %s)", info.Commit)
			}
			fprintf(s.Out, "\nkubernetes client %s\ngo %s\n", info.ClientVersion, info.GoVersion)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or yaml")
	return cmd
}
