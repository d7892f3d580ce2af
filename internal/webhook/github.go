package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
)

// gitHubPush is the part of GitHub's push event that Tether reads.
type gitHubPush struct {
	Ref        string      `json:"ref"`
	Before     string      `json:"before"`
	After      string      `json:"after"`
	Created    bool        `json:"created"`
	Deleted    bool        `json:"deleted"`
	Forced     bool        `json:"forced"`
	Commits    []fileLists `json:"commits"`
	Repository struct {
		HTMLURL       string `json:"html_url"`
		CloneURL      string `json:"clone_url"`
		SSHURL        string `json:"ssh_url"`
		DefaultBranch string `json:"default_branch"`
	} `json:"repository"`
}

// gitHubMaxCommits is the most commits GitHub lists in a push event; a
// push of more has an incomplete file list.
const gitHubMaxCommits = 2048

func parseGitHub(event string, payload []byte) ([]Push, error) {
	if event != "push" {
		return nil, errIgnored
	}
	var e gitHubPush
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, fmt.Errorf("parse GitHub push event: %w", err)
	}
	if e.Ref == "" {
		return nil, errors.New("GitHub push event without ref")
	}
	p := Push{
		Provider:      "github",
		RepoURLs:      urls(e.Repository.HTMLURL, e.Repository.CloneURL, e.Repository.SSHURL),
		Before:        e.Before,
		After:         e.After,
		DefaultBranch: e.Repository.DefaultBranch,
		Deleted:       e.Deleted || (isZero(e.After) && !isZero(e.Before)),
	}
	p.Branch, p.Tag = refName(e.Ref)
	if !p.Deleted && !e.Created && !e.Forced && !isZero(e.Before) && len(e.Commits) < gitHubMaxCommits {
		p.ChangedFiles = changedFiles(e.Commits)
	}
	return []Push{p}, nil
}
