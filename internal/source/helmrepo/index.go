package helmrepo

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"go.yaml.in/yaml/v3"
)

// index is a repository's index.yaml kept compactly: per chart, its
// versions with what fetching them takes, highest first. A Bitnami-sized
// index (tens of MiB of YAML, mostly descriptions and maintainers) shrinks
// to a few MiB.
type index struct {
	charts map[string][]version
}

type version struct {
	raw    string
	semver *semver.Version // nil when not a semantic version
	urls   []string
	digest string
}

// rawIndex is what parseIndex reads of index.yaml; everything else is
// skipped by the decoder.
type rawIndex struct {
	APIVersion string                    `yaml:"apiVersion"`
	Entries    map[string][]rawChartVers `yaml:"entries"`
}

type rawChartVers struct {
	Version string   `yaml:"version"`
	URLs    []string `yaml:"urls"`
	Digest  string   `yaml:"digest"`
}

// parseIndex reads index.yaml (or its JSON form). Entries without a
// version or urls are skipped, as Helm skips invalid entries.
func parseIndex(data []byte) (*index, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var raw rawIndex
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parse index.yaml: %w", err)
	}
	if raw.APIVersion == "" && raw.Entries == nil {
		return nil, fmt.Errorf("parse index.yaml: no apiVersion and no entries: not a chart repository index")
	}
	idx := &index{charts: make(map[string][]version, len(raw.Entries))}
	for name, vs := range raw.Entries {
		out := make([]version, 0, len(vs))
		for _, v := range vs {
			if v.Version == "" || len(v.URLs) == 0 {
				continue
			}
			sv, err := semver.NewVersion(v.Version)
			if err != nil {
				sv = nil
			}
			out = append(out, version{raw: v.Version, semver: sv, urls: v.URLs, digest: strings.TrimPrefix(v.Digest, "sha256:")})
		}
		sort.SliceStable(out, func(i, j int) bool { return higher(out[i], out[j]) })
		idx.charts[name] = out
	}
	return idx, nil
}

// higher orders versions highest first; non-semantic versions last.
func higher(a, b version) bool {
	switch {
	case a.semver == nil:
		return false
	case b.semver == nil:
		return true
	}
	return a.semver.GreaterThan(b.semver)
}

// find returns the entry of chart at raw: the same string, else the same
// semantic version (1.2 and 1.2.0 name one version).
func (x *index) find(chart, raw string) (version, bool) {
	for _, v := range x.charts[chart] {
		if v.raw == raw {
			return v, true
		}
	}
	if want, err := semver.NewVersion(raw); err == nil {
		for _, v := range x.charts[chart] {
			if v.semver != nil && v.semver.Equal(want) {
				return v, true
			}
		}
	}
	return version{}, false
}

// isExact reports whether revision pins one version rather than a
// constraint, as Argo CD tells them apart: whatever parses as a semantic
// version ("1.2.3", "v1.2", even "1") is a pin.
func isExact(revision string) bool {
	_, err := semver.NewVersion(revision)
	return err == nil
}

// maxMatching returns the highest version of chart that satisfies the
// constraint, with Masterminds' rule that prereleases match only a
// constraint that names a prerelease (as Argo CD resolves them).
func (x *index) maxMatching(chart string, c *semver.Constraints) (version, bool) {
	for _, v := range x.charts[chart] { // highest first
		if v.semver != nil && c.Check(v.semver) {
			return v, true
		}
	}
	return version{}, false
}

// versions lists up to n of chart's versions, highest first, for messages.
func (x *index) versions(chart string, n int) string {
	vs := x.charts[chart]
	var out []string
	for i, v := range vs {
		if i == n {
			out = append(out, fmt.Sprintf("and %d more", len(vs)-n))
			break
		}
		out = append(out, v.raw)
	}
	return strings.Join(out, ", ")
}
