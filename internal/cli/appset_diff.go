package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/apply"
	"github.com/tether-gitops/tether/internal/appset"
)

var appSetAppsGVR = appv1.GroupVersion.WithResource("applications")

// AppSetDiff is what applying one ApplicationSet would do, as printed by
// `tether appset diff -o json|yaml`.
type AppSetDiff struct {
	ApplicationSet string `json:"applicationSet"`
	Namespace      string `json:"namespace"`
	// Exists reports whether the ApplicationSet is in the cluster already.
	Exists  bool            `json:"exists"`
	Changes []AppSetDiffApp `json:"changes"`
}

// AppSetDiffApp is what applying an ApplicationSet would do to one
// Application.
type AppSetDiffApp struct {
	// Action is create, update, delete, unchanged, kept or conflict.
	Action string `json:"action"`
	Name   string `json:"name"`
	// Reason explains kept and conflict.
	Reason string `json:"reason,omitempty"`
	// Diff is a unified diff of the Application's YAML, from the live
	// object to the one the API server would store (a dry run).
	Diff string `json:"diff,omitempty"`
}

func newAppSetDiffCommand(s Streams) *cobra.Command {
	var (
		src    appSetSource
		output string
	)
	cmd := &cobra.Command{
		Use:   "diff -f FILE",
		Short: "Show what applying an ApplicationSet manifest would create, change and delete",
		Long: `Generate the Applications of the ApplicationSets in FILE, as the controller
would, and compare them with the cluster: which Applications applying FILE
would create, change (with a diff computed by a server-side dry run) and
delete, and which its applicationsSync policy would keep. Nothing is
written to the cluster. Use it to review the blast radius of a change
before applying it.`,
		Example: `  tether appset diff -f applicationset.yaml
  tether appset diff -f applicationset.yaml -o json
  git show HEAD:appsets/microservices.yaml | tether appset diff -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sets, err := src.read(s.In)
			if err != nil {
				return err
			}
			var diffs []AppSetDiff
			for _, set := range sets {
				d, err := diffAppSet(cmd.Context(), &src, s.Err, set)
				if err != nil {
					return fmt.Errorf("applicationset %s: %w", set.GetName(), err)
				}
				diffs = append(diffs, d)
			}
			if output != "" {
				return printStructured(s.Out, output, diffs)
			}
			for _, d := range diffs {
				printAppSetDiff(s.Out, d)
			}
			return nil
		},
	}
	src.add(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or yaml")
	return cmd
}

func diffAppSet(ctx context.Context, src *appSetSource, errOut io.Writer, set *unstructured.Unstructured) (AppSetDiff, error) {
	out := AppSetDiff{ApplicationSet: set.GetName(), Namespace: set.GetNamespace()}
	clients, err := src.cluster()
	if err != nil {
		return out, err
	}
	live, err := clients.dynamic.Resource(appSetsGVR).Namespace(set.GetNamespace()).Get(ctx, set.GetName(), metav1.GetOptions{})
	switch {
	case err == nil:
		out.Exists = true
		set.SetUID(live.GetUID())
	case !apierrors.IsNotFound(err):
		return out, fmt.Errorf("read the live applicationset: %w", err)
	}
	res, err := src.generator(errOut).Generate(ctx, set)
	if err != nil {
		return out, err
	}
	apps, err := clients.dynamic.Resource(appSetAppsGVR).Namespace(set.GetNamespace()).List(ctx, metav1.ListOptions{})
	if err != nil {
		return out, fmt.Errorf("list applications: %w", err)
	}
	liveApps := make([]*unstructured.Unstructured, len(apps.Items))
	for i := range apps.Items {
		liveApps[i] = &apps.Items[i]
	}
	changes, err := appset.Plan(set, res.Applications, liveApps)
	if err != nil {
		return out, err
	}
	applier := &apply.Applier{Dynamic: clients.dynamic, Mapper: clients.mapper, Manager: appset.FieldManager}
	for _, c := range changes {
		entry, err := diffChange(ctx, applier, c)
		if err != nil {
			return out, err
		}
		out.Changes = append(out.Changes, entry)
	}
	return out, nil
}

// diffChange renders one change; creations and updates are dry-run, and an
// update that the API server would store unchanged is reported unchanged.
func diffChange(ctx context.Context, applier *apply.Applier, c appset.Change) (AppSetDiffApp, error) {
	entry := AppSetDiffApp{Action: string(c.Action), Name: c.Name, Reason: c.Reason}
	switch c.Action {
	case appset.ActionCreate, appset.ActionUpdate:
		predicted, err := applier.Apply(ctx, c.Desired, true)
		if err != nil {
			return entry, fmt.Errorf("dry run: %w", err)
		}
		var from map[string]any
		if c.Live != nil {
			from = displayApp(c.Live.Object)
		}
		entry.Diff = unifiedYAML(from, displayApp(predicted.Object), "Application "+c.Name)
		if entry.Diff == "" {
			entry.Action = string(appset.ActionNone)
		}
	case appset.ActionDelete:
		entry.Diff = unifiedYAML(displayApp(c.Live.Object), nil, "Application "+c.Name)
	}
	return entry, nil
}

// displayApp copies an Application without status and server-written
// metadata.
func displayApp(obj map[string]any) map[string]any {
	u := (&unstructured.Unstructured{Object: obj}).DeepCopy()
	delete(u.Object, "status")
	for _, f := range []string{"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp"} {
		unstructured.RemoveNestedField(u.Object, "metadata", f)
	}
	return u.Object
}

func unifiedYAML(from, to map[string]any, name string) string {
	text := func(m map[string]any) []string {
		if m == nil {
			return nil
		}
		b, _ := yaml.Marshal(m)
		return difflib.SplitLines(strings.TrimSuffix(string(b), "\n"))
	}
	a, b := text(from), text(to)
	if strings.Join(a, "") == strings.Join(b, "") {
		return ""
	}
	d, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: a, B: b, FromFile: name + " (live)", ToFile: name + " (after apply)", Context: 3})
	return d
}

func printAppSetDiff(w io.Writer, d AppSetDiff) {
	counts := map[string]int{}
	state := "in the cluster"
	if !d.Exists {
		state = "not in the cluster yet"
	}
	fprintf(w, "ApplicationSet %s/%s (%s)\n", d.Namespace, d.ApplicationSet, state)
	for _, c := range d.Changes {
		counts[c.Action]++
		switch c.Action {
		case string(appset.ActionNone):
			continue
		case string(appset.ActionKeep), string(appset.ActionConflict):
			fprintf(w, "\n%s Application %s: %s\n", c.Action, c.Name, c.Reason)
		default:
			fprintf(w, "\n%s Application %s\n%s", c.Action, c.Name, c.Diff)
		}
	}
	fprintf(w, "\n%d to create, %d to update, %d to delete, %d unchanged", counts["create"], counts["update"], counts["delete"], counts["unchanged"])
	if n := counts["kept"] + counts["conflict"]; n > 0 {
		fprintf(w, ", %d kept", n)
	}
	fprintf(w, "\n")
}
