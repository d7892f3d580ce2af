package appview

import (
	"fmt"
	"io"
)

// Node is one object of a resource tree: a resource of the Application, or
// an object that one owns (a Deployment's ReplicaSets and their Pods).
type Node struct {
	Kind, Namespace, Name string
	// Status is the sync status; empty for objects Git does not describe.
	Status string
	Health string
	// Message is a short note, such as the health message.
	Message  string
	Children []*Node
}

// Tree writes the nodes as Argo CD's `app get -o tree` does: KIND/NAME
// indented under its owner, then STATUS, HEALTH and MESSAGE.
func Tree(w io.Writer, roots []*Node) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "KIND/NAME\tSTATUS\tHEALTH\tMESSAGE")
	for _, n := range roots {
		writeNode(tw, n, "", "")
	}
	return tw.Flush()
}

// writeNode writes n after prefix (the branch that leads to it), then its
// children, each under indent.
func writeNode(w io.Writer, n *Node, prefix, indent string) {
	fmt.Fprintf(w, "%s%s/%s\t%s\t%s\t%s\n", prefix, n.Kind, n.Name, n.Status, n.Health, oneLine(n.Message))
	for i, c := range n.Children {
		branch, next := "├─", "│ "
		if i == len(n.Children)-1 {
			branch, next = "└─", "  "
		}
		writeNode(w, c, indent+branch, indent+next)
	}
}
