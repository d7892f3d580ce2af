package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func newAppTerminateOpCommand(s Streams, o *appOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "terminate-op NAME",
		Short: "Stop the Application's running operation",
		Long: `Ask the controller to stop the operation in progress, as 'argocd app
terminate-op' does: a sync waiting for a wave to become healthy or for its
next retry ends Failed with "Operation terminated", and what it applied
stays. Exits 1 when no operation is running.`,
		Example: `  tether app terminate-op web
  tether app get web   # Phase: Failed, Message: Operation terminated`,
		Args:              nameArg(0),
		ValidArgsFunction: completeAppNames(o),
		RunE: runApp(func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			_, app, err := c.get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if app.Operation == nil {
				return &ExitError{Code: 1, Err: fmt.Errorf("%s: %w", c.what(args[0]), errors.New("no operation is in progress"))}
			}
			// The same request as Argo CD's API server makes, with the
			// resourceVersion read, so that an operation finishing meanwhile
			// is not marked.
			patch := fmt.Sprintf(`{"metadata":{"resourceVersion":%q},"status":{"operationState":{"phase":%q}}}`,
				app.ResourceVersion, appv1.OperationTerminating)
			if _, err := c.apps().Patch(cmd.Context(), args[0], types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
				return apiError(err, "terminate the operation of", c.what(args[0]), c.server)
			}
			fprintf(s.Out, "application %q: operation terminating\n", app.Name)
			return nil
		}),
	}
}
