package cli

import "github.com/spf13/cobra"

// newAppSetCommand is a placeholder until the command is written.
func newAppSetCommand(_ Streams) *cobra.Command {
	return &cobra.Command{Use: "appset", Short: "(not implemented yet)", Hidden: true}
}
