package cli

import (
	"github.com/spf13/cobra"

	"github.com/tether-gitops/tether/internal/devcluster"
)

func newDevDownCommand(s Streams) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop every process of a local control plane",
		Long: `Stop every process that 'tether dev up' started in DIR, also after a crash
left them running without a state file. Data and logs stay in DIR until the
next 'dev up' there.`,
		Example: `  tether dev down
  tether dev down --dir /tmp/a`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := devcluster.Down(dir); err != nil {
				return err
			}
			fprintf(s.Err, "local control plane in %s stopped\n", dir)
			return nil
		},
	}
	devDirFlag(cmd, &dir)
	return cmd
}
