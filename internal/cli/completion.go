package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func newCompletionCommand(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print a shell completion script for tether",
		Long: `Print a script that makes the shell complete tether's commands, flags and,
for 'tether app' commands, the names of Applications (read from the cluster
of the current kubeconfig context when you press TAB).`,
		Example: `  # bash, for this shell
  source <(tether completion bash)

  # bash, for every new shell
  tether completion bash > ~/.local/share/bash-completion/completions/tether

  # zsh (with compinit enabled)
  tether completion zsh > "${fpath[1]}/_tether"

  # fish
  tether completion fish > ~/.config/fish/completions/tether.fish`,
		ValidArgs: []string{"bash", "zsh", "fish"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && (args[0] == "bash" || args[0] == "zsh" || args[0] == "fish") {
				return nil
			}
			return usagef("completion takes one shell: bash, zsh or fish; got %q", args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(s.Out, true)
			case "zsh":
				return root.GenZshCompletion(s.Out)
			}
			return root.GenFishCompletion(s.Out, true)
		},
	}
}

// completeAppNames completes the first argument with the names of the
// Applications in --namespace.
func completeAppNames(o *appOptions) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, err := o.client()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
		defer cancel()
		_, apps, err := c.list(ctx, "")
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var names []cobra.Completion
		for _, a := range apps {
			if strings.HasPrefix(a.Name, toComplete) {
				names = append(names, a.Name)
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
