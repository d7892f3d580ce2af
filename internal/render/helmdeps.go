package render

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/Masterminds/semver/v3"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
)

// DependencyFetcher downloads the charts a Chart.yaml depends on.
type DependencyFetcher interface {
	// FetchDependency returns the folder of the chart name of the Helm
	// repository or OCI registry repository (as Chart.yaml writes it: an
	// http(s) URL, or oci:// and the path the chart's name is appended
	// to) at the highest version matching version, an exact version or a
	// semver constraint. The folder is never written to.
	FetchDependency(ctx context.Context, repository, name, version string) (dir string, err error)
}

// maxDependencyDepth bounds how deep dependencies of dependencies go.
const maxDependencyDepth = 10

// resolveDependencies adds to chrt, loaded from dir, the dependencies its
// Chart.yaml lists and its charts/ folder lacks, as `helm dependency build`
// does: a file:// repository is a folder of the same checkout (never
// outside it); an http(s) or oci:// one is downloaded through fetch, at
// the version Chart.lock pins when there is one, which must then be in
// step with Chart.yaml. Dependencies present in charts/ are kept as they
// are. With a nil fetch only file:// dependencies can be added.
func resolveDependencies(ctx context.Context, rp *repo, dir string, chrt *chartv2.Chart, fetch DependencyFetcher, depth int) error {
	missing := missingDependencies(chrt)
	if len(missing) == 0 {
		return nil
	}
	if depth >= maxDependencyDepth {
		return fmt.Errorf("dependencies nest deeper than %d charts", maxDependencyDepth)
	}
	var lock map[string]*chartv2.Dependency
	if chrt.Lock != nil && needsDownload(missing) && fetch != nil {
		sum, err := requirementsDigest(chrt.Metadata.Dependencies, chrt.Lock.Dependencies)
		if err != nil {
			return err
		}
		if sum != chrt.Lock.Digest {
			return errors.New("Chart.lock is out of sync with the dependencies of Chart.yaml: run `helm dependency update` and commit Chart.lock")
		}
		lock = map[string]*chartv2.Dependency{}
		for _, d := range chrt.Lock.Dependencies {
			lock[d.Name] = d
		}
	}
	var unfetched []string
	for _, d := range missing {
		var sub *chartv2.Chart
		var err error
		switch repository := strings.TrimSpace(d.Repository); {
		case strings.HasPrefix(repository, "file://"):
			sub, err = localDependency(ctx, rp, dir, d, fetch, depth)
		case strings.HasPrefix(repository, "@"), strings.HasPrefix(repository, "alias:"):
			err = fmt.Errorf("repository %q names a local Helm repository: write its URL instead", repository)
		case repository == "":
			err = errors.New("no repository, and missing in charts/ directory")
		case fetch == nil:
			unfetched = append(unfetched, d.Name)
			continue
		default:
			version := d.Version
			if l := lock[d.Name]; l != nil {
				version = l.Version
			}
			sub, err = remoteDependency(ctx, d, repository, version, fetch, depth)
		}
		if err != nil {
			return fmt.Errorf("dependency %s: %w", d.Name, err)
		}
		chrt.AddDependency(sub)
	}
	if len(unfetched) > 0 {
		return fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s (vendor dependencies with `helm dependency build`; this renderer does not download them)",
			strings.Join(unfetched, ", "))
	}
	return nil
}

// missingDependencies are the dependencies of Chart.yaml no chart of
// charts/ provides, each name once.
func missingDependencies(chrt *chartv2.Chart) []*chartv2.Dependency {
	have := map[string]bool{}
	for _, c := range chrt.Dependencies() {
		have[c.Name()] = true
	}
	var out []*chartv2.Dependency
	for _, d := range chrt.Metadata.Dependencies {
		if d == nil || have[d.Name] {
			continue
		}
		have[d.Name] = true
		out = append(out, d)
	}
	return out
}

func needsDownload(deps []*chartv2.Dependency) bool {
	for _, d := range deps {
		if !strings.HasPrefix(strings.TrimSpace(d.Repository), "file://") {
			return true
		}
	}
	return false
}

// requirementsDigest is the digest Chart.lock records of the dependencies
// it was written for, computed as Helm computes it.
func requirementsDigest(req, lock []*chartv2.Dependency) (string, error) {
	data, err := json.Marshal([2][]*chartv2.Dependency{req, lock})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// localDependency loads a file:// dependency from the checkout.
func localDependency(ctx context.Context, rp *repo, dir string, d *chartv2.Dependency, fetch DependencyFetcher, depth int) (*chartv2.Chart, error) {
	p := strings.TrimPrefix(strings.TrimSpace(d.Repository), "file://")
	if path.IsAbs(p) {
		return nil, fmt.Errorf("repository %s: absolute paths lead %w", d.Repository, ErrOutsideRepository)
	}
	subdir, err := join(dir, p)
	if err != nil {
		return nil, fmt.Errorf("repository %s %w", d.Repository, err)
	}
	sub, err := loadChart(rp, subdir)
	if err != nil {
		return nil, err
	}
	if err := checkDependency(d, sub); err != nil {
		return nil, err
	}
	if err := resolveDependencies(ctx, rp, subdir, sub, fetch, depth+1); err != nil {
		return nil, fmt.Errorf("chart %s: %w", subdir, err)
	}
	return sub, nil
}

// remoteDependency downloads a dependency and loads it.
func remoteDependency(ctx context.Context, d *chartv2.Dependency, repository, version string, fetch DependencyFetcher, depth int) (*chartv2.Chart, error) {
	dir, err := fetch.FetchDependency(ctx, repository, d.Name, version)
	if err != nil {
		return nil, err
	}
	rp, err := openRepo(dir)
	if err != nil {
		return nil, err
	}
	defer rp.close()
	sub, err := loadChart(rp, ".")
	if err != nil {
		return nil, fmt.Errorf("%s version %s: %w", repository, version, err)
	}
	if err := checkDependency(d, sub); err != nil {
		return nil, err
	}
	if err := resolveDependencies(ctx, rp, ".", sub, fetch, depth+1); err != nil {
		return nil, fmt.Errorf("%s version %s: %w", repository, sub.Metadata.Version, err)
	}
	return sub, nil
}

// checkDependency verifies the chart found is the one asked for.
func checkDependency(d *chartv2.Dependency, sub *chartv2.Chart) error {
	if sub.Name() != d.Name {
		return fmt.Errorf("repository %s holds chart %q, not %q", d.Repository, sub.Name(), d.Name)
	}
	if d.Version == "" {
		return nil
	}
	c, err := semver.NewConstraint(d.Version)
	if err != nil {
		return fmt.Errorf("version %q: %w", d.Version, err)
	}
	v, err := semver.NewVersion(sub.Metadata.Version)
	if err != nil {
		return fmt.Errorf("chart version %q: %w", sub.Metadata.Version, err)
	}
	if !c.Check(v) {
		return fmt.Errorf("chart version %s does not match %q", sub.Metadata.Version, d.Version)
	}
	return nil
}
