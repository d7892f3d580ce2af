package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appview"
	"github.com/tether-gitops/tether/internal/diff"
	"github.com/tether-gitops/tether/internal/target"
)

func newAppDiffCommand(s Streams, o *appOptions) *cobra.Command {
	var (
		from                 stateSource
		refresh, hardRefresh bool
		exitCode             bool
	)
	cmd := &cobra.Command{
		Use:   "diff NAME",
		Short: "Show how the cluster differs from what Git (or a local folder) would deploy",
		Long: `Render what the Application would deploy, with the controller's own code,
from the revision it tracks, from --revision, or from the uncommitted files of
--local, and print a unified diff per resource against the live objects. A
resource differs exactly when the controller would call it OutOfSync: only
fields that Git sets count, fields the server defaults never do, and objects
that Git no longer has but the Application deployed are shown as removed.
Secret values are always masked; a value that changed gets a longer mask.

Colour is used on a terminal, unless NO_COLOR is set.

Exit codes, as in Argo CD: 0 no difference, 1 differences found, 2 bad
arguments, 20 any other error.`,
		Example: `  # Does the cluster run what Git says?
  tether app diff web

  # Preview a branch or a pull request's commit before merging it
  tether app diff web --revision feature/bigger-cache

  # Preview uncommitted changes in a working copy
  tether app diff web --local ./charts/web

  # In a script: only the exit code
  tether app diff web >/dev/null; echo $?`,
		Args:              nameArg(0),
		ValidArgsFunction: completeAppNames(o),
		RunE: runApp(func(cmd *cobra.Command, args []string) error {
			if err := checkRevisionFlags(from); err != nil {
				return err
			}
			d := differ{o: o, s: s, from: from, refresh: refreshKind(refresh, hardRefresh)}
			n, err := d.run(cmd, args[0])
			if err != nil || n == 0 || !exitCode {
				return err
			}
			return &ExitError{Code: exitDiffer, Silent: true, Err: fmt.Errorf("application %q: %d resource(s) differ from %s", args[0], n, d.describe())}
		}),
	}
	f := cmd.Flags()
	addRevisionFlags(f, &from, "compare with")
	f.StringVar(&from.local, "local", "", "compare with the files in this folder (the app's directory), committed or not")
	f.StringVar(&from.localRoot, "local-repo-root", "", "the repository root around --local (default: the nearest folder with .git)")
	f.BoolVar(&refresh, "refresh", false, "ask the controller to refresh the Application first")
	f.BoolVar(&hardRefresh, "hard-refresh", false, "ask the controller for a hard refresh (its render cache dropped) first")
	f.BoolVar(&exitCode, "exit-code", true, "exit with 1 when there are differences")
	return cmd
}

// refreshKind is the refresh the flags ask for; "" for none.
func refreshKind(normal, hard bool) appv1.RefreshType {
	switch {
	case hard:
		return appv1.RefreshTypeHard
	case normal:
		return appv1.RefreshTypeNormal
	}
	return ""
}

// refreshTimeout bounds the wait for a refresh the user asked for.
const refreshTimeout = time.Minute

// differ runs `app diff`.
type differ struct {
	o       *appOptions
	s       Streams
	from    stateSource
	refresh appv1.RefreshType
}

// run prints the differences of the Application and returns how many
// resources differ.
func (d *differ) run(cmd *cobra.Command, name string) (int, error) {
	ctx := cmd.Context()
	c, err := d.o.client()
	if err != nil {
		return 0, err
	}
	if d.refresh != "" {
		if _, err := c.refresh(ctx, name, d.refresh, refreshTimeout); err != nil {
			return 0, err
		}
	}
	_, app, err := c.get(ctx, name)
	if err != nil {
		return 0, err
	}
	store, release, err := d.o.gitStore(c)
	if err != nil {
		return 0, err
	}
	defer release()
	want, err := c.desired(ctx, app, store, d.from)
	if err != nil {
		return 0, err
	}
	for _, w := range want.warnings {
		fprintf(d.s.Err, "warning: %s\n", w)
	}
	kinds, nss := scope(app, want.objects)
	state, err := c.live(ctx, kinds, nss)
	if err != nil {
		return 0, err
	}
	// The controller's own options: the same rule decides OutOfSync.
	return printDiffs(d.s.Out, pairUp(want.objects, state, c.instance(app)), target.CompareOptions(app), colorEnabled(d.s.Out))
}

func (d *differ) describe() string {
	switch {
	case d.from.local != "":
		return d.from.local
	case d.from.revision != "":
		return "Git at " + d.from.revision
	}
	return "Git"
}

// printDiffs writes a diff for each pair that the controller would find
// out of sync and returns their number.
func printDiffs(w io.Writer, pairs []resourcePair, opts diff.Options, color bool) (int, error) {
	n := 0
	for _, p := range pairs {
		res, err := diff.Compare(p.desired, p.live, opts)
		if err != nil {
			return n, fmt.Errorf("compare %s: %w", p.key, err)
		}
		if !res.Modified {
			continue
		}
		text, err := diff.Unified(p.desired, p.live, opts)
		if err != nil {
			return n, fmt.Errorf("diff %s: %w", p.key, err)
		}
		if text == "" {
			text = "(differs in " + strings.Join(res.Fields, ", ") + ")\n"
		}
		n++
		if err := appview.Diff(w, p.key.argoName(), text, color); err != nil {
			return n, err
		}
	}
	return n, nil
}

// colorEnabled reports whether to colour output for w: on a terminal,
// unless NO_COLOR is set (https://no-color.org) or TERM is dumb.
func colorEnabled(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(w)
}

// isTerminal reports whether v is an *os.File on a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
