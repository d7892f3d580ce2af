package cli

import (
	"sort"

	"github.com/spf13/cobra"
)

func newDevBinariesCommand(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "binaries",
		Short: "Build (once) and list the control plane's binaries",
		Long: `Find the control plane's binaries in PATH or the cache, build the missing
ones with the Go toolchain from pinned module versions, and print where each is.
'make test' runs this first so that no test waits for a build.`,
		Example: `  tether dev binaries`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bins, err := ensureBinaries(cmd, s)
			if err != nil {
				return err
			}
			names := make([]string, 0, len(bins))
			for name := range bins {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				fprintf(s.Out, "%s\t%s\n", name, bins[name])
			}
			return nil
		},
	}
}
