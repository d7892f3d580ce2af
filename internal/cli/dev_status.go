package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tether-gitops/tether/internal/devcluster"
)

func newDevStatusCommand(s Streams) *cobra.Command {
	var dir, output string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each component of a local control plane: PID, port, memory, log",
		Example: `  tether dev status
  tether dev status -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			state, comps, err := devcluster.Status(dir)
			if err != nil {
				return err
			}
			if output != "" {
				return printStructured(s.Out, output, map[string]any{"cluster": state, "components": comps})
			}
			fprintf(s.Out, "server: %s\nkubeconfig: %s\n\n", state.Server, state.Kubeconfig)
			w := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
			fprintf(w, "COMPONENT\tSTATUS\tPID\tPORT\tMEMORY\tLOG\n")
			for _, c := range comps {
				status, mem := "exited", "-"
				if c.Running {
					status, mem = "running", humanBytes(c.RSS)
				}
				fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\n", c.Name, status, c.PID, c.Port, mem, c.Log)
			}
			return w.Flush()
		},
	}
	devDirFlag(cmd, &dir)
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or yaml")
	return cmd
}

// humanBytes formats n bytes with a binary unit, e.g. 312Mi.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.0f%ci", float64(n)/float64(div), "KMGTPE"[exp])
}
