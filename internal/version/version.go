// Package version reports what build of tether is running.
package version

import (
	"runtime/debug"
)

// These are set at link time with -ldflags "-X ...": see the Makefile.
var (
	// Version is the release, or "dev" for a build from a work tree.
	Version = "dev"
	// Commit is the Git commit the binary was built from.
	Commit = ""
)

// Info describes this build.
type Info struct {
	Version       string `json:"version"`
	Commit        string `json:"commit,omitempty"`
	GoVersion     string `json:"goVersion"`
	ClientVersion string `json:"kubernetesClientVersion"`
}

// Get returns this build's Info, reading dependency versions from the
// binary's build information.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, ClientVersion: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	info.GoVersion = bi.GoVersion
	for _, dep := range bi.Deps {
		if dep.Path == "k8s.io/client-go" {
			info.ClientVersion = dep.Version
			if dep.Replace != nil {
				info.ClientVersion = dep.Replace.Version
			}
		}
	}
	if info.Commit == "" {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				info.Commit = s.Value
			}
		}
	}
	return info
}
