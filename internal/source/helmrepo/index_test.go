package helmrepo

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
)

// bigIndex writes an index.yaml shaped like Bitnami's: many charts, many
// versions each, most of the bytes in descriptions, maintainers and
// annotations that resolving never needs.
func bigIndex(charts, versions int) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nentries:\n")
	filler := strings.Repeat("a long description of what the chart installs and how to configure it ", 8)
	for c := range charts {
		fmt.Fprintf(&b, "  chart-%03d:\n", c)
		for v := range versions {
			fmt.Fprintf(&b, `  - apiVersion: v2
    name: chart-%03d
    version: %d.%d.%d
    appVersion: "%d.0"
    created: "2026-01-02T03:04:05Z"
    description: %s
    digest: %064x
    home: https://example.com/charts/chart-%03d
    icon: https://example.com/icons/chart-%03d.svg
    keywords: [database, cache, web, operator]
    maintainers:
    - name: Maintainer One
      email: one@example.com
    - name: Maintainer Two
      email: two@example.com
    annotations:
      category: Database
      licenses: Apache-2.0
      images: |
        - name: image-%03d
          image: registry.example.com/image:%d.%d.%d
    sources:
    - https://github.com/example/charts/tree/main/chart-%03d
    urls:
    - https://charts.example.com/chart-%03d-%d.%d.%d.tgz
`, c, v/100, v/10%10, v%10, v, filler, v, c, c, c, v/100, v/10%10, v%10, c, c, v/100, v/10%10, v%10)
		}
	}
	return []byte(b.String())
}

// TestBigIndexKeptCompactly: a Bitnami-sized index.yaml parses, resolves,
// and is kept in a small fraction of its size.
func TestBigIndexKeptCompactly(t *testing.T) {
	if testing.Short() {
		t.Skip("parses a 25 MiB index")
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	data := bigIndex(120, 150)
	if len(data) < 20<<20 {
		t.Fatalf("index is %d bytes, want a Bitnami-sized one", len(data))
	}
	idx, err := parseIndex(data)
	if err != nil {
		t.Fatal(err)
	}
	size := len(data)
	data = nil
	kept := int64(heap()) - int64(before)
	if kept > int64(size)/3 {
		t.Errorf("the parsed index keeps %d MiB of a %d MiB index.yaml, want under a third", kept>>20, size>>20)
	}
	t.Logf("index.yaml %d MiB, kept %d KiB", size>>20, kept>>10)
	c, err := semver.NewConstraint("^1.2")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := idx.maxMatching("chart-042", c); !ok || v.raw != "1.4.9" {
		t.Errorf("highest ^1.2 = %+v, %v; want 1.4.9", v, ok)
	}
	runtime.KeepAlive(idx)
}
