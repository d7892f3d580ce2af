package render

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

func TestHelmWebChart(t *testing.T) {
	res := mustRender(t, Request{
		Path: "charts/web", ReleaseName: "shop", Namespace: "prod",
		KubeVersion: "v1.31.2",
		Helm:        &Helm{ValueFiles: []string{"values-prod.yaml"}},
	})
	if res.Type != TypeHelm {
		t.Errorf("Type = %q, want Helm", res.Type)
	}
	want := []string{
		"CustomResourceDefinition/widgets.example.com",
		"ConfigMap/shop-web-config", "Service/shop-web", "Deployment/shop-web",
		"Pod/shop-web-test-connection", "Job/shop-web-migrate",
	}
	if got := ids(res.Objects); !slices.Equal(got, want) {
		t.Fatalf("objects = %v\nwant %v", got, want)
	}
	dep := find(t, res.Objects, "Deployment", "shop-web")
	if got := field(t, dep, "spec", "replicas"); got != int64(3) {
		t.Errorf("replicas = %v (%T), want 3", got, got)
	}
	containers := field(t, dep, "spec", "template", "spec", "containers").([]any)
	if got := containers[0].(map[string]any)["image"]; got != "ghcr.io/example/web:1.2.3" {
		t.Errorf("image = %v", got)
	}
	if got := dep.GetNamespace(); got != "prod" {
		t.Errorf("namespace = %q, want the release namespace", got)
	}
	if got := dep.GetAnnotations()["kube-version"]; got != "v1.31.2" {
		t.Errorf("Capabilities.KubeVersion = %q", got)
	}
	job := find(t, res.Objects, "Job", "shop-web-migrate")
	if got := job.GetAnnotations()["helm.sh/hook"]; got != "pre-install,pre-upgrade" {
		t.Errorf("hook annotation = %q, want hooks kept with their annotations", got)
	}
	cm := find(t, res.Objects, "ConfigMap", "shop-web-config")
	if got := field(t, cm, "data", "banner"); got != "welcome to web" {
		t.Errorf(".Files.Get = %v", got)
	}
	for _, f := range []string{"charts/web/values-prod.yaml", "charts/web/templates/deployment.yaml", "charts/web/Chart.yaml"} {
		if !slices.Contains(res.Files, f) {
			t.Errorf("Files lacks %s: %v", f, res.Files)
		}
	}
	if slices.Contains(res.Files, "charts/web/README.md") {
		t.Errorf("Files has the .helmignored README.md")
	}
}

func TestHelmOptions(t *testing.T) {
	type check struct {
		kind, name string
		path       []string
		want       any
	}
	tests := []struct {
		name    string
		req     Request
		checks  []check
		present []string
		absent  []string
	}{
		{
			name:   "defaults",
			req:    Request{ReleaseName: "web"},
			checks: []check{{"Deployment", "web-web", []string{"spec", "replicas"}, int64(1)}, {"Deployment", "web-web", []string{"metadata", "namespace"}, "default"}},
		},
		{
			name: "value files merge in order",
			req:  Request{ReleaseName: "web", Helm: &Helm{ValueFiles: []string{"values-prod.yaml", "values-staging.yaml"}}},
			checks: []check{
				{"Deployment", "web-web", []string{"spec", "replicas"}, int64(2)},
				{"ConfigMap", "web-web-config", []string{"data", "message"}, "from-prod"},
			},
		},
		{
			name:   "values override value files",
			req:    Request{ReleaseName: "web", Helm: &Helm{ValueFiles: []string{"values-prod.yaml"}, Values: "replicaCount: 5\n"}},
			checks: []check{{"Deployment", "web-web", []string{"spec", "replicas"}, int64(5)}},
		},
		{
			name: "valuesObject takes precedence over values",
			req: Request{ReleaseName: "web", Helm: &Helm{
				Values:       "replicaCount: 5\nconfig:\n  message: from-values\n",
				ValuesObject: map[string]any{"replicaCount": 7},
			}},
			checks: []check{
				{"Deployment", "web-web", []string{"spec", "replicas"}, int64(7)},
				{"ConfigMap", "web-web-config", []string{"data", "message"}, "hello"},
			},
		},
		{
			name: "parameters override values, last one wins",
			req: Request{ReleaseName: "web", Helm: &Helm{
				ValuesObject: map[string]any{"replicaCount": 7},
				Parameters: []HelmParameter{
					{Name: "replicaCount", Value: "8"}, {Name: "replicaCount", Value: "9"},
					{Name: "config.message", Value: "a,b"},
					{Name: "config.list", Value: "{x,y}"},
				},
			}},
			checks: []check{
				{"Deployment", "web-web", []string{"spec", "replicas"}, int64(9)},
				{"ConfigMap", "web-web-config", []string{"data", "message"}, "a,b"},
				{"ConfigMap", "web-web-config", []string{"data", "list"}, "x;y"},
			},
		},
		{
			name: "forceString keeps strings, --set infers types",
			req: Request{ReleaseName: "web", Helm: &Helm{Parameters: []HelmParameter{
				{Name: "config.message", Value: "true", ForceString: true},
				{Name: "config.flag", Value: "true"},
			}}},
			checks: []check{
				{"ConfigMap", "web-web-config", []string{"data", "messageType"}, "string"},
				{"ConfigMap", "web-web-config", []string{"data", "flagType"}, "bool"},
			},
		},
		{
			name: "parameters expand the build environment",
			req: Request{ReleaseName: "web", Env: map[string]string{"ARGOCD_APP_REVISION": "abc123"}, Helm: &Helm{
				Parameters: []HelmParameter{{Name: "image.tag", Value: "$ARGOCD_APP_REVISION"}},
			}},
			checks: []check{{"Job", "web-web-migrate", []string{"spec", "template", "spec", "containers"}, []any{map[string]any{"name": "migrate", "image": "ghcr.io/example/web:abc123"}}}},
		},
		{
			name: "file parameters read repository files",
			req: Request{ReleaseName: "web", Helm: &Helm{FileParameters: []HelmFileParameter{
				{Name: "config.file", Path: "/shared/message.txt"},
			}}},
			checks: []check{{"ConfigMap", "web-web-config", []string{"data", "file"}, "message from a file, with a comma"}},
		},
		{
			name: "value files from the repository root and via ..",
			req: Request{ReleaseName: "web", Helm: &Helm{ValueFiles: []string{
				"/shared/values-common.yaml", "../../shared/values-common.yaml",
			}}},
			checks: []check{{"ConfigMap", "web-web-config", []string{"data", "shared"}, "shared-common"}},
		},
		{
			name:   "value file globs in lexical order",
			req:    Request{ReleaseName: "web", Helm: &Helm{ValueFiles: []string{"values-glob-*.yaml"}}},
			checks: []check{{"ConfigMap", "web-web-config", []string{"data", "message"}, "from-glob-b"}},
		},
		{
			name:   "an explicit file keeps its place after a glob",
			req:    Request{ReleaseName: "web", Helm: &Helm{ValueFiles: []string{"values-glob-*.yaml", "values-glob-a.yaml"}}},
			checks: []check{{"ConfigMap", "web-web-config", []string{"data", "message"}, "from-glob-a"}},
		},
		{
			name: "ignoreMissingValueFiles",
			req: Request{ReleaseName: "web", Helm: &Helm{
				ValueFiles: []string{"values-prod.yaml", "values-missing.yaml", "nothing-*.yaml"}, IgnoreMissingValueFiles: true,
			}},
			checks: []check{{"Deployment", "web-web", []string{"spec", "replicas"}, int64(3)}},
		},
		{
			name:   "release name and namespace from the helm options",
			req:    Request{ReleaseName: "app", Namespace: "dest", Helm: &Helm{ReleaseName: "rel", Namespace: "other"}},
			checks: []check{{"Deployment", "rel-web", []string{"metadata", "namespace"}, "other"}},
		},
		{
			name:   "skipCrds and skipTests",
			req:    Request{ReleaseName: "web", Helm: &Helm{SkipCrds: true, SkipTests: true}},
			absent: []string{"CustomResourceDefinition/widgets.example.com", "Pod/web-web-test-connection"},
		},
		{
			name:    "api versions from the cluster",
			req:     Request{ReleaseName: "web", APIVersions: []string{"monitoring.coreos.com/v1/ServiceMonitor"}},
			present: []string{"ServiceMonitor/web-web"},
		},
		{
			name: "api versions from the helm options replace the cluster's",
			req: Request{ReleaseName: "web", APIVersions: []string{"monitoring.coreos.com/v1/ServiceMonitor"},
				Helm: &Helm{APIVersions: []string{"example.com/v1"}}},
			absent: []string{"ServiceMonitor/web-web"},
		},
		{
			name:   "kube version from the helm options",
			req:    Request{ReleaseName: "web", KubeVersion: "1.30.0", Helm: &Helm{KubeVersion: "1.29.4"}},
			checks: []check{{"Deployment", "web-web", []string{"metadata", "annotations", "kube-version"}, "v1.29.4"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Path = "charts/web"
			if tt.req.KubeVersion == "" {
				tt.req.KubeVersion = "1.31.0"
			}
			res := mustRender(t, tt.req)
			for _, c := range tt.checks {
				o := find(t, res.Objects, c.kind, c.name)
				got := field(t, o, c.path...)
				if !equalJSON(got, c.want) {
					t.Errorf("%s/%s %v = %#v, want %#v", c.kind, c.name, c.path, got, c.want)
				}
			}
			got := ids(res.Objects)
			for _, p := range tt.present {
				if !slices.Contains(got, p) {
					t.Errorf("objects %v lack %s", got, p)
				}
			}
			for _, a := range tt.absent {
				if slices.Contains(got, a) {
					t.Errorf("objects %v have %s", got, a)
				}
			}
		})
	}
}

func TestHelmDependencies(t *testing.T) {
	res := mustRender(t, Request{Path: "charts/with-deps", ReleaseName: "app"})
	want := []string{"ConfigMap/app-app", "StatefulSet/app-cache"}
	if got := ids(res.Objects); !slices.Equal(got, want) {
		t.Fatalf("objects = %v, want %v (the disabled alias left out)", got, want)
	}
	sts := find(t, res.Objects, "StatefulSet", "app-cache")
	if got := field(t, sts, "spec", "replicas"); got != int64(2) {
		t.Errorf("subchart replicas = %v, want the parent's value 2", got)
	}
}

func TestHelmErrors(t *testing.T) {
	tests := []struct {
		name    string
		req     Request
		want    []string
		outside bool
	}{
		{
			name: "missing dependency",
			req:  Request{Path: "charts/missing-dep", ReleaseName: "x"},
			want: []string{"charts/missing-dep", "missing in charts/ directory: postgresql"},
		},
		{
			name: "template function error names the template",
			req:  Request{Path: "charts/broken-template", ReleaseName: "x"},
			want: []string{"broken-template/templates/bad.yaml", "nosuchfunction"},
		},
		{
			name: "malformed rendered YAML names the template",
			req:  Request{Path: "charts/broken-yaml", ReleaseName: "x"},
			want: []string{"broken-yaml/templates/bad.yaml"},
		},
		{
			name: "rendered document without kind",
			req:  Request{Path: "charts/not-object", ReleaseName: "x"},
			want: []string{"not-object/templates/cm.yaml"},
		},
		{
			name: "missing value file",
			req:  Request{Path: "charts/web", ReleaseName: "x", Helm: &Helm{ValueFiles: []string{"values-nope.yaml"}}},
			want: []string{`value file "values-nope.yaml" not found`},
		},
		{
			name: "glob matching nothing",
			req:  Request{Path: "charts/web", ReleaseName: "x", Helm: &Helm{ValueFiles: []string{"nothing-*.yaml"}}},
			want: []string{`"nothing-*.yaml" matched no files`},
		},
		{
			name:    "value file outside the repository",
			req:     Request{Path: "charts/web", ReleaseName: "x", Helm: &Helm{ValueFiles: []string{"../../../secret.yaml"}}},
			want:    []string{`value file "../../../secret.yaml"`, "outside the repository"},
			outside: true,
		},
		{
			name:    "value file outside the repository, ignored missing or not",
			req:     Request{Path: "charts/web", ReleaseName: "x", Helm: &Helm{ValueFiles: []string{"/../secret.yaml"}, IgnoreMissingValueFiles: true}},
			want:    []string{"outside the repository"},
			outside: true,
		},
		{
			name: "remote value file",
			req:  Request{Path: "charts/web", ReleaseName: "x", Helm: &Helm{ValueFiles: []string{"https://example.com/values.yaml"}}},
			want: []string{"https://example.com/values.yaml", "not supported"},
		},
		{
			name:    "file parameter outside the repository",
			req:     Request{Path: "charts/web", ReleaseName: "x", Helm: &Helm{FileParameters: []HelmFileParameter{{Name: "a", Path: "../../../../etc/passwd"}}}},
			want:    []string{"file parameter a", "outside the repository"},
			outside: true,
		},
		{
			name: "malformed values",
			req:  Request{Path: "charts/web", ReleaseName: "x", Helm: &Helm{Values: "a: [b"}},
			want: []string{"values:"},
		},
		{
			name: "kube version below the chart's constraint",
			req:  Request{Path: "charts/web", ReleaseName: "x", KubeVersion: "1.20.0"},
			want: []string{"chart requires kubeVersion"},
		},
		{
			name: "no release name",
			req:  Request{Path: "charts/web"},
			want: []string{"release name is empty"},
		},
		{
			name: "invalid release name",
			req:  Request{Path: "charts/web", ReleaseName: "Not_Valid"},
			want: []string{"Not_Valid"},
		},
		{
			name: "helm options on a directory without Chart.yaml",
			req:  Request{Path: "dir/plain", ReleaseName: "x", Helm: &Helm{}},
			want: []string{"dir/plain: no Chart.yaml"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := renderErr(t, tt.req, tt.want...)
			if got := errors.Is(err, ErrOutsideRepository); got != tt.outside {
				t.Errorf("errors.Is(err, ErrOutsideRepository) = %v, want %v", got, tt.outside)
			}
		})
	}
}

func TestHelmSymlinks(t *testing.T) {
	root := tempRepo(t, "charts/web", "shared")
	chart := filepath.Join(root, "charts/web")
	outside := filepath.Join(filepath.Dir(root), "secret.yaml")
	t.Run("value file symlink out of the repository", func(t *testing.T) {
		symlink(t, outside, filepath.Join(chart, "values-evil.yaml"))
		defer removeAll(t, filepath.Join(chart, "values-evil.yaml"))
		renderErr(t, Request{Root: root, Path: "charts/web", ReleaseName: "x", Helm: &Helm{ValueFiles: []string{"values-evil.yaml"}}},
			"values-evil.yaml", "outside the repository")
	})
	t.Run("chart file symlink out of the repository", func(t *testing.T) {
		symlink(t, outside, filepath.Join(chart, "files/leak.txt"))
		defer removeAll(t, filepath.Join(chart, "files/leak.txt"))
		renderErr(t, Request{Root: root, Path: "charts/web", ReleaseName: "x"}, "files/leak.txt", "outside the repository")
	})
	t.Run("symlinks inside the repository are followed", func(t *testing.T) {
		symlink(t, "../../../shared", filepath.Join(chart, "files/shared"))
		symlink(t, "../../shared/values-common.yaml", filepath.Join(chart, "values-link.yaml"))
		res := mustRender(t, Request{Root: root, Path: "charts/web", ReleaseName: "x", KubeVersion: "1.31.0", Helm: &Helm{ValueFiles: []string{"values-link.yaml"}}})
		cm := find(t, res.Objects, "ConfigMap", "x-web-config")
		if got := field(t, cm, "data", "shared"); got != "shared-common" {
			t.Errorf("shared = %v", got)
		}
		if !slices.Contains(res.Files, "shared/message.txt") {
			t.Errorf("Files %v lacks a file read through the directory link", res.Files)
		}
		if !slices.Contains(res.Files, "shared/values-common.yaml") {
			t.Errorf("Files %v lacks the link's target", res.Files)
		}
	})
}
