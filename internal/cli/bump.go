package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-gitops/tether/internal/bump"
	"github.com/tether-gitops/tether/internal/bump/yamledit"
)

// bumpFlags are the flags of tether bump.
type bumpFlags struct {
	opts          bump.Options
	sets, strings []string
	images        []string
	author        string
	output        string
	timeout       time.Duration
	secretsNS     string
	kube          kubeFlags
}

func newBumpCommand(s Streams) *cobra.Command {
	f := &bumpFlags{opts: bump.Options{Branch: "main"}}
	cmd := &cobra.Command{
		Use:   "bump --repo URL --file PATH --set KEY=VALUE...",
		Short: "Set values in a YAML file of a Git repository, commit and push",
		Long: `Set values in a YAML file of a Git repository, commit the change and push it,
for pipelines and bots: the step after building an image, without a checkout,
yq or git.

Keys are dotted paths (image.tag), with list indexes (containers[0].image) and
quoted keys when they hold dots (podAnnotations."example.com/team"). Missing
keys are created. Everything else in the file stays as it was: comments, key
order, quoting and indentation. --set types the value as YAML would read it,
except that a string stays a string ("1.20" is never turned into 1.2);
--set-string always writes a string. --kustomize-image sets an entry of a
kustomization's images list as 'kustomize edit set image' does.

When someone else pushes to the branch first, the edit is made again on the
new head and pushed again (--max-attempts). When the file already holds the
values, nothing is committed and the command succeeds.

Credentials come from the environment: GIT_TOKEN (with GIT_USERNAME, or the
user name the host expects for tokens), GIT_BEARER_TOKEN, GIT_USERNAME and
GIT_PASSWORD, or for ssh URLs GIT_SSH_KEY or GIT_SSH_KEY_FILE. With
--repo-secrets-namespace, Argo CD repository Secrets of that namespace are
used when the environment holds none. Credentials are never printed.`,
		Example: `  # Deploy a new image tag
  GIT_TOKEN=... tether bump --repo https://github.com/your-org/gitops.git \
    --file charts/web/values-prod.yaml --set image.tag=4f2e9c1

  # Several values, a message and an author
  tether bump --repo git@github.com:your-org/gitops.git --branch main \
    --file apps/web/values.yaml --set image.tag=v1.8.0 --set replicaCount=3 \
    --message "web: v1.8.0" --author "Release Bot <bot@example.com>"

  # An image of a kustomization, as 'kustomize edit set image' would
  tether bump --repo https://github.com/your-org/gitops.git \
    --file overlays/prod --kustomize-image web=registry.example/web:v1.8.0

  # Show the diff without pushing
  tether bump --repo ... --file values.yaml --set image.tag=v2 --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd.Context(), s) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.opts.RepoURL, "repo", "", "repository URL, https or ssh (required)")
	fl.StringVar(&f.opts.Branch, "branch", f.opts.Branch, "branch to commit to")
	fl.StringVar(&f.opts.File, "file", "", "YAML file to edit, relative to the repository's root; a directory means its kustomization.yaml (required)")
	fl.StringArrayVar(&f.sets, "set", nil, "KEY=VALUE to set; repeat for more")
	fl.StringArrayVar(&f.strings, "set-string", nil, "KEY=VALUE to set as a string; repeat for more")
	fl.StringArrayVar(&f.images, "kustomize-image", nil, "NAME=IMAGE:TAG (or NAME:TAG, NAME=IMAGE@DIGEST) to set in the kustomization's images; repeat for more")
	fl.StringVarP(&f.opts.Message, "message", "m", "", "commit message (default: the file and its new values)")
	fl.StringVar(&f.author, "author", "", `commit author "Name <email>" (default: $GIT_AUTHOR_NAME and $GIT_AUTHOR_EMAIL, else "tether bump <tether-bump@localhost>")`)
	fl.StringVar(&f.opts.WorkDir, "work-dir", "", "directory that keeps the repository between runs, to fetch instead of clone (default: a temporary one)")
	fl.BoolVar(&f.opts.DryRun, "dry-run", false, "show the change and the commit, do not push")
	fl.IntVar(&f.opts.MaxAttempts, "max-attempts", bump.DefaultMaxAttempts, "attempts when other pushes keep landing first")
	fl.StringSliceVar(&f.opts.KnownHosts, "known-hosts", nil, "known_hosts files for ssh (default: $SSH_KNOWN_HOSTS or ~/.ssh/known_hosts)")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Minute, "give up after this long")
	fl.StringVar(&f.secretsNS, "repo-secrets-namespace", "", "also read credentials from the Argo CD repository Secrets of this namespace")
	fl.StringVarP(&f.output, "output", "o", "", "output format: json or yaml")
	f.kube.add(cmd)
	_ = cmd.MarkFlagRequired("repo")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func (f *bumpFlags) run(ctx context.Context, s Streams) error {
	if err := f.complete(); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if f.output != "" && f.output != "json" && f.output != "yaml" {
		return &ExitError{Code: 2, Err: fmt.Errorf("unknown output format %q: use json or yaml", f.output)}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	f.opts.Credentials = f.credentials(os.Getenv)
	res, err := bump.Run(ctx, f.opts)
	if err != nil {
		return err
	}
	if f.output != "" {
		return printStructured(s.Out, f.output, res)
	}
	printBump(s, res)
	return nil
}

// complete turns the flags into bump.Options.
func (f *bumpFlags) complete() error {
	for _, group := range []struct {
		args []string
		typ  yamledit.Type
	}{{f.sets, yamledit.Auto}, {f.strings, yamledit.String}} {
		for _, arg := range group.args {
			set, err := bump.ParseSet(arg, group.typ)
			if err != nil {
				return err
			}
			f.opts.Sets = append(f.opts.Sets, set)
		}
	}
	for _, arg := range f.images {
		img, err := yamledit.ParseImage(arg)
		if err != nil {
			return err
		}
		f.opts.Images = append(f.opts.Images, img)
	}
	f.opts.Author.Name, f.opts.Author.Email = os.Getenv("GIT_AUTHOR_NAME"), os.Getenv("GIT_AUTHOR_EMAIL")
	if f.author != "" {
		sig, err := bump.ParseAuthor(f.author)
		if err != nil {
			return err
		}
		f.opts.Author = sig
	}
	if len(f.opts.Sets) == 0 && len(f.opts.Images) == 0 {
		return errors.New("nothing to change: give --set, --set-string or --kustomize-image")
	}
	return nil
}

// printBump reports a bump for people: the changes, then the commit.
func printBump(s Streams, res *bump.Result) {
	for _, c := range res.Changes {
		switch {
		case c.Deleted:
			fprintf(s.Out, "%s: %s removed (was %q)\n", res.File, c.Path, c.Old)
		case c.Created:
			fprintf(s.Out, "%s: %s = %q (new)\n", res.File, c.Path, c.New)
		default:
			fprintf(s.Out, "%s: %s %q -> %q\n", res.File, c.Path, c.Old, c.New)
		}
	}
	switch {
	case !res.Changed():
		fprintf(s.Out, "No change: %s on %s of %s already holds these values; nothing committed.\n", res.File, res.Branch, res.Repo)
	case res.DryRun:
		fprintf(s.Out, "\n%s\nDry run: would commit %s on %s (at %s) of %s; not pushed.\n", strings.TrimRight(res.Diff, "\n"), res.Commit, res.Branch, shortSHA(res.Parent), res.Repo)
	default:
		retried := ""
		if res.Attempts > 1 {
			retried = fmt.Sprintf(" (attempt %d: other pushes landed first)", res.Attempts)
		}
		fprintf(s.Out, "Pushed %s to %s of %s%s\n", res.Commit, res.Branch, res.Repo, retried)
	}
}

// shortSHA abbreviates a commit id for messages.
func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
