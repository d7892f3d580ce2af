package cli

import "github.com/spf13/cobra"

// newAppCommand is a placeholder until the command is written.
func newAppCommand(_ Streams) *cobra.Command {
	return &cobra.Command{Use: "app", Short: "(not implemented yet)", Hidden: true}
}
