package appset

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// DefaultRequeueAfter is how often an ApplicationSet with a git generator
// is generated again when the generator sets no requeueAfterSeconds, as in
// Argo CD.
const DefaultRequeueAfter = 3 * time.Minute

// Repos reads Git repositories; the git source's Store implements it.
type Repos interface {
	// Resolve returns the commit that revision names in repoURL.
	Resolve(ctx context.Context, repoURL, revision string) (string, error)
	// Checkout returns a read-only directory holding the files of commit.
	Checkout(ctx context.Context, repoURL, commit string) (string, error)
}

// Cluster is a destination the clusters generator can target.
type Cluster struct {
	// Name, Server and Project come from the cluster Secret's data.
	Name, Server, Project string
	// Labels and Annotations are the Secret's.
	Labels, Annotations map[string]string
}

// ClusterLister returns the clusters registered as Secrets labelled
// argocd.argoproj.io/secret-type: cluster, in any order. The in-cluster
// destination is added by the generator unless a Secret registers it.
type ClusterLister func(ctx context.Context) ([]Cluster, error)

// Generator generates the Applications of ApplicationSets. Its fields are
// set before the first call; a nil field makes the generators that need it
// fail. It is safe for concurrent use when its fields are.
type Generator struct {
	// Repos serves the git generators.
	Repos Repos
	// Clusters serves the clusters generators.
	Clusters ClusterLister
}

// Result is what Generate produced.
type Result struct {
	// Applications are the generated Applications, sorted by name, ready
	// for server-side apply.
	Applications []*unstructured.Unstructured
	// Revisions maps each repository URL that a git generator read to the
	// commit it read.
	Revisions map[string]string
}

// Error is a failed generation. Reason is one of Argo CD's condition
// reasons (appv1.ApplicationSetReason...), Generator names the generator
// that failed, such as "generators[0] (git https://host/repo.git main)",
// or is empty when no single generator is to blame.
type Error struct {
	Generator string
	Reason    string
	Err       error
}

func (e *Error) Error() string {
	if e.Generator == "" {
		return e.Err.Error()
	}
	return "generator " + e.Generator + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Generate returns the Applications that set, an ApplicationSet as stored
// (unknown fields included), generates, or an *Error. The Applications
// live in set's namespace, are owned by set when it has a UID, and carry
// Argo CD's resources finalizer unless the template sets finalizers or
// preserveResourcesOnDeletion is on. Generate never returns a partial
// result. It does not modify set.
func (g *Generator) Generate(ctx context.Context, set *unstructured.Unstructured) (*Result, error) {
	spec, err := readSpec(set)
	if err != nil {
		return nil, &Error{Reason: appv1.ApplicationSetReasonErrorOccurred, Err: err}
	}
	run := &generation{Generator: g, spec: spec, r: newRenderer(spec.GoTemplate, spec.GoTemplateOptions),
		revisions: map[string]string{}}
	var apps []*unstructured.Unstructured
	for i, raw := range spec.generators {
		got, err := run.generator(ctx, set, fmt.Sprintf("generators[%d]", i), raw)
		if err != nil {
			return nil, err
		}
		apps = append(apps, got...)
	}
	if err := checkNames(apps); err != nil {
		return nil, &Error{Reason: appv1.ApplicationSetReasonApplicationValidationError, Err: err}
	}
	slices.SortFunc(apps, func(a, b *unstructured.Unstructured) int { return strings.Compare(a.GetName(), b.GetName()) })
	return &Result{Applications: apps, Revisions: run.revisions}, nil
}

// generation is the state of one Generate call.
type generation struct {
	*Generator
	spec      *spec
	r         *renderer
	revisions map[string]string
}

// generator produces the Applications of one top-level generator.
func (run *generation) generator(ctx context.Context, set *unstructured.Unstructured, name string, raw map[string]any) ([]*unstructured.Unstructured, error) {
	desc := name + describe(raw)
	sets, err := run.params(ctx, raw, nil, 0)
	if err != nil {
		return nil, &Error{Generator: desc, Reason: appv1.ApplicationSetReasonApplicationParamsGenerationError, Err: err}
	}
	tmpl := mergeTemplate(run.spec.template, generatorTemplate(raw))
	apps := make([]*unstructured.Unstructured, 0, len(sets))
	for _, p := range sets {
		app, err := run.application(set, tmpl, p)
		if err != nil {
			return nil, &Error{Generator: desc, Reason: appv1.ApplicationSetReasonRenderTemplateParamsError, Err: err}
		}
		apps = append(apps, app)
	}
	return apps, nil
}

// describe names a generator's kind and source for messages, such as
// " (git https://host/repo.git main)".
func describe(raw map[string]any) string {
	kind := generatorKinds(raw)
	if len(kind) == 0 {
		return ""
	}
	if git, ok := raw["git"].(map[string]any); ok && len(kind) == 1 {
		repo, _ := git["repoURL"].(string)
		rev, _ := git["revision"].(string)
		return " (" + strings.TrimSpace("git "+redactURL(repo)+" "+rev) + ")"
	}
	return " (" + strings.Join(kind, ", ") + ")"
}

// checkNames fails on an Application without a valid name and on two
// Applications with one name.
func checkNames(apps []*unstructured.Unstructured) error {
	seen := map[string]bool{}
	for _, app := range apps {
		name := app.GetName()
		if seen[name] {
			return fmt.Errorf("two generated Applications are named %q; names must be unique", name)
		}
		seen[name] = true
	}
	return nil
}

// fromMap decodes a JSON-like map into a typed value, ignoring unknown
// fields.
func fromMap(m any, out any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// RequeueAfter returns how soon set should be generated again: the
// smallest requeueAfterSeconds of its git generators, DefaultRequeueAfter
// for git generators without one and for sets without git generators.
func RequeueAfter(set *unstructured.Unstructured) time.Duration {
	gens, _, _ := unstructured.NestedSlice(set.Object, "spec", "generators")
	best := time.Duration(0)
	var visit func(v any)
	visit = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if git, ok := x["git"].(map[string]any); ok {
				if s, ok := git["requeueAfterSeconds"]; ok {
					if d := seconds(s); d > 0 && (best == 0 || d < best) {
						best = d
					}
				}
			}
			for k, item := range x {
				if k != "template" {
					visit(item)
				}
			}
		case []any:
			for _, item := range x {
				visit(item)
			}
		}
	}
	visit(gens)
	if best == 0 {
		return DefaultRequeueAfter
	}
	return best
}

func seconds(v any) time.Duration {
	switch x := v.(type) {
	case int64:
		return time.Duration(x) * time.Second
	case float64:
		return time.Duration(x * float64(time.Second))
	}
	return 0
}

func fromJSON(b []byte, out any) error { return json.Unmarshal(b, out) }
