package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tether-gitops/tether/internal/appset"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

func newAppSetGetCommand(s Streams) *cobra.Command {
	var (
		kube      kubeFlags
		namespace string
		output    string
	)
	cmd := &cobra.Command{
		Use:   "get NAME",
		Short: "Show an ApplicationSet: generators, policy, conditions and Applications",
		Example: `  tether appset get microservices
  tether appset get microservices -o yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clients, err := kube.clients()
			if err != nil {
				return err
			}
			set, err := clients.dynamic.Resource(appSetsGVR).Namespace(namespace).Get(cmd.Context(), args[0], metav1.GetOptions{})
			if err != nil {
				return fmt.Errorf("get applicationset %s/%s: %w", namespace, args[0], err)
			}
			if output != "" {
				return printStructured(s.Out, output, set.Object)
			}
			return printAppSet(s, set)
		},
	}
	kube.add(cmd)
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "argocd", "namespace of the ApplicationSet")
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or yaml")
	return cmd
}

func printAppSet(s Streams, set *unstructured.Unstructured) error {
	policy, err := appset.Policy(set)
	if err != nil {
		policy = "invalid"
	}
	preserve, _, _ := unstructured.NestedBool(set.Object, "spec", "syncPolicy", "preserveResourcesOnDeletion")
	goTemplate, _, _ := unstructured.NestedBool(set.Object, "spec", "goTemplate")
	w := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fprintf(w, "Name:\t%s\n", set.GetName())
	fprintf(w, "Namespace:\t%s\n", set.GetNamespace())
	fprintf(w, "Generators:\t%s\n", strings.Join(appSetGeneratorLines(set), "\n\t"))
	fprintf(w, "Go template:\t%v\n", goTemplate)
	fprintf(w, "Policy:\t%s\n", policy)
	fprintf(w, "Preserve resources:\t%v\n", preserve)
	fprintf(w, "Refresh:\tevery %s\n", appset.RequeueAfter(set))
	if err := w.Flush(); err != nil {
		return err
	}
	conds, _, _ := unstructured.NestedSlice(set.Object, "status", "conditions")
	fprintf(s.Out, "\n")
	w = tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fprintf(w, "CONDITION\tSTATUS\tREASON\tMESSAGE\n")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		fprintf(w, "%v\t%v\t%v\t%v\n", m["type"], m["status"], m["reason"], m["message"])
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return printAppSetResources(s, set)
}

func printAppSetResources(s Streams, set *unstructured.Unstructured) error {
	resources, _, _ := unstructured.NestedSlice(set.Object, "status", "resources")
	fprintf(s.Out, "\n")
	w := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fprintf(w, "APPLICATION\tSYNC\tHEALTH\n")
	for _, r := range resources {
		m, _ := r.(map[string]any)
		health, _, _ := unstructured.NestedString(m, "health", "status")
		fprintf(w, "%v\t%v\t%v\n", m["name"], orDash(m["status"]), orDash(health))
	}
	return w.Flush()
}

func orDash(v any) string {
	if s, _ := v.(string); s != "" {
		return s
	}
	return "-"
}

// appSetGeneratorLines describes each top-level generator on one line.
func appSetGeneratorLines(set *unstructured.Unstructured) []string {
	gens, _, _ := unstructured.NestedSlice(set.Object, "spec", "generators")
	var out []string
	for _, g := range gens {
		m, _ := g.(map[string]any)
		out = append(out, describeAppSetGenerator(m))
	}
	if len(out) == 0 {
		return []string{"-"}
	}
	return out
}

func describeAppSetGenerator(m map[string]any) string {
	if git, ok := m["git"].(map[string]any); ok {
		var what []string
		for _, key := range []string{"directories", "files"} {
			items, _ := git[key].([]any)
			for _, it := range items {
				im, _ := it.(map[string]any)
				p := fmt.Sprint(im["path"])
				if ex, _ := im["exclude"].(bool); ex {
					p = "!" + p
				}
				what = append(what, p)
			}
			if len(items) > 0 {
				what[len(what)-len(items)] = key + " " + what[len(what)-len(items)]
			}
		}
		repoURL, _ := git["repoURL"].(string)
		return fmt.Sprintf("git %s %v (%s)", gitsource.Redact(repoURL), orDash(git["revision"]), strings.Join(what, ", "))
	}
	if list, ok := m["list"].(map[string]any); ok {
		elements, _ := list["elements"].([]any)
		return fmt.Sprintf("list (%d elements)", len(elements))
	}
	kinds := sortedMapKeys(m)
	return strings.Join(kinds, ", ")
}
