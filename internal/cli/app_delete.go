package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func newAppDeleteCommand(s Streams, o *appOptions) *cobra.Command {
	d := deletion{s: s, cascade: true}
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an Application, and by default everything it deployed",
		Long: `Delete the Application. With --cascade (the default) the controller first
deletes every resource the Application deployed, through Argo CD's resources
finalizer, which this command adds when missing; with --cascade=false the
finalizer is removed and the resources stay in the cluster.

A cascading delete asks for confirmation when stdin is a terminal, unless
--yes is given. --wait waits until the Application is gone.`,
		Example: `  # Delete the app and its resources, after confirming
  tether app delete web

  # In a script
  tether app delete web --yes --wait

  # Stop managing the resources but leave them running
  tether app delete web --cascade=false`,
		Args:              nameArg(0),
		ValidArgsFunction: completeAppNames(o),
		RunE: runApp(func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			return d.run(cmd.Context(), c, args[0])
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&d.cascade, "cascade", true, "delete the resources the Application deployed too")
	f.BoolVarP(&d.yes, "yes", "y", false, "do not ask for confirmation")
	f.BoolVar(&d.wait, "wait", false, "wait until the Application is gone")
	timeoutFlag(cmd, &d.timeout, 0)
	return cmd
}

// deletion is `app delete` with its flags.
type deletion struct {
	s                  Streams
	cascade, yes, wait bool
	timeout            time.Duration
}

func (d *deletion) run(ctx context.Context, c *appClient, name string) error {
	u, _, err := c.get(ctx, name)
	if err != nil {
		return err
	}
	if d.cascade && !d.yes && isTerminal(d.s.In) {
		if !confirm(d.s.In, d.s.Out, fmt.Sprintf("Are you sure you want to delete application %q and all its resources? [y/n] ", name)) {
			fprintf(d.s.Out, "deletion of application %q cancelled\n", name)
			return nil
		}
	}
	if err := c.setCascade(ctx, u, d.cascade); err != nil {
		return err
	}
	if err := c.apps().Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		return apiError(err, "delete", c.what(name), c.server)
	}
	if d.wait {
		if err := c.waitGone(ctx, name, d.timeout); err != nil {
			return err
		}
	}
	fprintf(d.s.Out, "application %q deleted\n", name)
	return nil
}

// resourceFinalizers are Argo CD's finalizers that make the controller
// delete an Application's resources.
var resourceFinalizers = []string{appv1.ResourcesFinalizerName, appv1.ForegroundPropagationPolicyFinalizer, appv1.BackgroundPropagationPolicyFinalizer}

// setCascade adds the resources finalizer for a cascading delete, or
// removes every resources finalizer for a non-cascading one.
func (c *appClient) setCascade(ctx context.Context, u *unstructured.Unstructured, cascade bool) error {
	fins := u.GetFinalizers()
	has := slices.ContainsFunc(fins, func(f string) bool { return slices.Contains(resourceFinalizers, f) })
	var next []string
	switch {
	case cascade && has, !cascade && !has:
		return nil
	case cascade:
		next = append(slices.Clone(fins), appv1.ResourcesFinalizerName)
	default:
		next = slices.DeleteFunc(slices.Clone(fins), func(f string) bool { return slices.Contains(resourceFinalizers, f) })
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"finalizers": next, "resourceVersion": u.GetResourceVersion()}})
	if err != nil {
		return err
	}
	_, err = c.apps().Patch(ctx, u.GetName(), types.MergePatchType, patch, metav1.PatchOptions{})
	return apiError(err, "set the finalizers of", c.what(u.GetName()), c.server)
}

// waitGone waits until the Application no longer exists.
func (c *appClient) waitGone(ctx context.Context, name string, timeout time.Duration) error {
	ctx, cancel := withTimeout(ctx, timeout)
	defer cancel()
	_, err := c.follow(ctx, name, func(*appv1.Application) (bool, error) { return false, nil })
	var deleted deletedError
	switch {
	case err == nil, errors.As(err, &deleted), apierrors.IsNotFound(err):
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%s is still being deleted after %s: its resources may be slow to go, or the controller is not running", c.what(name), timeout)
	}
	return err
}

// confirm asks question on out and reads a yes or no from in.
func confirm(in io.Reader, out io.Writer, question string) bool {
	r := bufio.NewReader(in)
	for {
		fprintf(out, "%s", question)
		line, err := r.ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return true
		case "n", "no":
			return false
		}
		if err != nil {
			return false
		}
	}
}
