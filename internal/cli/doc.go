// Package cli holds tether's commands, one cobra command per file. Commands
// talk to the Kubernetes API or to local tooling only; they never call the
// controller directly.
package cli
