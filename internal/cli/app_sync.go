package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func newAppSyncCommand(s Streams, o *appOptions) *cobra.Command {
	var resources []string
	op := operationFlags{verb: "sync", checkPrune: true}
	cmd := &cobra.Command{
		Use:   "sync NAME",
		Short: "Deploy what Git says now: start a sync operation and follow it",
		Long: `Start a sync through the Application's operation field, as 'argocd app
sync' does, then follow it: resources are printed as they are applied and as
their health changes, then the operation's result. The controller does the
work; this command only asks and watches.

The exit code is 1 when the operation fails (or leaves resources that require
pruning without --prune), and 20 when it cannot be started or --timeout
passes. With automated sync on, --revision may only name the revision the
Application tracks (except with --dry-run), as in Argo CD.`,
		Example: `  # Sync to the tracked revision and wait for the result
  tether app sync web

  # Sync an older commit, deleting what Git no longer has
  tether app sync web --revision 3f2a9c1 --prune

  # Preview only: a server-side dry run of every apply
  tether app sync web --dry-run

  # Only the Deployment and the Service
  tether app sync web --resource apps:Deployment:web --resource :Service:web

  # Start and return at once
  tether app sync web --async

  # Retry a failed sync up to 3 times, 10s, 20s then 40s later
  tether app sync web --retry-limit 3 --retry-backoff-duration 5s`,
		Args:              nameArg(0),
		ValidArgsFunction: completeAppNames(o),
		RunE: runApp(func(cmd *cobra.Command, args []string) error {
			sel, err := parseResources(resources)
			if err != nil {
				return err
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			build := func(app *appv1.Application) (appv1.Operation, error) {
				return syncOperation(app, op, sel)
			}
			return op.run(cmd.Context(), c, s.Out, args[0], o.now, build)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&op.revision, "revision", "", "sync to this branch, tag or commit instead of the tracked revision")
	f.StringArrayVar(&resources, "resource", nil, "sync only this resource, GROUP:KIND:NAME or GROUP:KIND:NAMESPACE/NAME (repeatable)")
	f.Int64Var(&op.retry.limit, "retry-limit", 0, "retry a failed sync this many times (negative: without limit); 0 uses spec.syncPolicy.retry")
	f.DurationVar(&op.retry.duration, "retry-backoff-duration", 5*time.Second, "wait before the first retry is this times the factor")
	f.DurationVar(&op.retry.maxDuration, "retry-backoff-max-duration", 3*time.Minute, "longest wait between retries")
	f.Int64Var(&op.retry.factor, "retry-backoff-factor", 2, "each retry waits this many times longer")
	f.BoolVar(&op.retry.refresh, "retry-refresh", false, "each retry syncs the latest revision, not the first attempt's")
	op.add(cmd)
	return cmd
}

// operationFlags are the flags of the commands that start an operation.
type operationFlags struct {
	revision      string
	prune, dryRun bool
	async         bool
	timeout       time.Duration
	// verb names the operation in messages: sync or rollback.
	verb string
	// checkPrune fails a whole-app sync that leaves resources requiring
	// pruning, as `argocd app sync` does.
	checkPrune bool
	// retry is the retry strategy asked for on the command line.
	retry retryFlags
}

// retryFlags are `app sync`'s --retry-* flags.
type retryFlags struct {
	limit, factor         int64
	duration, maxDuration time.Duration
	refresh               bool
}

// strategy is the operation's retry strategy: the flags' when they ask for
// retries, else the Application's spec.syncPolicy.retry, as Argo CD's API
// server fills it in.
func (f retryFlags) strategy(app *appv1.Application) appv1.RetryStrategy {
	if f.limit != 0 {
		factor := f.factor
		return appv1.RetryStrategy{Limit: f.limit, Refresh: f.refresh, Backoff: &appv1.Backoff{
			Duration: f.duration.String(), Factor: &factor, MaxDuration: f.maxDuration.String(),
		}}
	}
	if p := app.Spec.SyncPolicy; p != nil && p.Retry != nil {
		return *p.Retry
	}
	return appv1.RetryStrategy{}
}

func (f *operationFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.prune, "prune", false, "delete resources that Git no longer has")
	fl.BoolVar(&f.dryRun, "dry-run", false, "dry-run every apply and deletion: change nothing")
	fl.BoolVar(&f.async, "async", false, "return once the operation is started, without waiting")
	timeoutFlag(cmd, &f.timeout, 0)
}

// syncOperation is the operation `app sync` starts on app, or the reason
// Argo CD would refuse it.
func syncOperation(app *appv1.Application, f operationFlags, sel []appv1.SyncOperationResource) (appv1.Operation, error) {
	if err := refuseRevisionOverride(app, f.revision, f.dryRun); err != nil {
		return appv1.Operation{}, err
	}
	op := appv1.Operation{Sync: &appv1.SyncOperation{Revision: f.revision, Prune: f.prune, DryRun: f.dryRun}, Retry: f.retry.strategy(app)}
	if len(sel) > 0 {
		res, err := selectResources(app, sel)
		if err != nil {
			return appv1.Operation{}, err
		}
		op.Sync.Resources = res
	}
	return op, nil
}

// refuseRevisionOverride refuses, as Argo CD does, a sync of an automated
// Application to another revision than the one it tracks: the controller
// would sync it back at once.
func refuseRevisionOverride(app *appv1.Application, revision string, dryRun bool) error {
	if !app.Spec.SyncPolicy.IsAutomated() || revision == "" || dryRun {
		return nil
	}
	target := app.Spec.GetSource().TargetRevision
	if target == "" {
		target = "HEAD"
	}
	if revision == target {
		return nil
	}
	return fmt.Errorf("cannot sync application %q to %s: automated sync is on and tracks %s; push %s to %s, or turn automated sync off (remove spec.syncPolicy.automated) first",
		app.Name, revision, target, revision, target)
}

// run starts the operation build returns, then (unless --async) follows it
// until it ends and judges its result.
func (f *operationFlags) run(ctx context.Context, c *appClient, out io.Writer, name string, now func() time.Time, build func(*appv1.Application) (appv1.Operation, error)) error {
	verb := f.verb
	user := c.username(ctx)
	started, err := c.startOperation(ctx, name, func(app *appv1.Application) (appv1.Operation, error) {
		op, err := build(app)
		op.InitiatedBy = appv1.OperationInitiator{Username: user}
		return op, err
	})
	if err != nil {
		return err
	}
	fprintf(out, "%s of application %q started%s\n", capitalize(verb), name, describeOperation(started.Operation))
	if f.async {
		return nil
	}
	w := &waiter{c: c, out: out, now: now, opts: waitOptions{operation: true, timeout: f.timeout}, what: "the " + verb + " of "}
	app, err := w.run(ctx, name)
	if err != nil {
		return err
	}
	sop := started.Operation.Sync
	return operationResult(app, verb, !f.checkPrune || sop.Prune || sop.DryRun || len(sop.Resources) > 0)
}

// describeOperation says what a sync operation asks for, after "started".
func describeOperation(op *appv1.Operation) string {
	if op == nil || op.Sync == nil {
		return ""
	}
	var opts []string
	if op.Sync.Revision != "" {
		opts = append(opts, "revision "+op.Sync.Revision)
	}
	if op.Sync.Prune {
		opts = append(opts, "prune")
	}
	if op.Sync.DryRun {
		opts = append(opts, "dry run")
	}
	if n := len(op.Sync.Resources); n > 0 {
		opts = append(opts, fmt.Sprintf("%d resource(s)", n))
	}
	if len(opts) == 0 {
		return ""
	}
	return " (" + strings.Join(opts, ", ") + ")"
}

// operationResult is nil when the last operation succeeded and left
// nothing to prune (unless pruning was not expected), else an error with
// exit code 1 that says why.
func operationResult(app *appv1.Application, verb string, pruneIgnored bool) error {
	st := app.Status.OperationState
	if st == nil {
		return fmt.Errorf("the %s of application %q ended without a result: the operation was removed", verb, app.Name)
	}
	if st.Phase != appv1.OperationSucceeded {
		return &ExitError{Code: exitDiffer, Err: fmt.Errorf("the %s of application %q %s: %s", verb, app.Name, strings.ToLower(string(st.Phase)), st.Message)}
	}
	if pruneIgnored || app.Status.Sync.Status == appv1.SyncStatusCodeSynced || st.SyncResult == nil {
		return nil
	}
	n := 0
	for _, r := range st.SyncResult.Resources {
		if r.Status == appv1.ResultCodePruneSkipped {
			n++
		}
	}
	if n > 0 {
		return &ExitError{Code: exitDiffer, Err: fmt.Errorf("application %q: %d resource(s) require pruning; sync with --prune to delete them", app.Name, n)}
	}
	return nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
