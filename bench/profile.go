package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// profiler captures CPU profiles of the API server and the controller while
// a scenario runs, and the API server's requests by verb and resource, into
// a folder: what `go tool pprof` needs to see where a scenario's time goes.
type profiler struct {
	dir string
	e   *env
}

// cpu starts CPU profiles of the API server and the controller lasting
// seconds and returns a function that waits for both and writes them as
// <name>-apiserver.pprof and <name>-controller.pprof.
func (p *profiler) cpu(ctx context.Context, name string, seconds int) func() {
	if p == nil {
		return func() {}
	}
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		b, err := p.e.client.CoreV1().RESTClient().Get().AbsPath("/debug/pprof/profile").
			Param("seconds", strconv.Itoa(seconds)).Timeout(time.Duration(seconds+30) * time.Second).DoRaw(ctx)
		p.save(name+"-apiserver.pprof", b, err)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		if p.e.controller == nil || p.e.controller.pprof == "" {
			return
		}
		resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", p.e.controller.pprof, seconds))
		if err != nil {
			p.save(name+"-controller.pprof", nil, err)
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		p.save(name+"-controller.pprof", b, err)
	}()
	return func() { <-done; <-done }
}

func (p *profiler) save(file string, b []byte, err error) {
	if err != nil {
		fmt.Fprintf(p.e.log, "bench: profile %s: %v\n", file, err)
		return
	}
	if err := os.WriteFile(filepath.Join(p.dir, file), b, 0o644); err != nil {
		fmt.Fprintf(p.e.log, "bench: profile %s: %v\n", file, err)
	}
}

// requests returns the API server's apiserver_request_total samples.
func (p *profiler) requests(ctx context.Context) map[string]float64 {
	if p == nil {
		return nil
	}
	b, err := p.e.client.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		fmt.Fprintf(p.e.log, "bench: API server metrics: %v\n", err)
		return nil
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// writeRequests writes the requests made between two samples, most first.
func (p *profiler) writeRequests(file string, m0, m1 map[string]float64, window time.Duration) {
	if p == nil {
		return
	}
	type row struct {
		key string
		n   float64
	}
	var rows []row
	for k, v := range m1 {
		if d := v - m0[k]; d > 0 {
			rows = append(rows, row{k, d})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].n > rows[j].n })
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# API server requests of all clients over %s, per minute\n", window)
	for _, r := range rows {
		fmt.Fprintf(&buf, "%10.1f %s\n", r.n/window.Minutes(), r.key)
	}
	p.save(file, buf.Bytes(), nil)
}
