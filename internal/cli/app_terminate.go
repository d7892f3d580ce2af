package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"

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
			app, err := terminateOperation(cmd.Context(), c, args[0])
			if err != nil {
				return err
			}
			fprintf(s.Out, "application %q: operation terminating\n", app.Name)
			return nil
		}),
	}
}

// terminateOperation marks the running operation of the Application name
// Terminating, with the same request as Argo CD's API server makes: a merge
// patch carrying the resourceVersion read, so that an operation finishing
// meanwhile is not marked. The controller writes status while the operation
// runs, so a conflict reads the Application again and retries, as Argo CD's
// API server does. With no operation running it returns an ExitError of
// code 1.
func terminateOperation(ctx context.Context, c *appClient, name string) (*appv1.Application, error) {
	var app *appv1.Application
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		if _, app, err = c.get(ctx, name); err != nil {
			return err
		}
		if app.Operation == nil {
			return &ExitError{Code: 1, Err: fmt.Errorf("%s: %w", c.what(name), errors.New("no operation is in progress"))}
		}
		patch := fmt.Sprintf(`{"metadata":{"resourceVersion":%q},"status":{"operationState":{"phase":%q}}}`,
			app.ResourceVersion, appv1.OperationTerminating)
		_, err = c.apps().Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		return err
	})
	var exit *ExitError
	switch {
	case errors.As(err, &exit):
		return nil, err
	case err != nil:
		return nil, apiError(err, "terminate the operation of", c.what(name), c.server)
	}
	return app, nil
}
