package appview

import (
	"fmt"
	"io"
	"strconv"
	"time"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// HistoryRow is one deployment of an Application.
type HistoryRow struct {
	// Entry is the status.history entry, with Argo CD's id.
	Entry appv1.RevisionHistory
	// Commit describes Entry.Revision; nil when it could not be looked up.
	Commit *Commit
}

// History writes the deployments, oldest first: ID, DATE (when the sync
// finished), REVISION (the target revision and its commit, as Argo CD
// writes it: "main (abc1234)"), AUTHOR and SUBJECT of the commit. Dates
// are written in loc.
func History(w io.Writer, rows []HistoryRow, loc *time.Location) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tDATE\tREVISION\tAUTHOR\tSUBJECT")
	for _, r := range rows {
		author, subject := "-", "-"
		if r.Commit != nil {
			author, subject = orDash(r.Commit.Author), orDash(r.Commit.Subject)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.Entry.ID, r.Entry.DeployedAt.In(loc).Format("2006-01-02 15:04:05 MST"),
			historyRevision(r.Entry), author, subject)
	}
	return tw.Flush()
}

// HistoryIDs writes the ids alone, one a line, as `argocd app history -o id`.
func HistoryIDs(w io.Writer, rows []HistoryRow) error {
	for _, r := range rows {
		if _, err := io.WriteString(w, strconv.FormatInt(r.Entry.ID, 10)+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func historyRevision(h appv1.RevisionHistory) string {
	if len(h.Revisions) > 0 && h.Revision == "" {
		return revisionsLabel(h.Revisions)
	}
	target := h.Source.TargetRevision
	switch {
	case h.Revision == "":
		return orDefault(target, "HEAD")
	case target == "" || looksLikeSHA(target):
		return ShortSHA(h.Revision)
	}
	return target + " (" + ShortSHA(h.Revision) + ")"
}
