package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appview"
)

func newAppRollbackCommand(s Streams, o *appOptions) *cobra.Command {
	op := operationFlags{verb: "rollback"}
	cmd := &cobra.Command{
		Use:   "rollback NAME [ID]",
		Short: "Sync an Application back to a deployment of its history",
		Long: `Sync the Application to the revision (and source) of a status.history entry,
by its ID as 'tether app history' shows it; without an ID, to the deployment
before the last one. The Application then shows OutOfSync, since Git still
says otherwise.

Like Argo CD, it refuses when automated sync is on: the controller would sync
the Application forward again at once. Roll back in Git instead
('git revert'), which is the GitOps way, or turn automated sync off first.`,
		Example: `  # Back to the deployment before the last one
  tether app rollback web

  # Back to history entry 3, deleting what it did not have
  tether app history web
  tether app rollback web 3 --prune`,
		Args:              nameArg(1),
		ValidArgsFunction: completeAppNames(o),
		RunE: runApp(func(cmd *cobra.Command, args []string) error {
			id := int64(-1)
			if len(args) > 1 {
				n, err := strconv.ParseInt(args[1], 10, 64)
				if err != nil || n < 0 {
					return usagef("history ID %q is not a number; see 'tether app history %s'", args[1], args[0])
				}
				id = n
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			build := func(app *appv1.Application) (appv1.Operation, error) {
				return rollbackOperation(app, id, op)
			}
			return op.run(cmd.Context(), c, s.Out, args[0], o.now, build)
		}),
	}
	op.add(cmd)
	return cmd
}

// rollbackOperation is the operation that syncs app to history entry id
// (-1: the one before the last), or Argo CD's reason to refuse.
func rollbackOperation(app *appv1.Application, id int64, f operationFlags) (appv1.Operation, error) {
	if app.Spec.SyncPolicy.IsAutomated() {
		return appv1.Operation{}, fmt.Errorf("rollback of application %q refused: automated sync is on and would sync it forward to %s again at once; "+
			"roll back in Git with 'git revert <commit>' and push, or turn automated sync off (remove spec.syncPolicy.automated) and run the rollback again",
			app.Name, trackedRevision(app))
	}
	h, err := historyEntry(app, id)
	if err != nil {
		return appv1.Operation{}, err
	}
	sop := &appv1.SyncOperation{Revision: h.Revision, Revisions: h.Revisions, Sources: h.Sources, Prune: f.prune, DryRun: f.dryRun}
	if len(h.Revisions) > 0 {
		// A multi-source deployment: every source back to its revision.
		sop.Revision = ""
	} else if h.Source.RepoURL != "" {
		src := h.Source
		sop.Source = &src
	}
	return appv1.Operation{Sync: sop}, nil
}

// historyEntry finds history entry id, or the one before the last for -1.
func historyEntry(app *appv1.Application, id int64) (appv1.RevisionHistory, error) {
	hist := app.Status.History
	if id < 0 {
		if len(hist) < 2 {
			return appv1.RevisionHistory{}, fmt.Errorf("application %q has %d deployment(s) in its history: a rollback needs an earlier one", app.Name, len(hist))
		}
		return hist[len(hist)-2], nil
	}
	for _, h := range hist {
		if h.ID == id {
			return h, nil
		}
	}
	if len(hist) == 0 {
		return appv1.RevisionHistory{}, fmt.Errorf("application %q has no deployment history", app.Name)
	}
	return appv1.RevisionHistory{}, fmt.Errorf("application %q has no deployment with id %d in its history (ids %d to %d)", app.Name, id, hist[0].ID, hist[len(hist)-1].ID)
}

// trackedRevision is the revision an Application follows, with the commit
// it resolved to.
func trackedRevision(app *appv1.Application) string {
	target := app.Spec.GetSource().TargetRevision
	if target == "" {
		target = "HEAD"
	}
	if rev := app.Status.Sync.Revision; rev != "" && rev != target {
		return target + " (" + appview.ShortSHA(rev) + ")"
	}
	return target
}
