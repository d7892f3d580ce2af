package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// fixture is a repository with a ConfigMap and a Secret in m/, and an
// Application of it.
type fixture struct {
	*env
	repo *gittest.Repo
	name string
	// first is the first commit; password the Secret's value in it.
	first, password string
}

// newFixture creates the repository and the Application with the policy.
func newFixture(t *testing.T, prefix, policy string) *fixture {
	e := newEnv(t)
	f := &fixture{env: e, name: prefix + "-" + e.ns, password: "s3cr3t-" + e.ns}
	e.secret(f.password)
	srv := gittest.NewServer(t)
	f.repo = srv.NewRepo(prefix, nil)
	f.first = f.repo.CommitWith(gitserver.Commit{Message: "Add web config\n\nbody", Files: map[string]string{
		"m/cm.yaml":     configMap("web", "1"),
		"m/secret.yaml": secretManifest("db", f.password),
	}})
	createApp(t, dirApp(f.name, f.repo.URL, "m", e.ns, policy))
	return f
}

// TestListGetResources: a deployed Application as list, get (table, tree,
// yaml) and resources show it.
func TestListGetResources(t *testing.T) {
	f := newFixture(t, "show", autoPrune)
	waitApp(t, f.name, "Synced and Healthy", syncedHealthy(f.first))
	short := f.first[:7]

	r := f.app("list")
	expect(t, r, 0, "NAME", "SYNC", "HEALTH", "REVISION", "SOURCE", "DESTINATION", "LAST-SYNC")
	line := lineWith(t, r.out, f.name)
	for _, w := range []string{"Synced", "Healthy", short, "/show//m", "in-cluster/" + f.ns, "ago"} {
		if !strings.Contains(line, w) {
			t.Errorf("list row lacks %q: %q", w, line)
		}
	}
	if header := strings.SplitN(r.out, "\n", 2)[0]; strings.Index(header, "SYNC") != strings.Index(line, "Synced") {
		t.Errorf("columns are not aligned:\n%s", r.out)
	}
	expect(t, f.app("list", "-o", "wide"), 0, "PROJECT", "Auto-Prune")
	expect(t, f.app("list", "-o", "name"), 0, f.name+"\n")

	patch := `{"metadata":{"labels":{"team":"` + f.ns + `"}}}`
	if _, err := dyn.Resource(appsGVR).Namespace(argocd).Patch(context.Background(), f.name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	r = f.app("list", "-l", "team="+f.ns, "-o", "json")
	expect(t, r, 0)
	var items []map[string]any
	if err := json.Unmarshal([]byte(r.out), &items); err != nil || len(items) != 1 {
		t.Fatalf("list -l -o json: %v\n%s", err, r)
	}
	expect(t, f.app("list", "-l", "team in ("), 2, "--selector")

	r = f.app("get", f.name)
	expect(t, r, 0, "Repo:", f.repo.URL, "Path:", "m",
		`Revision:           `+short+` "Add web config" by `+gitserver.Author,
		"Sync Policy:        Automated (Prune, SelfHeal)", "Sync Status:        Synced to main ("+short+")",
		"Health Status:      Healthy", "Operation:          Sync", "Phase:              Succeeded",
		"Initiated By:       automated sync policy", "GROUP", "ConfigMap", "Secret")
	expect(t, f.app("get", f.name, "-o", "tree"), 0, "KIND/NAME", "ConfigMap/web", "Secret/db")
	expect(t, f.app("get", f.name, "-o", "yaml"), 0, "kind: Application", "name: "+f.name)
	expect(t, f.app("get", f.name, "-o", "table"), 2, "unknown output format")

	r = f.app("resources", f.name)
	expect(t, r, 0, "GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH")
	if !strings.Contains(lineWith(t, r.out, "ConfigMap"), "Synced") {
		t.Errorf("resources: %s", r)
	}

	r = f.app("refresh", f.name, "--hard")
	expect(t, r, 0, `application "`+f.name+`" refreshed: Synced to main (`+short+`), Healthy`)
}

// TestDiff: diff against Git, another revision and an uncommitted working
// copy, with Argo CD's exit codes; Secret values stay masked.
func TestDiff(t *testing.T) {
	f := newFixture(t, "diff", "")
	waitApp(t, f.name, "OutOfSync, nothing deployed yet", outOfSync(f.first))

	// Nothing is deployed: every object is new.
	r := f.app("diff", f.name)
	expect(t, r, 1, "===== /ConfigMap "+f.ns+"/web ======", "+++ ConfigMap "+f.ns+"/web (desired)", `+  value: "1"`,
		"===== /Secret "+f.ns+"/db ======", "+  password: ++++++++", "differ from Git")
	if strings.Contains(r.out, "\x1b[") {
		t.Errorf("colour on a pipe:\n%s", r)
	}

	expect(t, f.app("sync", f.name), 0, "Succeeded")
	expect(t, f.app("diff", f.name), 0)
	expect(t, f.app("diff", f.name, "--hard-refresh"), 0)

	// A working copy with an uncommitted change to both objects.
	dir := t.TempDir()
	newPassword := "n3w-" + f.password
	f.secret(newPassword)
	writeFiles(t, dir, map[string]string{
		".git/HEAD":          "ref: refs/heads/main\n",
		"m/cm.yaml":          configMap("web", "2"),
		"m/secret.yaml":      secretManifest("db", newPassword),
		"m/extra/ignored.md": "not a manifest",
	})
	r = f.app("diff", f.name, "--local", filepath.Join(dir, "m"))
	expect(t, r, 1, "===== /ConfigMap "+f.ns+"/web ======", `-  value: "1"`, `+  value: "2"`,
		"-  password: ++++++++++++", "+  password: ++++++++")
	if strings.Contains(r.out, "ignored") {
		t.Errorf("diff shows a file that is not a manifest:\n%s", r)
	}
	expect(t, f.app("diff", f.name, "--local", filepath.Join(dir, "m"), "--exit-code=false"), 0, `+  value: "2"`)
	// The same change, committed on a branch.
	f.repo.CommitWith(gitserver.Commit{Branch: "feature", Files: map[string]string{"m/cm.yaml": configMap("web", "3")}})
	expect(t, f.app("diff", f.name, "--revision", "feature"), 1, `+  value: "3"`)

	// A ConfigMap removed from Git is shown as removed.
	f.repo.Commit(nil, "m/cm.yaml")
	r = f.app("diff", f.name, "--refresh")
	expect(t, r, 1, "--- ConfigMap "+f.ns+"/web (live)", `-  value: "1"`)
	// Syncing without --prune leaves it, and says so; --prune deletes it.
	expect(t, f.app("sync", f.name), 1, "1 resource(s) require pruning", "--prune")
	expect(t, f.app("sync", f.name, "--prune"), 0, "Pruned")
	expect(t, f.app("diff", f.name), 0)

	// Bad arguments exit with 2, other errors with 20.
	expect(t, f.app("diff"), 2, "takes NAME")
	expect(t, f.app("diff", f.name, "--local", dir, "--revision", "main"), 2, "cannot be used together")
	expect(t, f.app("diff", f.name, "--no-such-flag"), 2, "unknown flag")
	expect(t, f.app("diff", "no-such-app"), 20, `application "no-such-app" in namespace "argocd" not found`)
	expect(t, f.app("diff", f.name, "--revision", "no-such-branch"), 20, "no-such-branch")
}

// TestSyncWaitHistoryRollback plays a manual deployment: sync, a new commit,
// sync again, history, rollback, wait.
func TestSyncWaitHistoryRollback(t *testing.T) {
	f := newFixture(t, "deploy", "")
	waitApp(t, f.name, "OutOfSync", outOfSync(f.first))

	expect(t, f.app("wait", f.name, "--sync", "--timeout", "1"), 20, "timed out after 1s", "sync status OutOfSync")
	expect(t, f.app("sync", f.name, "--resource", "apps:Deployment:nope"), 20, "has no resource apps:Deployment:nope")
	expect(t, f.app("sync", f.name, "--resource", "bad"), 2, "GROUP:KIND:NAME")
	r := f.app("sync", f.name, "--dry-run")
	expect(t, r, 0, "Sync (dry run)", "Succeeded")
	if _, err := cluster.Client.CoreV1().ConfigMaps(f.ns).Get(context.Background(), "web", metav1.GetOptions{}); err == nil {
		t.Fatal("a dry run created the ConfigMap")
	}
	r = f.app("sync", f.name, "--resource", ":ConfigMap:web")
	expect(t, r, 0, "TIME", "ConfigMap", f.ns+"/web", "Succeeded")
	r = f.app("sync", f.name, "--timeout", "2m")
	expect(t, r, 0, "Sync of application", "Phase:              Succeeded", "Sync Status:        Synced to main")

	second := f.repo.CommitWith(gitserver.Commit{Message: "Raise the value", Files: map[string]string{"m/cm.yaml": configMap("web", "2")}})
	expect(t, f.app("sync", f.name, "--revision", second), 0, "revision "+second, "Succeeded")
	assertConfigMap(t, f.ns, "web", "2")

	r = f.app("history", f.name)
	expect(t, r, 0, "ID", "DATE", "REVISION", "AUTHOR", "SUBJECT", "Add web config", "Raise the value", gitserver.Author, "main ("+f.first[:7]+")")
	expect(t, f.app("history", f.name, "-o", "id"), 0, "0\n")

	r = f.app("rollback", f.name)
	expect(t, r, 0, "Rollback of application", "revision "+f.first, "Succeeded")
	assertConfigMap(t, f.ns, "web", "1")
	expect(t, f.app("rollback", f.name, "99"), 20, "no deployment with id 99")
	expect(t, f.app("rollback", f.name, "x"), 2, "not a number")
	expect(t, f.app("wait", f.name, "--health", "--operation", "--timeout", "30s"), 0, "Health Status:      Healthy")
}

// TestSyncFailure: a failed apply makes sync exit with 1 and say why.
func TestSyncFailure(t *testing.T) {
	e := newEnv(t)
	srv := gittest.NewServer(t)
	bad := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lost\n  namespace: no-such-namespace-" + e.ns + "\n"
	repo := srv.NewRepo("fail", map[string]string{"m/cm.yaml": bad})
	name := "fail-" + e.ns
	createApp(t, dirApp(name, repo.URL, "m", e.ns, ""))
	waitApp(t, name, "OutOfSync", outOfSync(repo.Head()))
	r := e.app("sync", name)
	expect(t, r, 1, "the sync of application", "failed", "no-such-namespace-"+e.ns)
	if strings.Count(strings.TrimSpace(r.err), "\n") != 0 {
		t.Errorf("the error is not one line:\n%s", r.err)
	}
}

// TestRollbackRefusedWithAutomation: as Argo CD, no rollback while
// automated sync would undo it; the message says what to do instead.
func TestRollbackRefusedWithAutomation(t *testing.T) {
	f := newFixture(t, "auto", autoPrune)
	waitApp(t, f.name, "Synced", syncedHealthy(f.first))
	second := f.repo.Commit(map[string]string{"m/cm.yaml": configMap("web", "2")})
	expect(t, f.app("refresh", f.name), 0)
	waitApp(t, f.name, "Synced at the second commit", syncedHealthy(second))
	r := f.app("rollback", f.name)
	expect(t, r, 20, "refused", "automated sync is on", "git revert", "turn automated sync off")
	expect(t, f.app("sync", f.name, "--revision", f.first), 20, "automated sync is on")
	assertConfigMap(t, f.ns, "web", "2")
}

// TestManifests: the objects from Git as the controller applies them, and
// from the cluster, with Secret values masked.
func TestManifests(t *testing.T) {
	f := newFixture(t, "mf", autoPrune)
	waitApp(t, f.name, "Synced", syncedHealthy(f.first))
	r := f.app("manifests", f.name)
	expect(t, r, 0, "kind: ConfigMap", "argocd.argoproj.io/tracking-id: "+f.name+":/ConfigMap:"+f.ns+"/web",
		"tether.dev/managed: \"true\"", "namespace: "+f.ns, "password: ++++++++")
	r = f.app("manifests", f.name, "--source", "live")
	expect(t, r, 0, "kind: Secret", "password: ++++++++", "uid:")
	if strings.Contains(r.out, "managedFields") {
		t.Errorf("live manifests show managedFields:\n%s", r.out)
	}
	expect(t, f.app("manifests", f.name, "--source", "cache"), 2, "use git or live")
}

// TestDelete: cascading deletion removes the resources, after --yes;
// --cascade=false leaves them.
func TestDelete(t *testing.T) {
	e := newEnv(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("del", map[string]string{"a/cm.yaml": configMap("a", "1"), "b/cm.yaml": configMap("b", "1")})
	cascade, keep := "cascade-"+e.ns, "keep-"+e.ns
	createApp(t, dirApp(cascade, repo.URL, "a", e.ns, autoPrune))
	createApp(t, dirApp(keep, repo.URL, "b", e.ns, autoPrune))
	waitApp(t, cascade, "Synced", syncedHealthy(""))
	waitApp(t, keep, "Synced", syncedHealthy(""))

	// Not a terminal: no question is asked.
	expect(t, e.app("delete", cascade, "--yes", "--wait", "--timeout", "60s"), 0, `application "`+cascade+`" deleted`)
	if _, err := cluster.Client.CoreV1().ConfigMaps(e.ns).Get(context.Background(), "a", metav1.GetOptions{}); err == nil {
		t.Error("the cascading delete left the ConfigMap")
	}
	expect(t, e.app("delete", keep, "--cascade=false", "--wait"), 0, "deleted")
	if _, err := cluster.Client.CoreV1().ConfigMaps(e.ns).Get(context.Background(), "b", metav1.GetOptions{}); err != nil {
		t.Errorf("--cascade=false deleted the ConfigMap: %v", err)
	}
	expect(t, e.app("delete", keep), 20, "not found")
}

// TestErrors: a missing Application, an unreachable cluster and a denied
// request each give one line naming the object and the cause.
func TestErrors(t *testing.T) {
	e := newEnv(t)
	r := e.app("get", "missing")
	expect(t, r, 20, `error: application "missing" in namespace "argocd" not found`)
	oneLine(t, r)

	unreachable := writeKubeconfig(t, "https://127.0.0.1:1", "")
	r = e.run("app", "list", "--kubeconfig", unreachable)
	expect(t, r, 20, "cannot reach the Kubernetes API at https://127.0.0.1:1", "connection refused")
	oneLine(t, r)

	token := serviceAccountToken(t, e.ns)
	denied := writeKubeconfig(t, cluster.Config.Host, token)
	r = e.run("app", "get", "web", "--kubeconfig", denied, "--repo-cache-dir", e.cache)
	expect(t, r, 20, `get application "web" in namespace "argocd": forbidden`, "cannot get resource \"applications\"")
	oneLine(t, r)
}

// TestCompletion: shell scripts for the three shells, and app names.
func TestCompletion(t *testing.T) {
	f := newFixture(t, "comp", "")
	for shell, marker := range map[string]string{
		"bash": "complete -o default -F __start_tether tether",
		"zsh":  "#compdef tether",
		"fish": "complete -c tether",
	} {
		expect(t, f.run("completion", shell), 0, marker)
	}
	expect(t, f.run("completion", "powershell"), 2, "bash, zsh or fish")
	// The names of Applications that start with what was typed, nothing
	// else, and no file names (directive 4, ShellCompDirectiveNoFileComp).
	complete := func(args ...string) []string {
		t.Helper()
		r := f.run(append([]string{"__complete", "app", "get", "--kubeconfig", cluster.Kubeconfig}, args...)...)
		if r.code != 0 {
			t.Fatalf("__complete %q: %s", args, r)
		}
		return strings.Split(strings.TrimSpace(r.out), "\n")
	}
	if got, want := complete(f.name[:len(f.name)-2]), []string{f.name, ":4"}; !slices.Equal(got, want) {
		t.Errorf("completing %q: %q, want %q", f.name[:len(f.name)-2], got, want)
	}
	if got, want := complete("no-such-app-"), []string{":4"}; !slices.Equal(got, want) {
		t.Errorf("completing a prefix of nothing: %q, want %q", got, want)
	}
	if got, want := complete(f.name, ""), []string{":4"}; !slices.Equal(got, want) {
		t.Errorf("completing a second argument: %q, want %q", got, want)
	}
}

func lineWith(t *testing.T, text, substr string) string {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			return l
		}
	}
	t.Fatalf("no line with %q in:\n%s", substr, text)
	return ""
}

func oneLine(t *testing.T, r result) {
	t.Helper()
	if n := strings.Count(strings.TrimSpace(r.err), "\n"); n != 0 || r.out != "" {
		t.Errorf("want one line on stderr and nothing on stdout:\n%s", r)
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func assertConfigMap(t *testing.T, ns, name, value string) {
	t.Helper()
	clustertest.Poll(t, 30*time.Second, "ConfigMap "+name+" = "+value, func(ctx context.Context) (bool, error) {
		cm, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		return err == nil && cm.Data["value"] == value, err
	})
}

// TestTerminateOp: terminate-op stops a sync waiting for a wave that never
// becomes healthy; with no operation running it exits 1.
func TestTerminateOp(t *testing.T) {
	e := newEnv(t)
	srv := gittest.NewServer(t)
	stuck := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: stuck\nspec:\n  selector:\n    matchLabels: {app: stuck}\n" +
		"  template:\n    metadata:\n      labels: {app: stuck}\n    spec:\n      nodeSelector: {no-such-node: \"true\"}\n      containers: [{name: app, image: nginx}]\n"
	later := strings.Replace(configMap("later", "1"), "metadata:\n", "metadata:\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\n", 1)
	repo := srv.NewRepo("stuck", map[string]string{"m/deploy.yaml": stuck, "m/cm.yaml": later})
	name := "stuck-" + e.ns
	createApp(t, dirApp(name, repo.URL, "m", e.ns, ""))
	waitApp(t, name, "OutOfSync", outOfSync(repo.Head()))
	expect(t, e.app("sync", name, "--async"), 0, "started")
	waitApp(t, name, "waiting for wave 0", func(app *appv1.Application) bool {
		st := app.Status.OperationState
		return st != nil && st.Phase == appv1.OperationRunning && strings.Contains(st.Message, "waiting for healthy state")
	})
	expect(t, e.app("terminate-op", name), 0, "terminating")
	waitApp(t, name, "the operation terminated", func(app *appv1.Application) bool {
		st := app.Status.OperationState
		return app.Operation == nil && st != nil && st.Phase == appv1.OperationFailed && st.Message == "Operation terminated"
	})
	expect(t, e.app("terminate-op", name), 1, "no operation is in progress")
}
