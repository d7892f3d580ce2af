package devcluster

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is a running component started by this process.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	// exited is closed when the process ends; err then holds why.
	exited chan struct{}
	err    error
}

// startProcess starts bin with args in its own process group, output to log.
// With bindToParent the kernel kills it when this process dies, even by a
// panic or SIGKILL, so that nothing outlives a test binary.
func startProcess(name, bin, log string, args []string, bindToParent bool) (*process, error) {
	f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s log: %w", name, err)
	}
	defer f.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if bindToParent {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	p := &process{name: name, cmd: cmd, log: log, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		if p.err == nil {
			p.err = errors.New("exited with status 0")
		}
		close(p.exited)
	}()
	return p, nil
}

// earlyExit is the error for a component that ended while it should run.
func (p *process) earlyExit() error {
	return fmt.Errorf("%s exited early (%v); its log %s ends with:\n%s", p.name, p.err, p.log, logTail(p.log, 12))
}

func logTail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return tail(string(b), lines)
}

// alive reports whether pid runs and its command line mentions dir, so that a
// recycled PID never passes for one of ours.
func alive(pid int, dir string) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return false
	}
	if state, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat")); err == nil && zombie(state) {
		return false
	}
	return bytes.Contains(b, []byte(dir+string(filepath.Separator)))
}

func zombie(stat []byte) bool {
	// The state follows the command name in parentheses: "pid (comm) S ...".
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// processesIn lists the PIDs of every process whose command line mentions dir:
// the components of the cluster kept there, even those missing from the state
// file after a crash.
func processesIn(dir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if alive(pid, dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// stopAll sends SIGTERM to every pid, waits up to grace for them to end, then
// kills what is left. It returns the PIDs that survived even SIGKILL.
func stopAll(pids []int, dir string, grace time.Duration) []int {
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) && anyAlive(pids, dir) {
		time.Sleep(50 * time.Millisecond)
	}
	for _, pid := range pids {
		if alive(pid, dir) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	deadline = time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && anyAlive(pids, dir) {
		time.Sleep(50 * time.Millisecond)
	}
	var left []int
	for _, pid := range pids {
		if alive(pid, dir) {
			left = append(left, pid)
		}
	}
	return left
}

func anyAlive(pids []int, dir string) bool {
	for _, pid := range pids {
		if alive(pid, dir) {
			return true
		}
	}
	return false
}

// rss returns the resident memory of pid in bytes, or 0 when unknown.
func rss(pid int) int64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
