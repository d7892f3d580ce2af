package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/duration"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appset"
)

var appSetsGVR = appv1.GroupVersion.WithResource("applicationsets")

func newAppSetListCommand(s Streams) *cobra.Command {
	var (
		kube      kubeFlags
		namespace string
		output    string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List ApplicationSets: generators, policy, Applications and status",
		Example: `  tether appset list
  tether appset list -n argocd -o yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			clients, err := kube.clients()
			if err != nil {
				return err
			}
			list, err := clients.dynamic.Resource(appSetsGVR).Namespace(namespace).List(cmd.Context(), metav1.ListOptions{})
			if err != nil {
				return fmt.Errorf("list applicationsets in %s: %w", namespace, err)
			}
			if output != "" {
				return printStructured(s.Out, output, list.UnstructuredContent())
			}
			return printAppSetTable(s, list.Items)
		},
	}
	kube.add(cmd)
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "argocd", "namespace of the ApplicationSets")
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or yaml")
	return cmd
}

func printAppSetTable(s Streams, sets []unstructured.Unstructured) error {
	if len(sets) == 0 {
		fprintf(s.Err, "No ApplicationSets found.\n")
		return nil
	}
	w := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fprintf(w, "NAME\tGENERATORS\tPOLICY\tAPPLICATIONS\tSTATUS\tAGE\tMESSAGE\n")
	for i := range sets {
		set := &sets[i]
		status, msg := appSetStatus(set)
		policy, err := appset.Policy(set)
		if err != nil {
			policy = "invalid"
		}
		resources, _, _ := unstructured.NestedSlice(set.Object, "status", "resources")
		fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", set.GetName(), appSetGeneratorKinds(set), policy,
			len(resources), status, appSetAge(set), truncate(msg, 100))
	}
	return w.Flush()
}

// appSetStatus summarizes the conditions: Error (with the message),
// UpToDate, or Unknown before the controller's first reconcile.
func appSetStatus(set *unstructured.Unstructured) (string, string) {
	conds, _, _ := unstructured.NestedSlice(set.Object, "status", "conditions")
	status := "Unknown"
	for _, c := range conds {
		m, _ := c.(map[string]any)
		switch {
		case m["type"] == string(appv1.ApplicationSetConditionErrorOccurred) && m["status"] == "True":
			msg, _ := m["message"].(string)
			return "Error", msg
		case m["type"] == string(appv1.ApplicationSetConditionResourcesUpToDate) && m["status"] == "True":
			status = "UpToDate"
		}
	}
	return status, ""
}

// appSetGeneratorKinds lists the kinds of the top-level generators.
func appSetGeneratorKinds(set *unstructured.Unstructured) string {
	gens, _, _ := unstructured.NestedSlice(set.Object, "spec", "generators")
	var kinds []string
	for _, g := range gens {
		m, _ := g.(map[string]any)
		for _, k := range sortedMapKeys(m) {
			if k != "selector" {
				kinds = append(kinds, k)
			}
		}
	}
	if len(kinds) == 0 {
		return "-"
	}
	return strings.Join(kinds, ",")
}

func sortedMapKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

func appSetAge(obj *unstructured.Unstructured) string {
	t := obj.GetCreationTimestamp()
	if t.IsZero() {
		return "-"
	}
	return duration.HumanDuration(time.Since(t.Time))
}

func truncate(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
