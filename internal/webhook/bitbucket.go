package webhook

import (
	"encoding/json"
	"fmt"
)

// bitbucketCloudPush is the part of Bitbucket Cloud's repo:push event
// that Tether reads. It lists no files.
type bitbucketCloudPush struct {
	Push struct {
		Changes []struct {
			New *bitbucketCloudRef `json:"new"`
			Old *bitbucketCloudRef `json:"old"`
		} `json:"changes"`
	} `json:"push"`
	Repository struct {
		Links struct {
			HTML struct {
				Href string `json:"href"`
			} `json:"html"`
		} `json:"links"`
		MainBranch *struct {
			Name string `json:"name"`
		} `json:"mainbranch"`
	} `json:"repository"`
}

type bitbucketCloudRef struct {
	Type   string `json:"type"`
	Name   string `json:"name"`
	Target struct {
		Hash string `json:"hash"`
	} `json:"target"`
}

func parseBitbucketCloud(event string, payload []byte) ([]Push, error) {
	if event != "repo:push" {
		return nil, errIgnored
	}
	var e bitbucketCloudPush
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, fmt.Errorf("parse Bitbucket push event: %w", err)
	}
	base := Push{Provider: "bitbucket", RepoURLs: urls(e.Repository.Links.HTML.Href)}
	if e.Repository.MainBranch != nil {
		base.DefaultBranch = e.Repository.MainBranch.Name
	}
	var pushes []Push
	for _, c := range e.Push.Changes {
		p := base
		ref := c.New
		if ref == nil {
			ref, p.Deleted = c.Old, true
		} else {
			p.After = ref.Target.Hash
		}
		if ref == nil {
			continue
		}
		if c.Old != nil {
			p.Before = c.Old.Target.Hash
		}
		switch ref.Type {
		case "branch", "named_branch":
			p.Branch = ref.Name
		case "tag", "annotated_tag":
			p.Tag = ref.Name
		}
		pushes = append(pushes, p)
	}
	if len(pushes) == 0 {
		return nil, fmt.Errorf("parse Bitbucket push event: no changes")
	}
	return pushes, nil
}

// bitbucketServerPush is the part of Bitbucket Server's repo:refs_changed
// event that Tether reads. It lists no files.
type bitbucketServerPush struct {
	Repository struct {
		Links struct {
			Clone []struct {
				Href string `json:"href"`
				Name string `json:"name"`
			} `json:"clone"`
		} `json:"links"`
	} `json:"repository"`
	Changes []struct {
		Ref struct {
			ID string `json:"id"`
		} `json:"ref"`
		RefID    string `json:"refId"`
		FromHash string `json:"fromHash"`
		ToHash   string `json:"toHash"`
		Type     string `json:"type"`
	} `json:"changes"`
}

func parseBitbucketServer(event string, payload []byte) ([]Push, error) {
	if event != "repo:refs_changed" {
		return nil, errIgnored
	}
	var e bitbucketServerPush
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, fmt.Errorf("parse Bitbucket Server push event: %w", err)
	}
	var clone []string
	for _, l := range e.Repository.Links.Clone {
		clone = append(clone, l.Href)
	}
	var pushes []Push
	for _, c := range e.Changes {
		ref := c.Ref.ID
		if ref == "" {
			ref = c.RefID
		}
		p := Push{Provider: "bitbucketserver", RepoURLs: urls(clone...), Before: c.FromHash, After: c.ToHash}
		p.Deleted = c.Type == "DELETE" || (isZero(c.ToHash) && !isZero(c.FromHash))
		if p.Branch, p.Tag = refName(ref); p.Branch != "" || p.Tag != "" {
			pushes = append(pushes, p)
		}
	}
	if len(pushes) == 0 {
		return nil, fmt.Errorf("parse Bitbucket Server push event: no branch or tag changes")
	}
	return pushes, nil
}
