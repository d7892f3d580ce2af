package cli

import (
	"github.com/spf13/cobra"
)

func newAppSetCommand(s Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "appset",
		Aliases: []string{"appsets", "applicationset", "applicationsets"},
		Short:   "Inspect ApplicationSets and preview what they generate",
		Long: `Inspect the ApplicationSets in the cluster, print the Applications that an
ApplicationSet manifest generates, and show what applying it would create,
change and delete before it is applied: the blast radius of a change.

generate and diff run the generators locally with the same code as the
controller: git generators read the repositories (with the credentials of
Argo CD's repository Secrets when the cluster is reachable), clusters
generators read the cluster Secrets.`,
		Example: `  # The ApplicationSets of the argocd namespace
  tether appset list

  # One ApplicationSet, with its conditions and Applications
  tether appset get microservices

  # The Applications a manifest generates
  tether appset generate -f applicationset.yaml

  # What applying it would change in the cluster
  tether appset diff -f applicationset.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newAppSetListCommand(s), newAppSetGetCommand(s), newAppSetGenerateCommand(s), newAppSetDiffCommand(s))
	return cmd
}
