package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appview"
	"github.com/tether-gitops/tether/internal/target"
)

// commitTimeout bounds looking up commit details for `get` and `history`,
// which show what they have when Git is slow.
const commitTimeout = 20 * time.Second

func newAppGetCommand(s Streams, o *appOptions) *cobra.Command {
	var (
		output               string
		refresh, hardRefresh bool
	)
	cmd := &cobra.Command{
		Use:   "get NAME",
		Short: "Show what an Application deploys, where, from which commit, and how it stands",
		Long: `Show an Application: its repository and path, the commit it is compared
against with the commit's subject and author (read from Git), its
destination and sync policy, sync status and health, conditions, the last
operation and its result, and a table of its resources. -o tree shows the
objects the resources own beneath them (ReplicaSets, Pods, Jobs) with their
health. -o json and -o yaml print the Application object.`,
		Example: `  tether app get web
  tether app get web -o tree
  tether app get web -o yaml

  # Ask the controller to look at Git and the cluster first
  tether app get web --refresh`,
		Args:              nameArg(0),
		ValidArgsFunction: completeAppNames(o),
		RunE: runApp(func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "", "wide", "json", "yaml", "tree"); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := o.client()
			if err != nil {
				return err
			}
			if kind := refreshKind(refresh, hardRefresh); kind != "" {
				if _, err := c.refresh(ctx, args[0], kind, refreshTimeout); err != nil {
					return err
				}
			}
			u, app, err := c.get(ctx, args[0])
			if err != nil {
				return err
			}
			if output == "json" || output == "yaml" {
				return printStructured(s.Out, output, withoutManagedFields(u))
			}
			return showApp(ctx, s, o, c, app, output == "tree")
		}),
	}
	cmd.Flags().StringVarP(&output, "output", "o", "wide", "output format: wide, tree, json or yaml")
	cmd.Flags().BoolVar(&refresh, "refresh", false, "ask the controller to refresh the Application first")
	cmd.Flags().BoolVar(&hardRefresh, "hard-refresh", false, "ask the controller for a hard refresh first")
	return cmd
}

// showApp prints the summary, conditions, last operation and resources.
func showApp(ctx context.Context, s Streams, o *appOptions, c *appClient, app *appv1.Application, tree bool) error {
	now := o.now()
	details := appview.Details{Now: now}
	details.Commit, details.CommitError = lookupCommit(ctx, o, c, app)
	if err := appview.Summary(s.Out, app, details); err != nil {
		return err
	}
	if len(app.Status.Conditions) > 0 {
		fprintf(s.Out, "\n")
		if err := appview.Conditions(s.Out, app.Status.Conditions, now); err != nil {
			return err
		}
	}
	if app.Status.OperationState != nil {
		fprintf(s.Out, "\n")
		if err := appview.Operation(s.Out, app.Status.OperationState, now); err != nil {
			return err
		}
	}
	if len(app.Status.Resources) == 0 {
		return nil
	}
	fprintf(s.Out, "\n")
	if !tree {
		return appview.ResourceTable(s.Out, appview.ResourceRows(app))
	}
	nodes, err := c.resourceTree(ctx, app)
	if err != nil {
		return err
	}
	return appview.Tree(s.Out, nodes)
}

// lookupCommit describes the commit the Application is compared against,
// or says why it cannot.
func lookupCommit(ctx context.Context, o *appOptions, c *appClient, app *appv1.Application) (*appview.Commit, string) {
	rev := app.Status.Sync.Revision
	src := app.Spec.GetSource()
	if rev == "" || src.RepoURL == "" || target.LooksLikeChart(src) {
		return nil, ""
	}
	store, release, err := o.gitStore(c)
	if err != nil {
		return nil, err.Error()
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	commit, err := commitDetails(ctx, store, src.RepoURL, rev)
	if err != nil {
		return nil, err.Error()
	}
	return commit, ""
}
