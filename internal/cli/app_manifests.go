package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/diff"
)

func newAppManifestsCommand(s Streams, o *appOptions) *cobra.Command {
	var (
		source string
		from   stateSource
	)
	cmd := &cobra.Command{
		Use:   "manifests NAME",
		Short: "Print the objects an Application deploys, from Git or from the cluster",
		Long: `Print the Application's objects as YAML documents. With --source git (the
default), the objects exactly as the controller would apply them: rendered
from the tracked revision, --revision or --local, namespaced and with Tether's
tracking annotation and label. With --source live, the objects in the cluster
that the Application's status lists. Secret values are always masked.`,
		Example: `  # What Git says, as the controller applies it
  tether app manifests web

  # At a tag, or from a working copy
  tether app manifests web --revision v1.4.0
  tether app manifests web --local ./charts/web

  # A multi-source Application: the chart (source 1) at another version
  tether app manifests web --revision 1.5.0 --source-position 1

  # What runs in the cluster
  tether app manifests web --source live`,
		Args:              nameArg(0),
		ValidArgsFunction: completeAppNames(o),
		RunE: runApp(func(cmd *cobra.Command, args []string) error {
			switch {
			case source != "git" && source != "live":
				return usagef("--source %q: use git or live", source)
			case source == "live" && (from.revision != "" || from.local != "" || len(from.revisions) > 0):
				return usagef("--revision, --revisions and --local apply to --source git only")
			}
			if err := checkRevisionFlags(from); err != nil {
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
			var objs []*unstructured.Unstructured
			if source == "live" {
				objs, err = liveManifests(cmd, c, app)
			} else {
				objs, err = gitManifests(cmd, o, c, app, from, s.Err)
			}
			if err != nil {
				return err
			}
			return printManifests(s.Out, objs)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&source, "source", "git", "where the objects come from: git or live")
	addRevisionFlags(f, &from, "render")
	f.StringVar(&from.local, "local", "", "render the files in this folder (the app's directory), committed or not")
	f.StringVar(&from.localRoot, "local-repo-root", "", "the repository root around --local (default: the nearest folder with .git)")
	return cmd
}

func gitManifests(cmd *cobra.Command, o *appOptions, c *appClient, app *appv1.Application, from stateSource, warn io.Writer) ([]*unstructured.Unstructured, error) {
	store, release, err := o.gitStore(c)
	if err != nil {
		return nil, err
	}
	defer release()
	want, err := c.desired(cmd.Context(), app, store, from)
	if err != nil {
		return nil, err
	}
	for _, w := range want.warnings {
		fprintf(warn, "warning: %s\n", w)
	}
	return want.objects, nil
}

// liveManifests returns the live objects of the resources the status lists,
// in its order.
func liveManifests(cmd *cobra.Command, c *appClient, app *appv1.Application) ([]*unstructured.Unstructured, error) {
	kinds, nss := scope(app, nil)
	state, err := c.live(cmd.Context(), kinds, nss)
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, r := range app.Status.Resources {
		if obj := state[objKey{r.Group, r.Kind, r.Namespace, r.Name}]; obj != nil {
			out = append(out, obj)
		}
	}
	return out, nil
}

// printManifests writes objs as YAML documents, Secret values masked and
// managedFields left out.
func printManifests(w io.Writer, objs []*unstructured.Unstructured) error {
	for _, obj := range objs {
		clean := diff.MaskSecrets(obj)
		unstructured.RemoveNestedField(clean.Object, "metadata", "managedFields")
		b, err := yaml.Marshal(clean.Object)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", obj.GetKind(), obj.GetName(), err)
		}
		if _, err := fmt.Fprintf(w, "---\n%s", b); err != nil {
			return err
		}
	}
	return nil
}
