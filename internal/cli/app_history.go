package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appview"
	"github.com/tether-gitops/tether/internal/target"
)

func newAppHistoryCommand(s Streams, o *appOptions) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "history NAME",
		Short: "List an Application's deployments with their commits' subjects and authors",
		Long: `List the deployments that the Application's status.history records, oldest
first: the ID (as Argo CD numbers them, for 'tether app rollback'), when the
sync finished, the revision, and the subject and author of its commit, read
from Git. When Git cannot be read, the commit details are left out with a
warning.`,
		Example: `  tether app history web
  tether app history web -o id`,
		Args:              nameArg(0),
		ValidArgsFunction: completeAppNames(o),
		RunE: runApp(func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "", "wide", "id"); err != nil {
				return err
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			_, app, err := c.get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			rows := make([]appview.HistoryRow, 0, len(app.Status.History))
			for _, h := range app.Status.History {
				rows = append(rows, appview.HistoryRow{Entry: h})
			}
			if output == "id" {
				return appview.HistoryIDs(s.Out, rows)
			}
			if err := describeHistory(cmd.Context(), o, c, app, rows); err != nil {
				fprintf(s.Err, "warning: commit details unavailable: %v\n", oneLineError{err})
			}
			return appview.History(s.Out, rows, time.Local)
		}),
	}
	cmd.Flags().StringVarP(&output, "output", "o", "wide", "output format: wide or id")
	return cmd
}

// describeHistory fills in the commits of rows from Git; it stops at the
// first failure.
func describeHistory(ctx context.Context, o *appOptions, c *appClient, app *appv1.Application, rows []appview.HistoryRow) error {
	if len(rows) == 0 {
		return nil
	}
	store, release, err := o.gitStore(c)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	seen := map[string]*appview.Commit{}
	for i := range rows {
		h := rows[i].Entry
		repo := h.Source.RepoURL
		if repo == "" {
			repo = app.Spec.GetSource().RepoURL
		}
		if h.Revision == "" || repo == "" || target.LooksLikeChart(h.Source) || h.Source.RepoURL == "" && target.LooksLikeChart(app.Spec.GetSource()) {
			continue // a chart version has no commit to describe
		}
		key := repo + "@" + h.Revision
		if _, ok := seen[key]; !ok {
			commit, err := commitDetails(ctx, store, repo, h.Revision)
			if err != nil {
				return err
			}
			seen[key] = commit
		}
		rows[i].Commit = seen[key]
	}
	return nil
}
