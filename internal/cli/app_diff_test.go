package cli

import (
	"bytes"
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/tether-gitops/tether/internal/diff"
	"github.com/tether-gitops/tether/internal/target"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/app")

const (
	oldPassword = "hunter2-old"
	newPassword = "hunter2-new"
)

func object(t *testing.T, manifest string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

// desiredAndLive is a desired state (tracked, as Prepare leaves it) and a
// live state with a drifted ConfigMap, a Secret whose value changed, an
// object Git no longer has and one that was never deployed.
func desiredAndLive(t *testing.T) ([]*unstructured.Unstructured, liveState) {
	desired := []*unstructured.Unstructured{
		object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: prod}\ndata: {value: \"2\"}\n"),
		object(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: prod}\nstringData: {password: "+newPassword+"}\n"),
		object(t, "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: prod}\nspec: {ports: [{port: 80}]}\n"),
		object(t, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: same, namespace: prod}\nspec: {replicas: 1}\n"),
	}
	for _, d := range desired {
		target.Track(d, "web")
	}
	oldB64 := base64.StdEncoding.EncodeToString([]byte(oldPassword))
	state := liveState{}
	for _, l := range []*unstructured.Unstructured{
		object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: prod, uid: u1, resourceVersion: \"7\"}\ndata: {value: \"1\", extra: kept}\n"),
		object(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: prod}\ntype: Opaque\ndata: {password: "+oldB64+"}\n"),
		object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gone, namespace: prod}\ndata: {value: x}\n"),
		object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other-app, namespace: prod}\n"),
		object(t, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: same, namespace: prod}\nspec: {replicas: 1, paused: false}\nstatus: {replicas: 1}\n"),
	} {
		app := "web"
		if l.GetName() == "other-app" {
			app = "other"
		}
		target.Track(l, app)
		state[keyOf(l)] = l
	}
	return desired, state
}

// TestPrintDiffs: the resources the controller would find OutOfSync, and
// only those, as unified diffs; Secret values masked.
func TestPrintDiffs(t *testing.T) {
	desired, state := desiredAndLive(t)
	pairs := pairUp(desired, state, "web")
	if len(pairs) != 5 {
		t.Fatalf("%d pairs, want 4 desired and 1 owned by the app only", len(pairs))
	}
	var b bytes.Buffer
	n, err := printDiffs(&b, pairs, diff.Options{Manager: target.FieldManager}, false)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("%d resources differ, want 4 (ConfigMap, Secret, Service, pruned ConfigMap)", n)
	}
	noSecrets(t, b.String())
	checkGolden(t, "diff.golden", b.String())
}

// TestPrintManifests: Secrets are masked, managedFields dropped.
func TestPrintManifests(t *testing.T) {
	desired, state := desiredAndLive(t)
	live := state[objKey{"", "Secret", "prod", "db"}].DeepCopy()
	live.SetAnnotations(map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"data":{"password":"` + oldPassword + `"}}`})
	if err := unstructured.SetNestedSlice(live.Object, []any{map[string]any{"manager": "tether"}}, "metadata", "managedFields"); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := printManifests(&b, []*unstructured.Unstructured{desired[0], desired[1], live}); err != nil {
		t.Fatal(err)
	}
	noSecrets(t, b.String())
	if strings.Contains(b.String(), "managedFields") {
		t.Error("managedFields printed")
	}
	checkGolden(t, "manifests.golden", b.String())
}

func noSecrets(t *testing.T, out string) {
	t.Helper()
	for _, s := range []string{oldPassword, newPassword} {
		if strings.Contains(out, s) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(s))) {
			t.Errorf("output shows the Secret value %q:\n%s", s, out)
		}
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "app", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
