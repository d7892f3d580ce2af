package devcluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

const stateFile = "state.json"

// State is what a cluster's directory records about it, for later commands.
type State struct {
	// Dir is the cluster's directory.
	Dir string `json:"dir"`
	// KubeVersion is the version of the Kubernetes binaries.
	KubeVersion string `json:"kubeVersion"`
	// Kubeconfig is the cluster-admin kubeconfig.
	Kubeconfig string `json:"kubeconfig"`
	// Server is the API server's URL.
	Server string `json:"server"`
	// Started is when `up` began.
	Started time.Time `json:"started"`
	// Components lists the processes in start order.
	Components []Component `json:"components"`
}

// Component is one process of the control plane.
type Component struct {
	Name string `json:"name"`
	PID  int    `json:"pid"`
	Port int    `json:"port"`
	Log  string `json:"log"`
}

// ComponentStatus is a Component as seen now.
type ComponentStatus struct {
	Component
	// Running is false when the process has ended.
	Running bool
	// RSS is the resident memory in bytes, 0 when not running.
	RSS int64
}

// ErrNoCluster is returned when a directory holds no cluster state.
var ErrNoCluster = errors.New("no local control plane")

// LoadState reads the state of the cluster kept in dir.
func LoadState(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s (start one with `tether dev up --dir %s`)", ErrNoCluster, dir, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read cluster state: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(dir, stateFile), err)
	}
	return &s, nil
}

func (s *State) save() error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode cluster state: %w", err)
	}
	tmp := filepath.Join(s.Dir, stateFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write cluster state: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.Dir, stateFile)); err != nil {
		return fmt.Errorf("write cluster state: %w", err)
	}
	return nil
}

// Status reports each component of the cluster kept in dir.
func Status(dir string) (*State, []ComponentStatus, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("resolve %s: %w", dir, err)
	}
	s, err := LoadState(dir)
	if err != nil {
		return nil, nil, err
	}
	out := make([]ComponentStatus, 0, len(s.Components))
	for _, c := range s.Components {
		cs := ComponentStatus{Component: c, Running: alive(c.PID, dir)}
		if cs.Running {
			cs.RSS = rss(c.PID)
		}
		out = append(out, cs)
	}
	return s, out, nil
}

// Down stops every process of the cluster kept in dir, including any that a
// crash left out of the state file, and removes the state file. It succeeds
// when nothing runs there.
func Down(dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", dir, err)
	}
	pids := processesIn(dir)
	if s, err := LoadState(dir); err == nil {
		for _, c := range s.Components {
			if alive(c.PID, dir) && !slices.Contains(pids, c.PID) {
				pids = append(pids, c.PID)
			}
		}
	}
	// A throwaway cluster needs no graceful shutdown: the API server would
	// drain for many seconds.
	if left := stopAll(pids, dir, 3*time.Second); len(left) > 0 {
		return fmt.Errorf("processes %v of the cluster in %s did not stop", left, dir)
	}
	if err := os.Remove(filepath.Join(dir, stateFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove cluster state: %w", err)
	}
	return nil
}
