package cli

import (
	"github.com/spf13/cobra"

	"github.com/tether-gitops/tether/internal/appview"
)

func newAppResourcesCommand(s Streams, o *appOptions) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "resources NAME",
		Short: "List the resources of an Application with their sync status and health",
		Long: `List the resources the Application's status records: group, kind,
namespace, name, sync status, health, and a message (the last operation's
result for the resource, its health message, or that it requires pruning).`,
		Example: `  tether app resources web
  tether app resources web -o yaml`,
		Args:              nameArg(0),
		ValidArgsFunction: completeAppNames(o),
		RunE: runApp(func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "", "wide", "json", "yaml"); err != nil {
				return err
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			_, app, err := c.get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if output == "json" || output == "yaml" {
				return printStructured(s.Out, output, app.Status.Resources)
			}
			return appview.ResourceTable(s.Out, appview.ResourceRows(app))
		}),
	}
	cmd.Flags().StringVarP(&output, "output", "o", "wide", "output format: wide, json or yaml")
	return cmd
}
