package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
)

// gogsPush is the part of the push event of Gogs, Gitea and Forgejo that
// Tether reads.
type gogsPush struct {
	Ref          string      `json:"ref"`
	Before       string      `json:"before"`
	After        string      `json:"after"`
	Commits      []fileLists `json:"commits"`
	TotalCommits *int        `json:"total_commits"`
	Repository   struct {
		HTMLURL       string `json:"html_url"`
		CloneURL      string `json:"clone_url"`
		SSHURL        string `json:"ssh_url"`
		DefaultBranch string `json:"default_branch"`
	} `json:"repository"`
}

func parseGogs(event string, payload []byte) ([]Push, error) {
	if event != "push" {
		return nil, errIgnored
	}
	var e gogsPush
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, fmt.Errorf("parse Gogs/Gitea push event: %w", err)
	}
	if e.Ref == "" {
		return nil, errors.New("Gogs/Gitea push event without ref")
	}
	p := Push{
		Provider:      "gogs",
		RepoURLs:      urls(e.Repository.HTMLURL, e.Repository.CloneURL, e.Repository.SSHURL),
		Before:        e.Before,
		After:         e.After,
		DefaultBranch: e.Repository.DefaultBranch,
		Deleted:       isZero(e.After),
	}
	p.Branch, p.Tag = refName(e.Ref)
	// Gitea lists a limited number of commits and, since 1.20, counts
	// them all in total_commits.
	complete := e.TotalCommits == nil || *e.TotalCommits <= len(e.Commits)
	if !p.Deleted && !isZero(e.Before) && complete {
		p.ChangedFiles = changedFiles(e.Commits)
	}
	return []Push{p}, nil
}
