package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func newAppSetGenerateCommand(s Streams) *cobra.Command {
	var (
		src    appSetSource
		output string
	)
	cmd := &cobra.Command{
		Use:   "generate -f FILE",
		Short: "Print the Applications that an ApplicationSet manifest generates",
		Long: `Run the generators of the ApplicationSets in FILE locally, with the
controller's code, and print the Applications they generate, as the
controller would apply them. Nothing is written to the cluster. A failing
generator fails the command and is named in the error.`,
		Example: `  tether appset generate -f applicationset.yaml
  tether appset generate -f applicationset.yaml -o json
  kubectl get appset microservices -n argocd -o yaml | tether appset generate -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sets, err := src.read(s.In)
			if err != nil {
				return err
			}
			g := src.generator(s.Err)
			var apps []any
			for _, set := range sets {
				res, err := g.Generate(cmd.Context(), set)
				if err != nil {
					return fmt.Errorf("applicationset %s: %w", set.GetName(), err)
				}
				for _, app := range res.Applications {
					apps = append(apps, app.Object)
				}
			}
			return printApplications(s, output, apps)
		},
	}
	src.add(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "yaml", "output format: yaml (one document per Application), json (a List) or name")
	return cmd
}

func printApplications(s Streams, output string, apps []any) error {
	switch output {
	case "yaml":
		for _, app := range apps {
			b, err := yaml.Marshal(app)
			if err != nil {
				return fmt.Errorf("encode yaml: %w", err)
			}
			fprintf(s.Out, "---\n%s", b)
		}
		return nil
	case "name":
		for _, app := range apps {
			fprintf(s.Out, "application/%s\n", (&unstructured.Unstructured{Object: app.(map[string]any)}).GetName())
		}
		return nil
	case "json":
		if apps == nil {
			apps = []any{}
		}
		return printStructured(s.Out, "json", map[string]any{"apiVersion": "v1", "kind": "List", "items": apps})
	}
	return &ExitError{Code: 2, Err: fmt.Errorf("unknown output format %q: use yaml, json or name", output)}
}
