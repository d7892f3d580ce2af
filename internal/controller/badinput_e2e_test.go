package controller_test

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestBadInput: each fault becomes a condition naming the cause, nothing is
// applied or pruned, and other Applications keep working.
func TestBadInput(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	srv := gittest.NewServer(t)
	good := map[string]string{"ok/cm.yaml": configMap("fine", "1")}
	chart := readTree(t, "gitops")
	tests := []struct {
		name      string
		files     map[string]string
		path      string
		revision  string
		repoURL   string
		edit      func(*unstructured.Unstructured)
		condition appv1.ApplicationConditionType
		want      []string
	}{
		{
			name:      "malformed yaml",
			files:     map[string]string{"m/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n"},
			path:      "m",
			condition: appv1.ApplicationConditionComparisonError,
			want:      []string{"bad.yaml"},
		},
		{
			name:      "template error",
			files:     map[string]string{"c/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n", "c/templates/cm.yaml": "{{ .Values.missing.deeper }}\n"},
			path:      "c",
			condition: appv1.ApplicationConditionComparisonError,
			want:      []string{"cm.yaml"},
		},
		{
			name:      "missing value file",
			files:     chart,
			path:      "charts/web",
			edit:      helmValueFiles("values-missing.yaml"),
			condition: appv1.ApplicationConditionComparisonError,
			want:      []string{"values-missing.yaml"},
		},
		{
			name:      "value file outside the repository",
			files:     chart,
			path:      "charts/web",
			edit:      helmValueFiles("../../../../etc/passwd"),
			condition: appv1.ApplicationConditionComparisonError,
			want:      []string{"passwd"},
		},
		{
			name:      "path escaping the repository",
			files:     good,
			path:      "../..",
			condition: appv1.ApplicationConditionComparisonError,
			want:      []string{".."},
		},
		{
			name:      "unknown revision",
			files:     good,
			path:      "ok",
			revision:  "no-such-branch",
			condition: appv1.ApplicationConditionComparisonError,
			want:      []string{"no-such-branch"},
		},
		{
			name:      "unreachable repository",
			path:      "ok",
			repoURL:   "http://127.0.0.1:1/nowhere.git",
			condition: appv1.ApplicationConditionComparisonError,
			want:      []string{"127.0.0.1:1"},
		},
		{
			name:  "remote destination",
			files: good,
			path:  "ok",
			edit: func(u *unstructured.Unstructured) {
				_ = unstructured.SetNestedField(u.Object, "https://remote.example:6443", "spec", "destination", "server")
			},
			condition: appv1.ApplicationConditionInvalidSpecError,
			want:      []string{"remote.example"},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ns := cluster.Namespace(t)
			url := tt.repoURL
			if url == "" {
				url = srv.NewRepo("bad"+string(rune('a'+i)), tt.files).URL
			}
			name := "bad-" + ns
			manifest := dirApp(name, url, tt.path, ns, autoPrune)
			if tt.revision != "" {
				manifest = strings.Replace(manifest, "targetRevision: main", "targetRevision: "+tt.revision, 1)
			}
			applyApp(t, manifest, tt.edit)
			app := waitApp(t, name, string(tt.condition), func(app *appv1.Application) bool {
				return condition(app, tt.condition) != ""
			})
			msg := condition(app, tt.condition)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("condition %q does not name %q", msg, w)
				}
			}
			if app.Status.OperationState != nil {
				t.Errorf("an operation ran: %+v", app.Status.OperationState)
			}
			cms, err := cluster.Client.CoreV1().ConfigMaps(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "tether.dev/managed"})
			if err != nil || len(cms.Items) != 0 {
				t.Errorf("something was applied: %v %v", cms, err)
			}
		})
	}
}

func helmValueFiles(files ...string) func(*unstructured.Unstructured) {
	return func(u *unstructured.Unstructured) {
		list := make([]any, len(files))
		for i, f := range files {
			list[i] = f
		}
		_ = unstructured.SetNestedSlice(u.Object, list, "spec", "source", "helm", "valueFiles")
	}
}

// TestUnknownFieldReported: a field Tether does not know is kept on the
// object and named in a condition, never ignored in silence; so are resource
// hooks, which are not run as hooks yet (the Skip hook is honoured).
func TestUnknownFieldReported(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	annotated := func(name, hook string) string {
		return strings.Replace(configMap(name, "1"), "metadata:\n", "metadata:\n  annotations:\n    argocd.argoproj.io/hook: "+hook+"\n", 1)
	}
	repo := srv.NewRepo("unknown", map[string]string{"m/a.yaml": configMap("a", "1"),
		"m/pre.yaml": annotated("pre", "PreSync"), "m/skipped.yaml": annotated("skipped", "Skip")})
	name := "unknown-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), func(u *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(u.Object, "yes", "spec", "source", "futureOption")
	})
	app := waitApp(t, name, "an UnsupportedField condition", func(app *appv1.Application) bool {
		return condition(app, appv1.ApplicationConditionUnsupportedField) != "" && app.Status.Sync.Status == appv1.SyncStatusCodeSynced
	})
	if msg := condition(app, appv1.ApplicationConditionUnsupportedField); !strings.Contains(msg, "spec.source.futureOption") ||
		!strings.Contains(msg, "resource hooks are not run as hooks yet") || !strings.Contains(msg, "ConfigMap pre (PreSync)") {
		t.Errorf("condition %q does not name the field and the hook", msg)
	}
	// The Skip hook is never applied, as in Argo CD.
	if _, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "skipped", metav1.GetOptions{}); !isNotFound(err) {
		t.Errorf("ConfigMap skipped: %v; want it never applied", err)
	}
	u, err := dyn.Resource(appsGVR).Namespace(argocd).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _, _ := unstructured.NestedString(u.Object, "spec", "source", "futureOption"); v != "yes" {
		t.Errorf("the unknown field was lost: %v", u.Object["spec"])
	}
}
