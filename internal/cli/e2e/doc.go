// Package e2e holds the end-to-end tests of `tether app` and `tether
// completion`: each test runs the CLI in process, as a user would, against a
// real local control plane with Tether's controller running beside it and a
// real Git server, and checks what it prints and its exit code.
package e2e
