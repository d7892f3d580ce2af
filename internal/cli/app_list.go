package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/tether-gitops/tether/internal/appview"
)

func newAppListCommand(s Streams, o *appOptions) *cobra.Command {
	var output, selector string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List Applications: what each runs, from where, to where, and whether it matches Git",
		Long: `List the Applications of --namespace with their sync status, health, the
commit they are compared against, their source (repo//path, or chart@version),
destination (cluster/namespace) and when their last sync ended. -o wide adds
the project, the tracked revision, the sync policy and the conditions.`,
		Example: `  tether app list
  tether app list -o wide
  tether app list -l team=payments -o name
  tether app list -o json`,
		Args: noArgs,
		RunE: runApp(func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "", "wide", "json", "yaml", "name"); err != nil {
				return err
			}
			if _, err := labels.Parse(selector); err != nil {
				return usagef("--selector %q: %v", selector, err)
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			raw, apps, err := c.list(cmd.Context(), selector)
			if err != nil {
				return err
			}
			switch output {
			case "json", "yaml":
				return printStructured(s.Out, output, cleanItems(raw.Items))
			case "name":
				return appview.Names(s.Out, apps)
			}
			return appview.List(s.Out, apps, appview.ListOptions{Wide: output == "wide", Now: o.now()})
		}),
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: wide, json, yaml or name")
	cmd.Flags().StringVarP(&selector, "selector", "l", "", "only Applications whose labels match, such as team=payments or 'tier in (web,api)'")
	return cmd
}

// checkOutput refuses an -o value not in allowed.
func checkOutput(output string, allowed ...string) error {
	for _, a := range allowed {
		if output == a {
			return nil
		}
	}
	var names []string
	for _, a := range allowed {
		if a != "" {
			names = append(names, a)
		}
	}
	return usageError(fmt.Errorf("unknown output format %q: use %s", output, strings.Join(names, ", ")))
}

// cleanItems returns the objects without managedFields, as kubectl prints
// them.
func cleanItems(items []unstructured.Unstructured) []map[string]any {
	out := make([]map[string]any, 0, len(items))
	for i := range items {
		out = append(out, withoutManagedFields(&items[i]))
	}
	return out
}

func withoutManagedFields(u *unstructured.Unstructured) map[string]any {
	c := u.DeepCopy()
	unstructured.RemoveNestedField(c.Object, "metadata", "managedFields")
	return c.Object
}
