package applicationset_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appset"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// Each generator's test names its Applications with its own prefix: every
// ApplicationSet and Application lives in the controller's namespace.

// goTemplateSpec is the head of an ApplicationSet spec with goTemplate and
// missingkey=error.
const goTemplateSpec = `
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]`

// newSet builds an ApplicationSet named name from the YAML of its spec
// (indented by two spaces, starting with a newline).
func newSet(t *testing.T, name, spec string) *unstructured.Unstructured {
	t.Helper()
	return parse(t, "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: "+name+"\nspec:"+spec, "")
}

// appString returns the string at path of Application name, "" when unset.
func appString(t *testing.T, name string, path ...string) string {
	t.Helper()
	s, _, _ := unstructured.NestedString(getApp(t, name).Object, path...)
	return s
}

// checkApps fails unless each Application has the strings given by path
// ("spec.destination.namespace", "metadata.labels.team").
func checkApps(t *testing.T, want map[string]map[string]string) {
	t.Helper()
	for name, fields := range want {
		app := getApp(t, name)
		for path, v := range fields {
			got, _, _ := unstructured.NestedString(app.Object, splitPath(path)...)
			if got != v {
				t.Errorf("application %s: %s is %q, want %q", name, path, got, v)
			}
		}
	}
}

// splitPath splits a dotted path; the key after metadata.labels or
// metadata.annotations is kept whole.
func splitPath(p string) []string {
	parts := strings.SplitN(p, ".", 3)
	if len(parts) == 3 && parts[0] == "metadata" && (parts[1] == "labels" || parts[1] == "annotations") {
		return parts
	}
	return strings.Split(p, ".")
}

// consistently polls cond for the whole of d and fails the first time it
// does not hold.
func consistently(t *testing.T, d time.Duration, what string, cond func(ctx context.Context) (bool, string)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if ok, detail := cond(context.Background()); !ok {
			t.Fatalf("%s no longer holds: %s", what, detail)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// appsRepo is a repository whose folder apps/<name> holds a ConfigMap, for
// the sources of generated Applications that are never synced.
func appsRepo(t *testing.T, names ...string) *gittest.Repo {
	t.Helper()
	files := map[string]string{}
	for _, n := range names {
		files["apps/"+n+"/configmap.yaml"] = configMap(n)
	}
	return gittest.NewServer(t).NewRepo("apps", files)
}

// TestListGenerator renders a list generator with goTemplate (names,
// labels, paths, destinations, the default resources finalizer) and with
// the fasttemplate syntax; an element that lacks a key the template uses
// fails the generation under missingkey=error and changes nothing.
func TestListGenerator(t *testing.T) {
	skipShort(t)
	t.Parallel()
	repo := appsRepo(t, "alpha", "beta")
	set := createSet(t, newSet(t, "list-go", goTemplateSpec+`
  generators:
  - list:
      elements:
      - {name: alpha, team: red}
      - {name: beta, team: blue}
  template:
    metadata:
      name: 'lst-{{.name}}'
      labels: {team: '{{.team}}'}
    spec:
      project: default
      source: {repoURL: `+repo.URL+`, targetRevision: main, path: 'apps/{{.name}}'}
      destination: {server: https://kubernetes.default.svc, namespace: 'lst-{{.name}}-{{.team}}'}
`))
	waitOwned(t, set.GetUID(), "lst-alpha", "lst-beta")
	checkApps(t, map[string]map[string]string{
		"lst-alpha": {"metadata.labels.team": "red", "spec.source.path": "apps/alpha", "spec.destination.namespace": "lst-alpha-red",
			"spec.source.repoURL": repo.URL, "spec.project": "default"},
		"lst-beta": {"metadata.labels.team": "blue", "spec.source.path": "apps/beta", "spec.destination.namespace": "lst-beta-blue"},
	})
	if f := getApp(t, "lst-alpha").GetFinalizers(); len(f) != 1 || f[0] != appv1.ResourcesFinalizerName {
		t.Errorf("finalizers of lst-alpha %v, want the resources finalizer", f)
	}

	// missingkey=error: an element without "team" fails the generation.
	patchSet(t, set.GetName(), `{"spec":{"generators":[{"list":{"elements":[{"name":"alpha","team":"red"},{"name":"gamma"}]}}]}}`)
	msg := waitCondition(t, set.GetName(), appv1.ApplicationSetConditionErrorOccurred, "True", "team")
	if !strings.Contains(msg, "no Application was created, changed or deleted") {
		t.Errorf("condition message %q", msg)
	}
	if names, err := ownedApps(context.Background(), set.GetUID()); err != nil || strings.Join(names, ",") != "lst-alpha,lst-beta" {
		t.Fatalf("applications %v (%v) after a failed generation, want lst-alpha and lst-beta", names, err)
	}

	// The same list in the fasttemplate syntax.
	fast := createSet(t, newSet(t, "list-fast", `
  generators:
  - list:
      elements:
      - {name: gamma, team: green, values: {tier: web}}
  template:
    metadata:
      name: 'lstf-{{name}}'
      labels: {team: '{{team}}', tier: '{{values.tier}}'}
    spec:
      project: default
      source: {repoURL: `+repo.URL+`, targetRevision: main, path: 'apps/{{name}}'}
      destination: {server: https://kubernetes.default.svc, namespace: '{{name}}-{{team}}'}
`))
	waitOwned(t, fast.GetUID(), "lstf-gamma")
	checkApps(t, map[string]map[string]string{
		"lstf-gamma": {"metadata.labels.team": "green", "metadata.labels.tier": "web", "spec.source.path": "apps/gamma",
			"spec.destination.namespace": "gamma-green"},
	})
}

// TestGeneratorSelector filters a generator's parameter sets with
// matchLabels and matchExpressions, and follows a change of the selector.
func TestGeneratorSelector(t *testing.T) {
	skipShort(t)
	t.Parallel()
	repo := appsRepo(t, "one")
	set := createSet(t, newSet(t, "selector", goTemplateSpec+`
  generators:
  - list:
      elements:
      - {name: a, env: prod, tier: web}
      - {name: b, env: prod, tier: db}
      - {name: c, env: dev, tier: web}
      - {name: d, env: prod, tier: cache}
    selector:
      matchLabels: {env: prod}
      matchExpressions:
      - {key: tier, operator: In, values: [web, db]}
  template:
    metadata: {name: 'sel-{{.name}}'}
    spec:
      project: default
      source: {repoURL: `+repo.URL+`, targetRevision: main, path: apps/one}
      destination: {server: https://kubernetes.default.svc, namespace: 'sel-{{.env}}-{{.tier}}'}
`))
	waitOwned(t, set.GetUID(), "sel-a", "sel-b")
	checkApps(t, map[string]map[string]string{"sel-b": {"spec.destination.namespace": "sel-prod-db"}})

	patchSet(t, set.GetName(), `{"spec":{"generators":[{"list":{"elements":[{"name":"a","env":"prod","tier":"web"},{"name":"c","env":"dev","tier":"web"}]},`+
		`"selector":{"matchExpressions":[{"key":"env","operator":"NotIn","values":["prod"]}]}}]}}`)
	waitOwned(t, set.GetUID(), "sel-c")
}

// TestGitFilesGenerator generates one Application per JSON file matched by
// a glob, with the file's nested values and its path parameters, and one
// more once a file is committed.
func TestGitFilesGenerator(t *testing.T) {
	skipShort(t)
	t.Parallel()
	config := func(env, ns string) string {
		return fmt.Sprintf(`{"env":%q,"cluster":{"namespace":%q,"replicas":2}}`, env, ns)
	}
	repo := gittest.NewServer(t).NewRepo("files", map[string]string{
		"envs/dev/config.json":  config("dev", "team-dev"),
		"envs/prod/config.json": config("prod", "team-prod"),
		"envs/prod/other.json":  config("nope", "nope"),
		"README.md":             "not a config\n",
	})
	set := createSet(t, newSet(t, "git-files", goTemplateSpec+`
  generators:
  - git:
      repoURL: `+repo.URL+`
      revision: main
      files:
      - path: 'envs/*/config.json'
  template:
    metadata:
      name: 'files-{{.env}}'
      annotations: {file: '{{.path.filename}}', dir: '{{.path.path}}', replicas: '{{.cluster.replicas}}'}
    spec:
      project: default
      source: {repoURL: `+repo.URL+`, targetRevision: main, path: '{{.path.path}}'}
      destination: {server: https://kubernetes.default.svc, namespace: '{{.cluster.namespace}}'}
`))
	waitOwned(t, set.GetUID(), "files-dev", "files-prod")
	checkApps(t, map[string]map[string]string{
		"files-dev": {"spec.destination.namespace": "team-dev", "spec.source.path": "envs/dev",
			"metadata.annotations.file": "config.json", "metadata.annotations.dir": "envs/dev", "metadata.annotations.replicas": "2"},
		"files-prod": {"spec.destination.namespace": "team-prod", "spec.source.path": "envs/prod"},
	})

	repo.Commit(map[string]string{"envs/qa/config.json": config("qa", "team-qa")})
	refreshSet(t, set.GetName())
	waitOwned(t, set.GetUID(), "files-dev", "files-prod", "files-qa")
	checkApps(t, map[string]map[string]string{"files-qa": {"spec.destination.namespace": "team-qa"}})
}

// createClusterSecret registers a cluster, removed when the test ends.
func createClusterSecret(t *testing.T, name, server string, labels map[string]string) {
	t.Helper()
	labels[appset.SecretTypeLabel] = appset.SecretTypeCluster
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: argocd, Labels: labels,
			Annotations: map[string]string{"owner": "team-" + name}},
		StringData: map[string]string{"name": name, "server": server, "config": `{"bearerToken":"not-a-real-token"}`},
	}
	if _, err := cluster.Client.CoreV1().Secrets(argocd).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create cluster secret %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cluster.Client.CoreV1().Secrets(argocd).Delete(context.Background(), name, metav1.DeleteOptions{})
	})
}

// TestClustersGenerator registers clusters as Secrets: without a selector
// the generator yields the in-cluster destination and every cluster; with
// one, the clusters whose labels match, with their labels and annotations
// as parameters in both template syntaxes; relabelling a Secret changes
// the Applications. It is not parallel: the clusters generator sees every
// cluster Secret of the namespace, and no other test of the package
// creates any.
func TestClustersGenerator(t *testing.T) {
	skipShort(t)
	repo := appsRepo(t, "one")
	// Unreachable servers: the Applications are never synced.
	createClusterSecret(t, "staging", "https://127.0.0.1:1", map[string]string{"env": "staging"})
	createClusterSecret(t, "prod-east", "https://127.0.0.2:1", map[string]string{"env": "prod", "region": "east"})
	// No resources finalizer: the Applications of unreachable clusters
	// could not be finalized once the test ends.
	tmpl := func(name, server, ns string) string {
		return `
  syncPolicy: {preserveResourcesOnDeletion: true}
  template:
    metadata:
      name: '` + name + `'
    spec:
      project: default
      source: {repoURL: ` + repo.URL + `, targetRevision: main, path: apps/one}
      destination: {server: '` + server + `', namespace: '` + ns + `'}
`
	}

	all := createSet(t, newSet(t, "clusters-all", goTemplateSpec+`
  generators:
  - clusters: {}`+tmpl("cl-{{.nameNormalized}}", "{{.server}}", "clusters")))
	waitOwned(t, all.GetUID(), "cl-in-cluster", "cl-prod-east", "cl-staging")
	checkApps(t, map[string]map[string]string{
		"cl-in-cluster": {"spec.destination.server": appset.InClusterServer},
		"cl-staging":    {"spec.destination.server": "https://127.0.0.1:1"},
	})

	selected := createSet(t, newSet(t, "clusters-go", goTemplateSpec+`
  generators:
  - clusters:
      selector:
        matchLabels: {env: prod}
      values: {suffix: blue}`+tmpl("clg-{{.name}}-{{.values.suffix}}", "{{.server}}",
		`{{index .metadata.labels "region"}}-{{index .metadata.annotations "owner"}}`)))
	waitOwned(t, selected.GetUID(), "clg-prod-east-blue")
	checkApps(t, map[string]map[string]string{
		"clg-prod-east-blue": {"spec.destination.server": "https://127.0.0.2:1", "spec.destination.namespace": "east-team-prod-east"},
	})

	fast := createSet(t, newSet(t, "clusters-fast", `
  generators:
  - clusters:
      selector:
        matchExpressions:
        - {key: env, operator: In, values: [staging, prod]}`+tmpl("clf-{{name}}", "{{server}}", "{{metadata.labels.env}}")))
	waitOwned(t, fast.GetUID(), "clf-prod-east", "clf-staging")
	checkApps(t, map[string]map[string]string{
		"clf-staging":   {"spec.destination.namespace": "staging", "spec.destination.server": "https://127.0.0.1:1"},
		"clf-prod-east": {"spec.destination.namespace": "prod"},
	})

	// A relabelled cluster Secret reaches the ApplicationSets by its watch.
	patch := `{"metadata":{"labels":{"env":"prod"}}}`
	if _, err := cluster.Client.CoreV1().Secrets(argocd).Patch(context.Background(), "staging", "application/merge-patch+json", []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitOwned(t, selected.GetUID(), "clg-prod-east-blue", "clg-staging-blue")
	clustertest.Poll(t, 30*time.Second, "clf-staging deployed to namespace prod", func(ctx context.Context) (bool, error) {
		app, err := dyn.Resource(appsGVR).Namespace(argocd).Get(ctx, "clf-staging", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		ns, _, _ := unstructured.NestedString(app.Object, "spec", "destination", "namespace")
		return ns == "prod", nil
	})
}

// TestMatrixGenerator combines git directories with a list whose elements
// use the directories' parameters.
func TestMatrixGenerator(t *testing.T) {
	skipShort(t)
	t.Parallel()
	repo := appsRepo(t, "web", "api")
	set := createSet(t, newSet(t, "matrix", goTemplateSpec+`
  generators:
  - matrix:
      generators:
      - git:
          repoURL: `+repo.URL+`
          revision: main
          directories:
          - path: 'apps/*'
      - list:
          elements:
          - {env: dev, owner: 'team-{{.path.basename}}'}
          - {env: prod, owner: 'ops-{{.path.basename}}'}
  template:
    metadata:
      name: 'mx-{{.path.basename}}-{{.env}}'
      labels: {owner: '{{.owner}}'}
    spec:
      project: default
      source: {repoURL: `+repo.URL+`, targetRevision: main, path: '{{.path.path}}'}
      destination: {server: https://kubernetes.default.svc, namespace: '{{.path.basename}}-{{.env}}'}
`))
	waitOwned(t, set.GetUID(), "mx-api-dev", "mx-api-prod", "mx-web-dev", "mx-web-prod")
	checkApps(t, map[string]map[string]string{
		"mx-api-dev":  {"metadata.labels.owner": "team-api", "spec.source.path": "apps/api", "spec.destination.namespace": "api-dev"},
		"mx-web-prod": {"metadata.labels.owner": "ops-web", "spec.source.path": "apps/web", "spec.destination.namespace": "web-prod"},
	})
}

// TestMergeGenerator overrides the base generator's parameters with a
// second's, by merge key; sets only the second generator has are dropped.
func TestMergeGenerator(t *testing.T) {
	skipShort(t)
	t.Parallel()
	repo := appsRepo(t, "one")
	set := createSet(t, newSet(t, "merge", goTemplateSpec+`
  generators:
  - merge:
      mergeKeys: [name]
      generators:
      - list:
          elements:
          - {name: a, replicas: '1', zone: north}
          - {name: b, replicas: '1', zone: north}
      - list:
          elements:
          - {name: b, replicas: '3'}
          - {name: z, replicas: '9'}
  template:
    metadata:
      name: 'mrg-{{.name}}'
      annotations: {replicas: '{{.replicas}}', zone: '{{.zone}}'}
    spec:
      project: default
      source: {repoURL: `+repo.URL+`, targetRevision: main, path: apps/one}
      destination: {server: https://kubernetes.default.svc, namespace: merge}
`))
	waitOwned(t, set.GetUID(), "mrg-a", "mrg-b")
	checkApps(t, map[string]map[string]string{
		"mrg-a": {"metadata.annotations.replicas": "1", "metadata.annotations.zone": "north"},
		"mrg-b": {"metadata.annotations.replicas": "3", "metadata.annotations.zone": "north"},
	})
}
