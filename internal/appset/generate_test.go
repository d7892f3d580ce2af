package appset

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

const testRepo = "https://git.example.com/gitops.git"

// fakeRepos serves testdata/repo as every commit of testRepo; other URLs
// are unreachable.
type fakeRepos struct{ root string }

var errUnreachable = errors.New("repository unreachable: connection refused")

func (f fakeRepos) Resolve(_ context.Context, repoURL, revision string) (string, error) {
	if repoURL != testRepo {
		return "", errUnreachable
	}
	return strings.Repeat("a", 40), nil
}

func (f fakeRepos) Checkout(_ context.Context, repoURL, commit string) (string, error) {
	return f.root, nil
}

func testGenerator(t *testing.T) *Generator {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("testdata", "repo"))
	if err != nil {
		t.Fatal(err)
	}
	clusters := []Cluster{
		{Name: "staging", Server: "https://staging.example.com", Labels: map[string]string{"env": "staging"}},
		{Name: "Prod EU", Server: "https://prod-eu.example.com", Project: "prod",
			Labels: map[string]string{"env": "prod"}, Annotations: map[string]string{"team": "payments"}},
	}
	return &Generator{
		Repos:    fakeRepos{root: root},
		Clusters: func(context.Context) ([]Cluster, error) { return clusters, nil },
	}
}

// parseSet reads an ApplicationSet manifest into the namespace argocd.
func parseSet(t *testing.T, manifest string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &u.Object); err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	if u.GetNamespace() == "" {
		u.SetNamespace("argocd")
	}
	return u
}

// manifest wraps a spec into an ApplicationSet manifest.
func manifest(spec string) string {
	return "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: test\nspec:\n" + indent(spec)
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// summarize prints the name of each Application and the given fields
// (dotted paths), as "name: field=value ...".
func summarize(apps []*unstructured.Unstructured, fields []string) []string {
	var out []string
	for _, app := range apps {
		parts := []string{app.GetName() + ":"}
		for _, f := range fields {
			v, ok := get(app.Object, strings.Split(f, "."))
			if !ok {
				v = "<none>"
			}
			parts = append(parts, fmt.Sprintf("%s=%v", f[strings.LastIndex(f, ".")+1:], v))
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

const dirTemplate = `template:
  metadata:
    name: "{{path.basename}}"
  spec:
    project: default
    source:
      repoURL: https://git.example.com/gitops.git
      path: "{{path}}"
    destination:
      server: https://kubernetes.default.svc
      namespace: "{{path.basename}}"
`

func TestGenerate(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		fields  []string
		want    []string
		wantErr string
	}{
		{
			name: "git directories",
			spec: `generators:
- git:
    repoURL: https://git.example.com/gitops.git
    revision: main
    directories:
    - path: apps/prod/*
` + dirTemplate,
			fields: []string{"spec.source.path", "spec.destination.namespace", "metadata.namespace"},
			want: []string{
				"api: path=apps/prod/api namespace=api namespace=argocd",
				"web: path=apps/prod/web namespace=web namespace=argocd",
			},
		},
		{
			name: "git directories with exclude",
			spec: `generators:
- git:
    repoURL: https://git.example.com/gitops.git
    directories:
    - path: apps/*/*
    - path: apps/odd/*
      exclude: true
    - path: apps/staging/*
      exclude: true
template:
  metadata:
    name: "{{path[1]}}-{{path.basename}}"
  spec:
    source:
      path: "{{path}}"
`,
			fields: []string{"spec.source.path"},
			want:   []string{"prod-api: path=apps/prod/api", "prod-web: path=apps/prod/web"},
		},
		{
			name: "git directories: path segments, normalized basename, prefix and values",
			spec: `generators:
- git:
    repoURL: https://git.example.com/gitops.git
    pathParamPrefix: app
    values:
      owner: "team-{{app.path[1]}}"
    directories:
    - path: apps/odd/*
template:
  metadata:
    name: "{{app.path.basenameNormalized}}"
    labels:
      segment0: "{{app.path[0]}}"
      owner: "{{values.owner}}"
  spec:
    source:
      path: "{{app.path}}"
`,
			fields: []string{"metadata.labels.segment0", "metadata.labels.owner", "spec.source.path"},
			want:   []string{"my-app: segment0=apps owner=team-odd path=apps/odd/My_App"},
		},
		{
			name: "git files, flattened",
			spec: `generators:
- git:
    repoURL: https://git.example.com/gitops.git
    files:
    - path: "clusters/**/config.*"
template:
  metadata:
    name: "{{cluster.name}}"
    annotations:
      file: "{{path.filename}}"
      dir: "{{path}}"
      first-zone: "{{zones.0}}"
  spec:
    destination:
      server: "{{cluster.address}}"
    source:
      helm:
        parameters:
        - name: replicas
          value: "{{replicas}}"
`,
			fields: []string{"metadata.annotations.file", "metadata.annotations.dir", "metadata.annotations.first-zone", "spec.destination.server", "spec.source.helm.parameters.0.value"},
			want: []string{
				"dev-1: file=config.yaml dir=clusters/dev first-zone={{zones.0}} server=https://dev1.example.com value=1",
				"dev-2: file=config.yaml dir=clusters/dev first-zone={{zones.0}} server=https://dev2.example.com value=1",
				"prod: file=config.json dir=clusters/prod first-zone=a server=https://prod.example.com value=3",
			},
		},
		{
			name: "git files with goTemplate",
			spec: `goTemplate: true
goTemplateOptions: ["missingkey=error"]
generators:
- git:
    repoURL: https://git.example.com/gitops.git
    files:
    - path: "clusters/*/config.json"
template:
  metadata:
    name: '{{.cluster.name}}-{{index .path.segments 1}}'
    labels:
      replicas: '{{.replicas}}'
      file: '{{.path.filenameNormalized}}'
  spec:
    destination:
      server: '{{.cluster.address}}'
`,
			fields: []string{"metadata.labels.replicas", "metadata.labels.file", "spec.destination.server"},
			want:   []string{"prod-prod: replicas=3 file=config.json server=https://prod.example.com"},
		},
		{
			name: "git files: exclude",
			spec: `generators:
- git:
    repoURL: https://git.example.com/gitops.git
    files:
    - path: "clusters/**"
    - path: "clusters/dev/*"
      exclude: true
template:
  metadata:
    name: "{{cluster.name}}"
`,
			want: []string{"prod:"},
		},
		{
			name: "goTemplate with Sprig and Argo CD's functions",
			spec: `goTemplate: true
generators:
- git:
    repoURL: https://git.example.com/gitops.git
    directories:
    - path: apps/odd/*
template:
  metadata:
    name: '{{ .path.basename | normalize }}'
    labels:
      upper: '{{ .path.basename | upper }}'
      slug: '{{ slugify 5 false "Hello World Again" }}'
      path: '{{ .path.path | replace "/" "-" }}'
    annotations:
      yaml: '{{ toYaml (dict "a" 1) }}'
      fromYaml: '{{ (fromYaml "b: two").b }}'
`,
			fields: []string{"metadata.labels.upper", "metadata.labels.slug", "metadata.labels.path", "metadata.annotations.yaml", "metadata.annotations.fromYaml"},
			want:   []string{"my-app: upper=MY_APP slug=hello path=apps-odd-My_App yaml=a: 1 fromYaml=two"},
		},
		{
			name: "goTemplate missingkey=error",
			spec: `goTemplate: true
goTemplateOptions: ["missingkey=error"]
generators:
- list:
    elements:
    - cluster: a
template:
  metadata:
    name: '{{.cluster}}-{{.missing}}'
`,
			wantErr: `generator generators[0] (list): execute template "{{.cluster}}-{{.missing}}"`,
		},
		{
			name: "list with values",
			spec: `generators:
- list:
    elements:
    - cluster: engineering-dev
      url: https://kubernetes.default.svc
      replicas: 2
      values:
        env: dev
template:
  metadata:
    name: "{{cluster}}-guestbook"
  spec:
    destination:
      server: "{{ url }}"
      namespace: "{{values.env}}-{{replicas}}"
`,
			fields: []string{"spec.destination.server", "spec.destination.namespace"},
			want:   []string{"engineering-dev-guestbook: server=https://kubernetes.default.svc namespace=dev-2"},
		},
		{
			name: "list with goTemplate, nested values and elementsYaml",
			spec: `goTemplate: true
generators:
- list:
    elements:
    - cluster: {name: one, zones: [a, b]}
    elementsYaml: |
      - cluster: {name: two, zones: [c]}
template:
  metadata:
    name: '{{.cluster.name}}'
    labels:
      zones: '{{join "-" .cluster.zones}}'
`,
			fields: []string{"metadata.labels.zones"},
			want:   []string{"one: zones=a-b", "two: zones=c"},
		},
		{
			name: "clusters: in-cluster and Secrets, with values",
			spec: `generators:
- clusters:
    values:
      where: "{{name}}@{{server}}"
template:
  metadata:
    name: "{{nameNormalized}}"
    labels:
      team: "{{metadata.annotations.team}}"
      env: "{{metadata.labels.env}}"
  spec:
    project: "{{project}}"
    destination:
      server: "{{server}}"
    info:
    - name: where
      value: "{{values.where}}"
`,
			fields: []string{"metadata.labels.env", "metadata.labels.team", "spec.project", "spec.info.0.value"},
			want: []string{
				"in-cluster: env={{metadata.labels.env}} team={{metadata.annotations.team}} project={{project}} value=in-cluster@https://kubernetes.default.svc",
				"prod-eu: env=prod team=payments project=prod value=Prod EU@https://prod-eu.example.com",
				"staging: env=staging team={{metadata.annotations.team}} project={{project}} value=staging@https://staging.example.com",
			},
		},
		{
			name: "clusters: a selector leaves out the in-cluster destination",
			spec: `goTemplate: true
generators:
- clusters:
    selector:
      matchExpressions:
      - {key: env, operator: In, values: [prod, staging]}
template:
  metadata:
    name: '{{.nameNormalized}}'
    labels:
      env: '{{.metadata.labels.env}}'
`,
			fields: []string{"metadata.labels.env"},
			want:   []string{"prod-eu: env=prod", "staging: env=staging"},
		},
		{
			name: "matrix: git directories times clusters, the second using the first",
			spec: `generators:
- matrix:
    generators:
    - git:
        repoURL: https://git.example.com/gitops.git
        directories:
        - path: apps/prod/*
    - list:
        elements:
        - cluster: east
          ns: "{{path.basename}}-east"
        - cluster: west
          ns: "{{path.basename}}-west"
template:
  metadata:
    name: "{{path.basename}}-{{cluster}}"
  spec:
    destination:
      namespace: "{{ns}}"
`,
			fields: []string{"spec.destination.namespace"},
			want: []string{
				"api-east: namespace=api-east", "api-west: namespace=api-west",
				"web-east: namespace=web-east", "web-west: namespace=web-west",
			},
		},
		{
			name: "matrix: a parameter with two values is an error",
			spec: `generators:
- matrix:
    generators:
    - list:
        elements: [{name: a}]
    - list:
        elements: [{name: b}]
template:
  metadata:
    name: "{{name}}"
`,
			wantErr: `generator generators[0] (matrix): matrix: generators[1]: parameter "name" has two values, "a" and "b"`,
		},
		{
			name: "matrix nested in matrix",
			spec: `goTemplate: true
generators:
- matrix:
    generators:
    - list:
        elements: [{a: "1"}, {a: "2"}]
    - matrix:
        generators:
        - list:
            elements: [{b: x}]
        - list:
            elements: [{c: "{{.a}}"}]
template:
  metadata:
    name: 'n{{.a}}{{.b}}{{.c}}'
`,
			want: []string{"n1x1:", "n2x2:"},
		},
		{
			name: "matrix and merge nest at most two levels",
			spec: `generators:
- matrix:
    generators:
    - list: {elements: [{a: "1"}]}
    - matrix:
        generators:
        - list: {elements: [{b: "1"}]}
        - merge:
            mergeKeys: [b]
            generators:
            - list: {elements: [{b: "1"}]}
            - list: {elements: [{b: "1"}]}
template:
  metadata:
    name: x
`,
			wantErr: "merge: matrix and merge generators nest at most two levels deep",
		},
		{
			name: "merge: later generators override by merge key",
			spec: `generators:
- merge:
    mergeKeys: [server]
    generators:
    - clusters:
        values:
          kafka: "true"
    - list:
        elements:
        - server: https://staging.example.com
          values.kafka: "false"
        - server: https://unknown.example.com
          values.kafka: "never"
template:
  metadata:
    name: "{{nameNormalized}}"
    labels:
      kafka: "{{values.kafka}}"
`,
			fields: []string{"metadata.labels.kafka"},
			want:   []string{"in-cluster: kafka=true", "prod-eu: kafka=true", "staging: kafka=false"},
		},
		{
			name: "merge: duplicate keys in a later generator are an error",
			spec: `generators:
- merge:
    mergeKeys: [k]
    generators:
    - list: {elements: [{k: a}]}
    - list: {elements: [{k: a}, {k: a}]}
template:
  metadata:
    name: "{{k}}"
`,
			wantErr: `merge: generators[1] has two parameter sets with merge key {"k":"a"}`,
		},
		{
			name: "selector on a generator",
			spec: `generators:
- list:
    elements:
    - {name: a, env: prod}
    - {name: b, env: dev}
  selector:
    matchLabels:
      env: prod
template:
  metadata:
    name: "{{name}}"
`,
			want: []string{"a:"},
		},
		{
			name: "generator template overrides the ApplicationSet's",
			spec: `generators:
- list:
    elements: [{name: a}]
    template:
      metadata: {}
      spec:
        project: special
- list:
    elements: [{name: b}]
template:
  metadata:
    name: "{{name}}"
  spec:
    project: default
    destination:
      namespace: "{{name}}"
`,
			fields: []string{"spec.project", "spec.destination.namespace"},
			want:   []string{"a: project=special namespace=a", "b: project=default namespace=b"},
		},
		{
			name: "templatePatch",
			spec: `goTemplate: true
generators:
- list:
    elements:
    - {name: a, auto: true}
    - {name: b, auto: false}
template:
  metadata:
    name: '{{.name}}'
  spec:
    project: default
templatePatch: |
  {{- if .auto }}
  spec:
    syncPolicy:
      automated:
        prune: true
  {{- end }}
  metadata:
    labels:
      patched: "yes"
`,
			fields: []string{"spec.syncPolicy.automated.prune", "metadata.labels.patched", "spec.project"},
			want:   []string{"a: prune=true patched=yes project=default", "b: prune=<none> patched=yes project=default"},
		},
		{
			name: "unknown tags stay, as in Argo CD",
			spec: `generators:
- list:
    elements: [{name: a}]
template:
  metadata:
    name: "{{name}}"
    annotations:
      note: "{{ unknown }} and {{name}}"
`,
			fields: []string{"metadata.annotations.note"},
			want:   []string{"a: note={{ unknown }} and a"},
		},
		{
			name: "an unclosed tag is an error",
			spec: `generators:
- list:
    elements: [{name: a}]
template:
  metadata:
    name: "{{name}} {{name"
`,
			wantErr: `cannot find end tag`,
		},
		{
			name: "two Applications with one name are an error",
			spec: `generators:
- git:
    repoURL: https://git.example.com/gitops.git
    directories:
    - path: apps/*/api
template:
  metadata:
    name: "{{path.basename}}"
`,
			wantErr: `two generated Applications are named "api"`,
		},
		{
			name: "an invalid name is an error",
			spec: `generators:
- git:
    repoURL: https://git.example.com/gitops.git
    directories:
    - path: apps/odd/*
` + dirTemplate,
			wantErr: `application name "My_App" is invalid`,
		},
		{
			name: "an unreachable repository names the generator",
			spec: `generators:
- list:
    elements: [{name: a}]
    template:
      metadata:
        name: "{{name}}"
- git:
    repoURL: https://user:secret@unreachable.example.com/gitops.git
    revision: main
    directories:
    - path: apps/*
` + dirTemplate,
			wantErr: `generator generators[1] (git https://unreachable.example.com/gitops.git main): resolve revision "main" of https://unreachable.example.com/gitops.git: repository unreachable`,
		},
		{
			name: "a file that does not parse is an error",
			spec: `generators:
- git:
    repoURL: https://git.example.com/gitops.git
    files:
    - path: bad/*.json
template:
  metadata:
    name: x
`,
			wantErr: `git: file bad/config.json: not a JSON or YAML object`,
		},
		{
			name: "unsupported generators are errors",
			spec: `generators:
- pullRequest:
    github: {owner: o, repo: r}
template:
  metadata:
    name: x
`,
			wantErr: `the pullRequest generator is not supported by Tether`,
		},
		{
			name: "preserveResourcesOnDeletion leaves out the resources finalizer",
			spec: `syncPolicy:
  preserveResourcesOnDeletion: true
generators:
- list:
    elements: [{name: a}]
template:
  metadata:
    name: "{{name}}"
`,
			fields: []string{"metadata.finalizers"},
			want:   []string{"a: finalizers=<none>"},
		},
		{
			name: "the resources finalizer is the default",
			spec: `generators:
- list:
    elements: [{name: a}]
template:
  metadata:
    name: "{{name}}"
`,
			fields: []string{"metadata.finalizers", "apiVersion", "kind"},
			want:   []string{"a: finalizers=[resources-finalizer.argocd.argoproj.io] apiVersion=argoproj.io/v1alpha1 kind=Application"},
		},
	}
	g := testGenerator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := g.Generate(context.Background(), parseSet(t, manifest(tt.spec)))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				var ge *Error
				if !errors.As(err, &ge) || ge.Reason == "" {
					t.Errorf("error %v is not an *Error with a reason", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			got := summarize(res.Applications, tt.fields)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestGenerateUserManifest runs the user's ApplicationSet, unchanged but
// for repoURL: one Application per folder of apps/prod, named after it and
// deployed into a namespace of the same name, owned by the ApplicationSet.
func TestGenerateUserManifest(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "applicationset-microservices.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(b), "https://github.com/your-org/gitops.git", testRepo)
	s := parseSet(t, text)
	s.SetUID("uid-1")
	res, err := testGenerator(t).Generate(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	got := summarize(res.Applications, []string{"metadata.namespace", "spec.destination.namespace", "spec.source.path", "spec.syncPolicy.syncOptions"})
	want := []string{
		"api: namespace=argocd namespace=api path=apps/prod/api syncOptions=[CreateNamespace=true]",
		"web: namespace=argocd namespace=web path=apps/prod/web syncOptions=[CreateNamespace=true]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, app := range res.Applications {
		refs := app.GetOwnerReferences()
		if len(refs) != 1 || refs[0].UID != "uid-1" || refs[0].Kind != "ApplicationSet" || !*refs[0].Controller {
			t.Errorf("%s: owner references %+v", app.GetName(), refs)
		}
	}
	if res.Revisions[testRepo] != strings.Repeat("a", 40) {
		t.Errorf("revisions %v", res.Revisions)
	}
}

func TestRequeueAfter(t *testing.T) {
	tests := []struct {
		spec string
		want string
	}{
		{spec: "generators:\n- list: {elements: []}\n", want: "3m0s"},
		{spec: "generators:\n- git: {repoURL: x, requeueAfterSeconds: 30}\n", want: "30s"},
		{spec: "generators:\n- matrix:\n    generators:\n    - git: {repoURL: x, requeueAfterSeconds: 600}\n    - git: {repoURL: y, requeueAfterSeconds: 20}\n", want: "20s"},
	}
	for _, tt := range tests {
		if got := RequeueAfter(parseSet(t, manifest(tt.spec))).String(); got != tt.want {
			t.Errorf("RequeueAfter(%q) = %s, want %s", tt.spec, got, tt.want)
		}
	}
}

func TestPolicy(t *testing.T) {
	for _, p := range []string{"", "sync", "create-only", "create-update", "create-delete", "bogus"} {
		spec := "generators: []\n"
		if p != "" {
			spec += "syncPolicy:\n  applicationsSync: " + p + "\n"
		}
		got, err := Policy(parseSet(t, manifest(spec)))
		switch {
		case p == "bogus":
			if err == nil {
				t.Errorf("policy %q accepted", p)
			}
		case err != nil:
			t.Errorf("policy %q: %v", p, err)
		case p == "" && got != appv1.ApplicationsSyncPolicySync, p != "" && string(got) != p:
			t.Errorf("policy %q read as %q", p, got)
		}
	}
}
