package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Exit codes of `tether app`, as `argocd app` has them.
const (
	// exitDiffer means `app diff` found differences, or an operation that
	// `app sync` or `app rollback` waited for did not succeed.
	exitDiffer = 1
	// exitUsage means bad arguments or flags.
	exitUsage = 2
	// exitError is any other error: Argo CD's ErrorGeneric.
	exitError = 20
)

// appOptions are the flags that every `tether app` command shares.
type appOptions struct {
	kube      kubeFlags
	namespace string
	repoCache string
	// warn receives the API server's warnings.
	warn io.Writer
	// now is the clock; tests may replace it.
	now func() time.Time
}

func newAppCommand(s Streams) *cobra.Command {
	o := &appOptions{now: time.Now, warn: s.Err}
	cmd := &cobra.Command{
		Use:   "app",
		Short: "Show, diff, sync, wait for, roll back and delete Applications",
		Long: `Work with Argo CD Applications through the Kubernetes API, with the verbs,
flags and exit codes of 'argocd app'. No Tether API server is needed: the
commands read and write Applications with your kubeconfig, and read Git
(with the repository Secrets of --namespace, when you may read them) to
describe commits and to render what Git would deploy.

Exit codes:
  0   success
  1   app diff: differences found; app sync, app rollback: the operation failed
  2   bad arguments or flags
  20  any other error (Application missing, cluster unreachable, request
      denied, timeout, ...)`,
		Example: `  # What runs where, and is it what Git says?
  tether app list
  tether app get web

  # Preview an uncommitted change against the cluster
  tether app diff web --local ./charts/web

  # Deploy, then wait until healthy
  tether app sync web && tether app wait web --health`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for %q; see '%s --help'", args[0], cmd.CommandPath(), cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&o.kube.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	pf.StringVar(&o.kube.context, "context", "", "kubeconfig context to use")
	pf.StringVarP(&o.namespace, "namespace", "n", "argocd", "namespace where Applications and repository Secrets live")
	pf.StringVar(&o.repoCache, "repo-cache-dir", "", "where Git repositories are cached (default: tether's cache directory)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	cmd.AddCommand(
		newAppListCommand(s, o), newAppGetCommand(s, o), newAppDiffCommand(s, o),
		newAppSyncCommand(s, o), newAppWaitCommand(s, o), newAppHistoryCommand(s, o),
		newAppRollbackCommand(s, o), newAppManifestsCommand(s, o), newAppResourcesCommand(s, o),
		newAppRefreshCommand(s, o), newAppTerminateOpCommand(s, o), newAppDeleteCommand(s, o),
	)
	return cmd
}

// usageError marks err as bad usage (exit code 2).
func usageError(err error) error {
	return &ExitError{Code: exitUsage, Err: err}
}

// usagef is a usage error with a formatted message.
func usagef(format string, args ...any) error {
	return usageError(fmt.Errorf(format, args...))
}

// nameArg accepts exactly one argument, the Application's name; extra
// allows that many more optional arguments.
func nameArg(extra int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= 1 && len(args) <= 1+extra {
			return nil
		}
		return usagef("%s takes %s, got %d argument(s); see '%s --help'",
			cmd.CommandPath(), strings.TrimPrefix(cmd.Use, cmd.Name()+" "), len(args), cmd.CommandPath())
	}
}

// noArgs refuses arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return usagef("%s takes no arguments, got %q; see '%s --help'", cmd.CommandPath(), args, cmd.CommandPath())
}

// runApp wraps a command's work: errors without an exit code become one
// clear line with Argo CD's generic code 20.
func runApp(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		return withExitCode(fn(cmd, args))
	}
}
