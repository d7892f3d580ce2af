package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-gitops/tether/internal/appview"
)

func newAppRefreshCommand(s Streams, o *appOptions) *cobra.Command {
	var (
		hard    bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "refresh NAME",
		Short: "Make the controller look at Git and the cluster again now",
		Long: `Set Argo CD's refresh annotation on the Application and wait until the
controller has compared it again (it removes the annotation), then print the
result. A refresh asks the repository for the tracked revision at once; a
hard refresh also renders again instead of using the controller's cache.`,
		Example: `  tether app refresh web
  tether app refresh web --hard`,
		Args:              nameArg(0),
		ValidArgsFunction: completeAppNames(o),
		RunE: runApp(func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			app, err := c.refresh(cmd.Context(), args[0], refreshKind(true, hard), timeout)
			if err != nil {
				return err
			}
			fprintf(s.Out, "application %q refreshed: %s, %s\n", app.Name, appview.SyncStatus(app), appview.HealthStatus(app.Status.Health))
			return nil
		}),
	}
	cmd.Flags().BoolVar(&hard, "hard", false, "hard refresh: the controller renders again instead of using its cache")
	timeoutFlag(cmd, &timeout, refreshTimeout)
	return cmd
}
