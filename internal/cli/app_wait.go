package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appview"
)

func newAppWaitCommand(s Streams, o *appOptions) *cobra.Command {
	var opts waitOptions
	cmd := &cobra.Command{
		Use:   "wait NAME",
		Short: "Wait until an Application is synced, healthy and has no operation running",
		Long: `Watch an Application until the conditions the flags name hold: --sync
(Synced), --health (Healthy), --operation (no operation pending or running,
and the controller has looked at the Application since the last one ended).
Without any of them, all three. Resources are printed as they change. A
resource that turns Degraded while --health is awaited ends the wait with an
error, as in Argo CD.`,
		Example: `  # Synced, healthy and idle
  tether app wait web

  # Only healthy, for at most five minutes
  tether app wait web --health --timeout 5m`,
		Args:              nameArg(0),
		ValidArgsFunction: completeAppNames(o),
		RunE: runApp(func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			w := &waiter{c: c, out: s.Out, now: o.now, opts: opts.orAll()}
			_, err = w.run(cmd.Context(), args[0])
			return err
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&opts.sync, "sync", false, "wait until Synced")
	f.BoolVar(&opts.health, "health", false, "wait until Healthy")
	f.BoolVar(&opts.operation, "operation", false, "wait until no operation is pending or running")
	timeoutFlag(cmd, &opts.timeout, 0)
	return cmd
}

// waitOptions say what to wait for.
type waitOptions struct {
	sync, health, operation bool
	// timeout ends the wait with an error; 0 waits forever.
	timeout time.Duration
}

// orAll is o, or all conditions when none is set, as in Argo CD.
func (o waitOptions) orAll() waitOptions {
	if !o.sync && !o.health && !o.operation {
		o.sync, o.health, o.operation = true, true, true
	}
	return o
}

// satisfied reports whether app meets the conditions.
func (o waitOptions) satisfied(app *appv1.Application) bool {
	return (!o.sync || app.Status.Sync.Status == appv1.SyncStatusCodeSynced) &&
		(!o.health || app.Status.Health.Status == appv1.HealthStatusHealthy) &&
		(!o.operation || !operationInProgress(app))
}

// operationInProgress reports whether an operation is pending or running,
// or ended without the controller having compared the Application since.
func operationInProgress(app *appv1.Application) bool {
	if app.Operation != nil {
		return true
	}
	st := app.Status.OperationState
	switch {
	case st == nil:
		return false
	case st.FinishedAt == nil || !st.Phase.IsCompleted():
		return true
	case st.Operation.Sync != nil && st.Operation.Sync.DryRun:
		return false
	}
	return app.Status.ReconciledAt == nil || app.Status.ReconciledAt.Before(st.FinishedAt)
}

// waiter follows an Application, printing its resources as they change,
// until the wait options hold.
type waiter struct {
	c    *appClient
	out  io.Writer
	now  func() time.Time
	opts waitOptions
	// what describes the wait in errors, such as "the sync of".
	what     string
	progress *appview.Progress
	health   map[string]string
	// refresh is set once an operation that changes the cluster was seen:
	// the Application is refreshed before its final state is printed, so
	// that it is compared with Git again, as `argocd app wait` does.
	refresh bool
}

// run waits for the Application and prints its final state. A timeout or a
// resource turning Degraded is an error that says what was still missing.
func (w *waiter) run(ctx context.Context, name string) (*appv1.Application, error) {
	w.progress, w.health = appview.NewProgress(w.out), map[string]string{}
	wctx, cancel := withTimeout(ctx, w.opts.timeout)
	defer cancel()
	app, err := w.c.follow(wctx, name, w.step)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		if fresh, gerr := w.fresh(ctx, name); gerr == nil {
			app = fresh
		}
		w.final(app)
		return app, fmt.Errorf("timed out after %s waiting for %s%s: %s", w.opts.timeout, w.what, w.c.what(name), pending(app, w.opts))
	}
	if err == nil && w.refresh {
		if fresh, rerr := w.c.refresh(ctx, name, appv1.RefreshTypeNormal, refreshTimeout); rerr == nil {
			app = fresh
		}
	}
	if app != nil {
		w.final(app)
	}
	return app, err
}

// step prints what changed and decides whether the wait is over.
func (w *waiter) step(app *appv1.Application) (bool, error) {
	if op := app.Operation; op != nil && (op.Sync == nil || !op.Sync.DryRun) {
		w.refresh = true
	}
	rows := appview.ResourceRows(app)
	if err := w.progress.Update(rows, w.now()); err != nil {
		return false, err
	}
	if err := w.degraded(app, rows); err != nil {
		return false, err
	}
	return w.opts.satisfied(app), nil
}

// degraded fails the wait for health when a resource turns Degraded.
func (w *waiter) degraded(app *appv1.Application, rows []appview.ResourceRow) error {
	for _, r := range rows {
		prev, seen := w.health[r.Key()]
		if r.Health != "" {
			w.health[r.Key()] = r.Health
		}
		if w.opts.health && seen && r.Health == string(appv1.HealthStatusDegraded) &&
			prev != string(appv1.HealthStatusDegraded) && prev != string(appv1.HealthStatusUnknown) && prev != "" {
			return fmt.Errorf("application %q: %s %s went from %s to Degraded: %s", app.Name, r.Kind, r.Name, prev, r.Message)
		}
	}
	return nil
}

func (w *waiter) fresh(ctx context.Context, name string) (*appv1.Application, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, app, err := w.c.get(ctx, name)
	return app, err
}

// final prints the Application's state at the end of the wait.
func (w *waiter) final(app *appv1.Application) {
	if app == nil {
		return
	}
	now := w.now()
	fprintf(w.out, "\n")
	_ = appview.Summary(w.out, app, appview.Details{Now: now})
	if w.opts.operation && app.Status.OperationState != nil {
		fprintf(w.out, "\n")
		_ = appview.Operation(w.out, app.Status.OperationState, now)
	}
	if rows := appview.ResourceRows(app); len(rows) > 0 {
		fprintf(w.out, "\n")
		_ = appview.ResourceTable(w.out, rows)
	}
}

// pending says which conditions do not hold yet.
func pending(app *appv1.Application, o waitOptions) string {
	if app == nil {
		return "the application could not be read"
	}
	var out []string
	if o.operation && operationInProgress(app) {
		phase := "pending"
		if st := app.Status.OperationState; st != nil {
			phase = strings.ToLower(string(st.Phase))
		}
		out = append(out, "operation "+phase)
	}
	if o.sync && app.Status.Sync.Status != appv1.SyncStatusCodeSynced {
		out = append(out, "sync status "+statusOr(string(app.Status.Sync.Status)))
	}
	if o.health && app.Status.Health.Status != appv1.HealthStatusHealthy {
		out = append(out, "health "+statusOr(string(app.Status.Health.Status)))
	}
	return strings.Join(out, ", ")
}

func statusOr(s string) string {
	if s == "" {
		return "Unknown"
	}
	return s
}
