package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
)

// gitLabPush is the part of GitLab's push and tag push events (also as
// system hooks) that Tether reads.
type gitLabPush struct {
	ObjectKind        string      `json:"object_kind"`
	Ref               string      `json:"ref"`
	Before            string      `json:"before"`
	After             string      `json:"after"`
	Commits           []fileLists `json:"commits"`
	TotalCommitsCount int         `json:"total_commits_count"`
	Project           struct {
		WebURL        string `json:"web_url"`
		GitHTTPURL    string `json:"git_http_url"`
		GitSSHURL     string `json:"git_ssh_url"`
		DefaultBranch string `json:"default_branch"`
	} `json:"project"`
}

func parseGitLab(event string, payload []byte) ([]Push, error) {
	switch event {
	case "Push Hook", "Tag Push Hook", "System Hook":
	default:
		return nil, errIgnored
	}
	var e gitLabPush
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, fmt.Errorf("parse GitLab push event: %w", err)
	}
	if e.ObjectKind != "push" && e.ObjectKind != "tag_push" {
		return nil, errIgnored
	}
	if e.Ref == "" {
		return nil, errors.New("GitLab push event without ref")
	}
	p := Push{
		Provider:      "gitlab",
		RepoURLs:      urls(e.Project.WebURL, e.Project.GitHTTPURL, e.Project.GitSSHURL),
		Before:        e.Before,
		After:         e.After,
		DefaultBranch: e.Project.DefaultBranch,
		Deleted:       isZero(e.After),
	}
	p.Branch, p.Tag = refName(e.Ref)
	// GitLab lists at most 20 commits and counts them all.
	if !p.Deleted && !isZero(e.Before) && e.TotalCommitsCount <= len(e.Commits) {
		p.ChangedFiles = changedFiles(e.Commits)
	}
	return []Push{p}, nil
}
