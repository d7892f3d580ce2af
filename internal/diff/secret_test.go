package diff

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// secretValues are the values of testdata/secret.yaml, plain and base64.
var secretValues = []string{
	"admin", "YWRtaW4=",
	"s3cr3t", "czNjcjN0LW5ldw==", "czNjcjN0LW9sZA==",
	"db.internal", "ZGIuaW50ZXJuYWw=",
}

// assertNoSecrets fails if text holds any value of testdata/secret.yaml.
func assertNoSecrets(t *testing.T, what, text string) {
	t.Helper()
	for _, v := range secretValues {
		if strings.Contains(text, v) {
			t.Errorf("%s shows the secret value %q:\n%s", what, v, text)
		}
	}
}

func TestSecretValuesNeverShow(t *testing.T) {
	desired, live := loadPair(t, "secret.yaml")
	opts := Options{Manager: manager}
	res, err := Compare(desired, live, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Modified {
		t.Fatal("a changed Secret value must be a difference")
	}
	assertNoSecrets(t, "Result.Fields", strings.Join(res.Fields, "\n"))
	for _, pair := range [][2]*unstructured.Unstructured{{desired, live}, {desired, nil}, {nil, live}} {
		out, err := Unified(pair[0], pair[1], opts)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, mask) {
			t.Errorf("Unified shows no masks:\n%s", out)
		}
		assertNoSecrets(t, "Unified", out)
	}
}

func TestUnifiedMasksShowWhichValuesDiffer(t *testing.T) {
	desired, live := loadPair(t, "secret.yaml")
	out, err := Unified(desired, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"-  password: " + mask + maskStep + "\n",
		"+  password: " + mask + "\n",
		"   username: " + mask + "\n",
		"   host: " + mask + "\n",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("Unified lacks %q:\n%s", line, out)
		}
	}
}

func TestMaskSecrets(t *testing.T) {
	desired, live := loadPair(t, "secret.yaml")
	before, _ := desired.MarshalJSON()
	masked := MaskSecrets(desired)
	after, _ := desired.MarshalJSON()
	if string(before) != string(after) {
		t.Fatal("MaskSecrets modified its argument")
	}
	for field, keys := range map[string][]string{"data": {"username", "password"}, "stringData": {"host"}} {
		for _, k := range keys {
			if got, _, _ := unstructured.NestedString(masked.Object, field, k); got != mask {
				t.Errorf("%s.%s = %q, want %q", field, k, got, mask)
			}
		}
	}
	maskedLive, _ := MaskSecrets(live).MarshalJSON()
	assertNoSecrets(t, "MaskSecrets(live)", string(maskedLive))

	cm := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{"mode": "fast"},
	}}
	if got, _, _ := unstructured.NestedString(MaskSecrets(cm).Object, "data", "mode"); got != "fast" {
		t.Errorf("MaskSecrets changed a ConfigMap: data.mode = %q", got)
	}
	if MaskSecrets(nil) != nil {
		t.Error("MaskSecrets(nil) != nil")
	}
}
