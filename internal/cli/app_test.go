package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// runTether runs tether in process and returns stdout, stderr and the exit
// code, as main computes it.
func runTether(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if err != nil {
		fmt.Fprintln(&errOut, "error:", err)
	}
	return out.String(), errOut.String(), ExitCode(err)
}

// TestAppHelp: --help of every command of `tether app`, and of `tether
// completion`, exits 0 and prints its usage line and its own examples
// (whether the examples run is TestHelpExamplesRun's).
func TestAppHelp(t *testing.T) {
	root := newRootCommand(Streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
	app, _, err := root.Find([]string{"app"})
	if err != nil {
		t.Fatal(err)
	}
	cmds := append([]*cobra.Command{app}, app.Commands()...)
	if completion, _, err := root.Find([]string{"completion"}); err == nil {
		cmds = append(cmds, completion)
	}
	if len(cmds) < 14 {
		t.Fatalf("only %d commands", len(cmds))
	}
	for _, c := range cmds {
		path := c.CommandPath()
		out, _, code := runTether(t, append(strings.Fields(path)[1:], "--help")...)
		if code != 0 || !strings.Contains(out, "Usage:\n  "+c.UseLine()) || !strings.Contains(out, "Examples:\n"+c.Example) {
			t.Errorf("%s --help: exit %d, usage line or examples missing:\n%s", path, code, out)
		}
	}
}

// TestUsageErrors: bad arguments and flags exit with 2 and one line that
// says what is wrong, before any cluster is contacted.
func TestUsageErrors(t *testing.T) {
	nowhere := filepath.Join(t.TempDir(), "no-kubeconfig")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"app", "bogus"}, `unknown command "bogus" for "tether app"`},
		{[]string{"app", "get"}, "takes NAME, got 0"},
		{[]string{"app", "get", "a", "b"}, "takes NAME, got 2"},
		{[]string{"app", "list", "x"}, "takes no arguments"},
		{[]string{"app", "rollback", "a", "1", "2"}, "takes NAME [ID]"},
		{[]string{"app", "get", "a", "-o", "table"}, `unknown output format "table"`},
		{[]string{"app", "list", "-o", "tree"}, `unknown output format "tree"`},
		{[]string{"app", "history", "a", "-o", "json"}, `unknown output format "json"`},
		{[]string{"app", "list", "-l", "a in ("}, "--selector"},
		{[]string{"app", "get", "a", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"app", "wait", "a", "--timeout", "soon"}, `"soon" is not a duration`},
		{[]string{"app", "sync", "a", "--resource", "Deployment:web"}, "GROUP:KIND:NAME"},
		{[]string{"app", "sync", "a", "--resource", "apps:Deployment:/web"}, "NAMESPACE/NAME"},
		{[]string{"app", "diff", "a", "--local", ".", "--revision", "main"}, "cannot be used together"},
		{[]string{"app", "diff", "a", "--local-repo-root", "."}, "needs --local"},
		{[]string{"app", "manifests", "a", "--source", "helm"}, "use git or live"},
		{[]string{"app", "manifests", "a", "--source", "live", "--revision", "v1"}, "--source git only"},
		{[]string{"app", "rollback", "a", "latest"}, `history ID "latest" is not a number`},
		{[]string{"completion"}, "bash, zsh or fish"},
		{[]string{"completion", "powershell"}, "bash, zsh or fish"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := runTether(t, append(tt.args, "--kubeconfig", nowhere)...)
			if tt.args[0] == "completion" {
				out, errOut, code = runTether(t, tt.args...)
			}
			if code != exitUsage || !strings.Contains(errOut, tt.want) || strings.Count(errOut, "\n") != 1 || out != "" {
				t.Errorf("exit %d, want 2 and one line with %q\nstdout: %s\nstderr: %s", code, tt.want, out, errOut)
			}
		})
	}
}

// TestUnreachableCluster: one line naming the server and the cause, exit 20.
func TestUnreachableCluster(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n    token: t\ncurrent-context: c\n"
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"app", "list"}, {"app", "get", "web"}, {"app", "sync", "web", "--async"}} {
		_, errOut, code := runTether(t, append(args, "--kubeconfig", kubeconfig)...)
		if code != exitError || !strings.Contains(errOut, "cannot reach the Kubernetes API at https://127.0.0.1:1: connection refused") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d\n%s", args, code, errOut)
		}
	}
}

func TestAPIError(t *testing.T) {
	gr := schema.GroupResource{Group: "argoproj.io", Resource: "applications"}
	what := `application "web" in namespace "argocd"`
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"missing object", apierrors.NewNotFound(gr, "web"), `application "web" in namespace "argocd" not found`},
		{"missing resource type", apierrors.NewGenericServerResponse(404, "GET", gr, "web", "", 0, false), "does not serve this resource type"},
		{"forbidden", apierrors.NewForbidden(gr, "web", errors.New(`User "bob" cannot get resource "applications"`)), `get ` + what + `: forbidden: User "bob" cannot get resource "applications"`},
		{"unauthorized", apierrors.NewUnauthorized("x"), "refused the credentials"},
		{"refused", &url.Error{Op: "Get", URL: "https://h", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, "cannot reach the Kubernetes API at https://h: connection refused"},
		{"dns", &url.Error{Op: "Get", URL: "https://h", Err: &net.DNSError{Name: "nowhere.invalid", Err: "no such host"}}, "unknown host nowhere.invalid"},
		{"other", errors.New("boom"), "get " + what + ": boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := apiError(tt.err, "get", what, "https://h").Error()
			if !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q in it", got, tt.want)
			}
		})
	}
	if apiError(nil, "get", what, "") != nil {
		t.Error("nil error was not nil")
	}
	multi := withExitCode(errors.New("line one\n  line two"))
	if ExitCode(multi) != exitError || multi.Error() != "line one line two" {
		t.Errorf("withExitCode: %d %q", ExitCode(multi), multi.Error())
	}
}

func TestParseTimeout(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"300", 300 * time.Second, true},
		{"0", 0, true},
		{"90s", 90 * time.Second, true},
		{"5m", 5 * time.Minute, true},
		{"-1s", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, err := parseTimeout(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseTimeout(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestParseAndSelectResources(t *testing.T) {
	sel, err := parseResources([]string{"apps:Deployment:web", ":Service:prod/web"})
	if err != nil {
		t.Fatal(err)
	}
	want := []appv1.SyncOperationResource{{Group: "apps", Kind: "Deployment", Name: "web"}, {Kind: "Service", Namespace: "prod", Name: "web"}}
	if fmt.Sprint(sel) != fmt.Sprint(want) {
		t.Errorf("parsed %v", sel)
	}
	app := &appv1.Application{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Status: appv1.ApplicationStatus{Resources: []appv1.ResourceStatus{
		{Group: "apps", Kind: "Deployment", Namespace: "prod", Name: "web"},
		{Kind: "Service", Namespace: "prod", Name: "web"},
		{Kind: "Service", Namespace: "other", Name: "web"},
	}}}
	got, err := selectResources(app, sel)
	if err != nil || len(got) != 2 || got[0].Namespace != "prod" {
		t.Errorf("selected %v, %v", got, err)
	}
	if _, err := selectResources(app, []appv1.SyncOperationResource{{Kind: "ConfigMap", Name: "x"}}); err == nil || !strings.Contains(err.Error(), ":ConfigMap:x") {
		t.Errorf("no match: %v", err)
	}
}

func TestLocalFolder(t *testing.T) {
	repo := t.TempDir()
	app := filepath.Join(repo, "apps", "web")
	if err := os.MkdirAll(app, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	root, path, err := localFolder(app, "")
	if err != nil || root != repo || path != "apps/web" {
		t.Errorf("found .git: %q %q %v", root, path, err)
	}
	root, path, err = localFolder(app, app)
	if err != nil || root != app || path != "" {
		t.Errorf("explicit root: %q %q %v", root, path, err)
	}
	if _, _, err := localFolder(repo, app); ExitCode(err) != exitUsage {
		t.Errorf("outside the root: %v", err)
	}
	if _, _, err := localFolder(filepath.Join(repo, "nope"), ""); ExitCode(err) != exitUsage {
		t.Errorf("missing folder: %v", err)
	}
}

func manualApp(history ...string) *appv1.Application {
	app := &appv1.Application{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       appv1.ApplicationSpec{Source: &appv1.ApplicationSource{RepoURL: "https://git.example.com/r.git", TargetRevision: "main"}},
	}
	for i, rev := range history {
		app.Status.History = append(app.Status.History, appv1.RevisionHistory{ID: int64(i + 3), Revision: rev,
			Source: appv1.ApplicationSource{RepoURL: "https://git.example.com/r.git", Path: "old", TargetRevision: "main"}})
	}
	return app
}

func TestRollbackOperation(t *testing.T) {
	op, err := rollbackOperation(manualApp("a", "b", "c"), -1, operationFlags{prune: true})
	if err != nil || op.Sync.Revision != "b" || !op.Sync.Prune || op.Sync.Source == nil || op.Sync.Source.Path != "old" {
		t.Errorf("previous: %+v %v", op.Sync, err)
	}
	if op, err := rollbackOperation(manualApp("a", "b"), 3, operationFlags{}); err != nil || op.Sync.Revision != "a" {
		t.Errorf("by id: %+v %v", op.Sync, err)
	}
	for _, tt := range []struct {
		app  *appv1.Application
		id   int64
		want string
	}{
		{manualApp("a"), -1, "has 1 deployment(s)"},
		{manualApp("a", "b"), 9, "no deployment with id 9 in its history (ids 3 to 4)"},
		{manualApp(), 0, "no deployment history"},
	} {
		if _, err := rollbackOperation(tt.app, tt.id, operationFlags{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("id %d: %v, want %q", tt.id, err, tt.want)
		}
	}
	auto := manualApp("a", "b")
	auto.Spec.SyncPolicy = &appv1.SyncPolicy{Automated: &appv1.SyncPolicyAutomated{}}
	auto.Status.Sync.Revision = "0123456789abcdef0123456789abcdef01234567"
	_, err = rollbackOperation(auto, -1, operationFlags{})
	if err == nil || !strings.Contains(err.Error(), "git revert") || !strings.Contains(err.Error(), "main (0123456)") {
		t.Errorf("automated: %v", err)
	}
	off := false
	auto.Spec.SyncPolicy.Automated.Enabled = &off
	if _, err := rollbackOperation(auto, -1, operationFlags{}); err != nil {
		t.Errorf("automation disabled: %v", err)
	}
}

func TestSyncOperation(t *testing.T) {
	app := manualApp()
	if op, err := syncOperation(app, operationFlags{revision: "v2", dryRun: true}, nil); err != nil || op.Sync.Revision != "v2" || !op.Sync.DryRun {
		t.Errorf("manual: %+v %v", op.Sync, err)
	}
	app.Spec.SyncPolicy = &appv1.SyncPolicy{Automated: &appv1.SyncPolicyAutomated{}}
	for _, tt := range []struct {
		f  operationFlags
		ok bool
	}{
		{operationFlags{}, true},
		{operationFlags{revision: "main"}, true},
		{operationFlags{revision: "v2", dryRun: true}, true},
		{operationFlags{revision: "v2"}, false},
	} {
		if _, err := syncOperation(app, tt.f, nil); (err == nil) != tt.ok {
			t.Errorf("automated %+v: %v", tt.f, err)
		}
	}
}

func TestWaitConditions(t *testing.T) {
	finished := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC))
	before := metav1.NewTime(finished.Add(-time.Second))
	done := &appv1.OperationState{Phase: appv1.OperationSucceeded, FinishedAt: &finished, Operation: appv1.Operation{Sync: &appv1.SyncOperation{}}}
	dry := done.DeepCopy()
	dry.Operation.Sync.DryRun = true
	tests := []struct {
		name       string
		op         *appv1.Operation
		state      *appv1.OperationState
		reconciled *metav1.Time
		inProgress bool
	}{
		{"none", nil, nil, nil, false},
		{"pending", &appv1.Operation{}, nil, nil, true},
		{"running", nil, &appv1.OperationState{Phase: appv1.OperationRunning}, nil, true},
		{"done, not compared since", nil, done, &before, true},
		{"done and compared", nil, done, &finished, false},
		{"dry run done", nil, dry, &before, false},
	}
	for _, tt := range tests {
		app := &appv1.Application{Operation: tt.op}
		app.Status.OperationState, app.Status.ReconciledAt = tt.state, tt.reconciled
		if got := operationInProgress(app); got != tt.inProgress {
			t.Errorf("%s: in progress %v", tt.name, got)
		}
	}
	all := waitOptions{}.orAll()
	app := &appv1.Application{}
	app.Status.Sync.Status, app.Status.Health.Status = appv1.SyncStatusCodeSynced, appv1.HealthStatusProgressing
	if all.satisfied(app) || !(waitOptions{sync: true}).satisfied(app) {
		t.Error("sync and health are checked separately")
	}
	if got := pending(app, all); got != "health Progressing" {
		t.Errorf("pending %q", got)
	}
}

func TestConfirm(t *testing.T) {
	var out bytes.Buffer
	if !confirm(strings.NewReader("maybe\nY\n"), &out, "sure? ") || strings.Count(out.String(), "sure?") != 2 {
		t.Errorf("asked %q", out.String())
	}
	if confirm(strings.NewReader("n\n"), &out, "sure? ") || confirm(strings.NewReader(""), &out, "sure? ") {
		t.Error("no, or no answer, is not a yes")
	}
}

func TestColor(t *testing.T) {
	if colorEnabled(&bytes.Buffer{}) {
		t.Error("colour on a buffer")
	}
	t.Setenv("NO_COLOR", "1")
	if colorEnabled(os.Stdout) {
		t.Error("colour despite NO_COLOR")
	}
}

func TestSyncRetryStrategy(t *testing.T) {
	withPolicy := &appv1.Application{Spec: appv1.ApplicationSpec{SyncPolicy: &appv1.SyncPolicy{Retry: &appv1.RetryStrategy{Limit: 2}}}}
	plain := &appv1.Application{}
	flags := retryFlags{limit: 3, factor: 2, duration: 5 * time.Second, maxDuration: 3 * time.Minute}
	tests := []struct {
		name  string
		flags retryFlags
		app   *appv1.Application
		want  int64
	}{
		{name: "flags win", flags: flags, app: withPolicy, want: 3},
		{name: "the sync policy's when no flag", app: withPolicy, want: 2},
		{name: "none", app: plain, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.flags.strategy(tt.app)
			if got.Limit != tt.want {
				t.Errorf("limit %d, want %d", got.Limit, tt.want)
			}
		})
	}
	if b := flags.strategy(plain).Backoff; b == nil || b.Duration != "5s" || b.MaxDuration != "3m0s" || *b.Factor != 2 {
		t.Errorf("backoff from flags: %+v", b)
	}
}
