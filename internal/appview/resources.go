package appview

import (
	"fmt"
	"io"
	"sort"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// ResourceRow is one resource of an Application as tables and progress
// lines show it.
type ResourceRow struct {
	Group, Kind, Namespace, Name string
	// Status is the sync status (Synced, OutOfSync) or, for a resource the
	// last operation handled but that the status no longer lists, the
	// operation's result.
	Status string
	// Health is the health status; empty when not assessed.
	Health string
	// Message is the last operation's message for the resource, else the
	// health message, else a note that the resource requires pruning.
	Message string
}

// Key identifies the resource across rows.
func (r ResourceRow) Key() string {
	return r.Group + "/" + r.Kind + "/" + r.Namespace + "/" + r.Name
}

// ResourceRows lists the resources of app from its status, merged with the
// results of its last operation, in Argo CD's order: group, kind, namespace,
// name.
func ResourceRows(app *appv1.Application) []ResourceRow {
	rows := map[string]*ResourceRow{}
	for _, res := range app.Status.Resources {
		row := &ResourceRow{Group: res.Group, Kind: res.Kind, Namespace: res.Namespace, Name: res.Name, Status: string(res.Status)}
		if res.Health != nil {
			row.Health, row.Message = string(res.Health.Status), oneLine(res.Health.Message)
		}
		if res.RequiresPruning && row.Message == "" {
			row.Message = "requires pruning"
		}
		rows[row.Key()] = row
	}
	if op := app.Status.OperationState; op != nil && op.SyncResult != nil {
		for _, res := range op.SyncResult.Resources {
			row := ResourceRow{Group: res.Group, Kind: res.Kind, Namespace: res.Namespace, Name: res.Name}
			if prev, ok := rows[row.Key()]; ok {
				if res.Message != "" {
					prev.Message = oneLine(res.Message)
				}
				continue
			}
			row.Status, row.Message = string(res.Status), oneLine(res.Message)
			rows[row.Key()] = &row
		}
	}
	out := make([]ResourceRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// ResourceTable writes rows as an aligned table: GROUP, KIND, NAMESPACE,
// NAME, STATUS, HEALTH, MESSAGE.
func ResourceTable(w io.Writer, rows []ResourceRow) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "GROUP\tKIND\tNAMESPACE\tNAME\tSTATUS\tHEALTH\tMESSAGE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Group, r.Kind, r.Namespace, r.Name, r.Status, r.Health, r.Message)
	}
	return tw.Flush()
}
