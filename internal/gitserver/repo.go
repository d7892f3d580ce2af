package gitserver

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DefaultBranch is the branch InitBare points HEAD at, and the branch
// CommitFiles commits to when Commit.Branch is empty.
const DefaultBranch = "main"

// Author is the author and committer of the commits and tags made here.
const Author = "Tether Test <test@tether.invalid>"

// InitBare creates an empty bare repository in dir, with HEAD on
// DefaultBranch. It fails if dir already holds a repository.
func InitBare(ctx context.Context, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
		return fmt.Errorf("init %s: repository exists", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	_, err := run(ctx, dir, nil, "init", "--quiet", "--bare", "--initial-branch="+DefaultBranch, dir)
	return err
}

// Commit describes a commit that CommitFiles makes on top of a branch.
type Commit struct {
	// Branch is the branch to commit to; empty means DefaultBranch. A
	// branch that does not exist yet starts from an empty tree.
	Branch string
	// Message is the commit message; empty means "update".
	Message string
	// Files, Executables and Symlinks map paths to the content of regular
	// files, of executable files, and to the targets of symbolic links.
	// Paths are slash-separated and relative to the repository root.
	Files, Executables, Symlinks map[string]string
	// Remove lists paths to delete.
	Remove []string
	// Time is the author and committer date; zero means now.
	Time time.Time
}

// CommitFiles commits c to the bare repository in dir, without a work tree
// (with git fast-import), and returns the new commit's SHA. Paths not
// mentioned in c keep their content.
func CommitFiles(ctx context.Context, dir string, c Commit) (string, error) {
	branch := cmp.Or(c.Branch, DefaultBranch)
	parent, err := run(ctx, dir, nil, "for-each-ref", "--format=%(objectname)", "refs/heads/"+branch)
	if err != nil {
		return "", err
	}
	stream, err := fastImport(c, branch, strings.TrimSpace(parent))
	if err != nil {
		return "", err
	}
	marks := filepath.Join(dir, "tether-marks")
	defer os.Remove(marks)
	if _, err := run(ctx, dir, stream, "fast-import", "--quiet", "--export-marks="+marks); err != nil {
		return "", err
	}
	out, err := os.ReadFile(marks)
	if err != nil {
		return "", err
	}
	_, sha, ok := strings.Cut(strings.TrimSpace(string(out)), " ")
	if !ok {
		return "", fmt.Errorf("commit to %s: no commit was made", dir)
	}
	return sha, nil
}

// fastImport writes the fast-import stream of one commit.
func fastImport(c Commit, branch, parent string) ([]byte, error) {
	when := c.Time
	if when.IsZero() {
		when = time.Now()
	}
	stamp := fmt.Sprintf("%s %d %s", Author, when.Unix(), when.Format("-0700"))
	var b bytes.Buffer
	fmt.Fprintf(&b, "commit refs/heads/%s\nmark :1\nauthor %s\ncommitter %s\n", branch, stamp, stamp)
	writeData(&b, cmp.Or(c.Message, "update")+"\n")
	if parent != "" {
		fmt.Fprintf(&b, "from %s\n", parent)
	}
	for _, path := range c.Remove {
		if err := checkPath(path); err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "D %s\n", path)
	}
	for _, group := range []struct {
		mode  string
		files map[string]string
	}{{"100644", c.Files}, {"100755", c.Executables}, {"120000", c.Symlinks}} {
		for _, path := range sortedKeys(group.files) {
			if err := checkPath(path); err != nil {
				return nil, err
			}
			fmt.Fprintf(&b, "M %s inline %s\n", group.mode, path)
			writeData(&b, group.files[path])
		}
	}
	b.WriteString("done\n")
	return b.Bytes(), nil
}

func writeData(b *bytes.Buffer, data string) {
	fmt.Fprintf(b, "data %d\n%s\n", len(data), data)
}

func checkPath(path string) error {
	if path == "" || strings.ContainsAny(path, "\n\x00") || strings.HasPrefix(path, `"`) || strings.HasPrefix(path, "/") {
		return fmt.Errorf("invalid path %q", path)
	}
	return nil
}

// Tag creates the tag name on rev (a SHA or a ref) in the bare repository
// in dir: an annotated tag when message is set, else a lightweight one. An
// existing tag is moved.
func Tag(ctx context.Context, dir, name, rev, message string) error {
	args := []string{"tag", "--force"}
	if message != "" {
		args = append(args, "--annotate", "--message", message)
	}
	_, err := run(ctx, dir, nil, append(args, name, rev)...)
	return err
}

// SetRef points the ref name (such as refs/heads/feature) at rev in the
// bare repository in dir, creating or moving it.
func SetRef(ctx context.Context, dir, name, rev string) error {
	_, err := run(ctx, dir, nil, "update-ref", name, rev)
	return err
}

// run runs git in the bare repository dir and returns its standard output.
func run(ctx context.Context, dir string, stdin []byte, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	name, email, _ := strings.Cut(strings.TrimSuffix(Author, ">"), " <")
	cmd.Env = append(os.Environ(), gitEnv()...)
	cmd.Env = append(cmd.Env, "GIT_DIR="+dir,
		"GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+email,
		"GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+email)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s in %s: %w: %s", args[0], dir, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// RevParse returns the commit SHA that rev (a ref, a tag, a SHA) names in
// the bare repository in dir.
func RevParse(ctx context.Context, dir, rev string) (string, error) {
	out, err := run(ctx, dir, nil, "rev-parse", "--verify", rev+"^{commit}")
	return strings.TrimSpace(out), err
}
