package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Streams are the standard streams a command uses.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// ExitError carries a process exit code other than 1 through Run.
type ExitError struct {
	Code int
	Err  error
	// Silent asks main not to print Err: the exit code says it all, as
	// `app diff` exiting 1 when there are differences.
	Silent bool
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the process exit code for err: 0 for nil, an ExitError's code,
// 1 otherwise.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return 1
}

// Silent reports whether err should not be printed (see ExitError.Silent).
func Silent(err error) bool {
	var e *ExitError
	return errors.As(err, &e) && e.Silent
}

// Run runs tether with args (without the program name). It returns the
// error to report; the caller prints it and picks the exit code with ExitCode.
func Run(ctx context.Context, args []string, s Streams) error {
	root := newRootCommand(s)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

func newRootCommand(s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "tether",
		Short: "GitOps continuous delivery for Kubernetes, compatible with Argo CD's manifests",
		Long: `Tether keeps a Kubernetes cluster equal to what Git says it should run.
It reads Argo CD's Application, ApplicationSet and AppProject manifests.`,
		Example: `  # Start a local control plane to try tether on
  tether dev up

  # Print the version
  tether version`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.AddCommand(newVersionCommand(s), newDevCommand(s), newControllerCommand(s), newInstallCommand(s),
		newAppCommand(s), newAppSetCommand(s), newBumpCommand(s))
	root.AddCommand(newCompletionCommand(s))
	return root
}

// fprintf writes to w and ignores the error: a closed stdout is not worth a
// second error.
func fprintf(w io.Writer, format string, args ...any) {
	_, _ = fmt.Fprintf(w, format, args...)
}
