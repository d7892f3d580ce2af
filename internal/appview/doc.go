// Package appview formats Applications for people: the tables, summaries,
// trees, histories, progress lines and diffs that `tether app` prints.
//
// Its functions take plain data (typed Applications, rows, commit details)
// and a writer, and return the writer's error. They read no cluster and no
// repository, and never look at the clock: callers pass the time that ages
// are measured from, so output is reproducible. Nothing here masks Secret
// values; callers hand over objects that internal/diff already masked.
package appview
