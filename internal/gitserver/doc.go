// Package gitserver serves Git repositories over smart HTTP, by running
// `git http-backend` as a CGI program, and over ssh, by running
// git-upload-pack and git-receive-pack for exec requests. It also creates
// bare repositories and commits files to them.
//
// It is tooling for tests, the demo and benchmarks, and needs the git
// binary; Tether itself never runs git (see internal/source/git). The
// gittest subpackage wraps it for Go tests.
package gitserver
