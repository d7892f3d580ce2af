package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// timeoutValue is a --timeout flag: a duration such as 90s or 5m, or a
// number of seconds as Argo CD's flag takes it. 0 means no timeout.
type timeoutValue struct{ d *time.Duration }

func (v timeoutValue) String() string {
	if v.d == nil || *v.d == 0 {
		return "0"
	}
	return v.d.String()
}

func (v timeoutValue) Set(s string) error {
	d, err := parseTimeout(s)
	if err != nil {
		return err
	}
	*v.d = d
	return nil
}

func (v timeoutValue) Type() string { return "duration" }

// parseTimeout reads a duration, or whole seconds without a unit.
func parseTimeout(s string) (time.Duration, error) {
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration such as 90s or 5m, nor a number of seconds", s)
	}
	return d, nil
}

// timeoutFlag adds --timeout with a default.
func timeoutFlag(cmd *cobra.Command, d *time.Duration, def time.Duration) {
	*d = def
	cmd.Flags().Var(timeoutValue{d}, "timeout", "give up after this long: a duration such as 5m, or seconds as in Argo CD (0: never)")
}

// withTimeout is ctx with a deadline d from now, or without one for 0.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// parseResources reads --resource values, GROUP:KIND:NAME or
// GROUP:KIND:NAMESPACE/NAME (the group is empty for the core group), as
// `argocd app sync` takes them.
func parseResources(values []string) ([]appv1.SyncOperationResource, error) {
	out := make([]appv1.SyncOperationResource, 0, len(values))
	for _, v := range values {
		parts := strings.Split(v, ":")
		if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
			return nil, usagef("--resource %q: want GROUP:KIND:NAME or GROUP:KIND:NAMESPACE/NAME, such as apps:Deployment:web or :Service:prod/web", v)
		}
		res := appv1.SyncOperationResource{Group: parts[0], Kind: parts[1], Name: parts[2]}
		if ns, name, ok := strings.Cut(parts[2], "/"); ok {
			if ns == "" || name == "" || strings.Contains(name, "/") {
				return nil, usagef("--resource %q: the name must be NAME or NAMESPACE/NAME", v)
			}
			res.Namespace, res.Name = ns, name
		}
		out = append(out, res)
	}
	return out, nil
}

// selectResources returns the Application's resources that sel names; it
// fails when some selector matches none of them.
func selectResources(app *appv1.Application, sel []appv1.SyncOperationResource) ([]appv1.SyncOperationResource, error) {
	var out []appv1.SyncOperationResource
	for _, s := range sel {
		found := false
		for _, r := range app.Status.Resources {
			if r.Group == s.Group && r.Kind == s.Kind && r.Name == s.Name && (s.Namespace == "" || s.Namespace == r.Namespace) {
				out = append(out, appv1.SyncOperationResource{Group: r.Group, Kind: r.Kind, Name: r.Name, Namespace: r.Namespace})
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("application %q has no resource %s:%s:%s", app.Name, s.Group, s.Kind, qualified(s.Namespace, s.Name))
		}
	}
	return out, nil
}

func qualified(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}
