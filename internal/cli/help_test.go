package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpExamplesRun: every command has a summary and examples, and
// each example line that runs tether names that command's path or one of
// its subcommands, with flags the command really has and arguments it
// accepts: an example cannot outlive a renamed flag or verb.
func TestHelpExamplesRun(t *testing.T) {
	root := newRootCommand(Streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
	var all []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" {
				continue
			}
			all = append(all, sub)
			walk(sub)
		}
	}
	walk(root)
	if len(all) < 25 {
		t.Fatalf("only %d commands", len(all))
	}
	for _, c := range all {
		path := c.CommandPath()
		if strings.TrimSpace(c.Short) == "" {
			t.Errorf("%s has no summary", path)
		}
		lines := exampleCommands(c.Example)
		if len(lines) == 0 {
			t.Errorf("%s has no example that runs tether", path)
		}
		mentioned := false
		for _, line := range lines {
			args := strings.Fields(line)[1:]
			fresh := newRootCommand(Streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
			found, rest, err := fresh.Find(args)
			if err != nil {
				t.Errorf("%s example %q: %v", path, line, err)
				continue
			}
			if found.CommandPath() == path || strings.HasPrefix(found.CommandPath(), path+" ") {
				mentioned = true
			}
			if err := found.ParseFlags(rest); err != nil {
				t.Errorf("%s example %q: %v", path, line, err)
				continue
			}
			if found.Args != nil {
				if err := found.Args(found, found.Flags().Args()); err != nil {
					t.Errorf("%s example %q: arguments: %v", path, line, err)
				}
			}
		}
		if len(lines) > 0 && !mentioned {
			t.Errorf("%s: no example runs it: %q", path, lines)
		}
	}
}

// exampleCommands returns the tether invocations of an Example text,
// without comments, shell redirections, pipes and quoting.
func exampleCommands(example string) []string {
	var out []string
	for _, l := range strings.Split(example, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "#") {
			continue
		}
		i := strings.Index(l, "tether ")
		if i < 0 || (i > 0 && !strings.ContainsAny(l[i-1:i], " (=$")) {
			continue
		}
		l = l[i:]
		if j := strings.Index(l, " #"); j >= 0 {
			l = l[:j]
		}
		if j := strings.IndexAny(l, "|>)&;"); j >= 0 {
			l = l[:j]
		}
		l = strings.NewReplacer(`"`, "", "'", "", `\`, "").Replace(l)
		out = append(out, strings.TrimSpace(l))
	}
	return out
}
