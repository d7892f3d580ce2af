package cli

import "github.com/spf13/cobra"

// newBumpCommand is a placeholder until the command is written.
func newBumpCommand(_ Streams) *cobra.Command {
	return &cobra.Command{Use: "bump", Short: "(not implemented yet)", Hidden: true}
}
