package application

import (
	"strings"
	"testing"
	"time"
)

func TestHealTrackerSpacesRepeatedHeals(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	timeout := 5 * time.Second
	tests := []struct {
		name      string
		heals     []time.Duration // offsets of earlier heals from start
		finished  time.Duration   // offset of the last sync's end
		now       time.Duration
		wantWait  time.Duration
		wantFight bool
	}{
		{name: "first drift long after the sync heals at once", finished: 0, now: time.Minute, wantWait: 0},
		{name: "first drift right after a sync waits for the timeout", finished: 0, now: 2 * time.Second, wantWait: 3 * time.Second},
		{name: "second heal in a row waits the timeout", heals: []time.Duration{0}, finished: 0, now: 3 * time.Second, wantWait: 2 * time.Second},
		{name: "third heal in a row waits twice the timeout", heals: []time.Duration{0, 10 * time.Second}, finished: 10 * time.Second, now: 11 * time.Second, wantWait: 9 * time.Second},
		{name: "fourth heal in a row waits four times", heals: []time.Duration{0, 10 * time.Second, 20 * time.Second}, finished: 20 * time.Second, now: 21 * time.Second, wantWait: 19 * time.Second, wantFight: true},
		{name: "an old heal does not count", heals: []time.Duration{0}, finished: 0, now: 10 * time.Minute, wantWait: 0},
		{name: "the wait is capped", heals: make([]time.Duration, 20), finished: 0, now: time.Second, wantWait: maxHealWait - time.Second, wantFight: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHealTracker()
			for _, at := range tt.heals {
				h.healed("app", start.Add(at), "Deployment prod/web field(s) spec.replicas")
			}
			got := h.wait("app", start.Add(tt.finished), timeout, start.Add(tt.now))
			if got != tt.wantWait {
				t.Errorf("wait = %s, want %s", got, tt.wantWait)
			}
			fight := h.conflict("app", conflictAfter, start.Add(tt.now))
			if (fight != "") != tt.wantFight {
				t.Errorf("conflict = %q, want one: %v", fight, tt.wantFight)
			}
			if tt.wantFight && !strings.Contains(fight, "spec.replicas") {
				t.Errorf("conflict %q does not name the field", fight)
			}
		})
	}
}
