package application

import (
	"fmt"
	"sync"
	"time"
)

// healTracker spaces out heals of drift that keeps coming back: from the
// third heal in a row (each within healWindow of the previous one) the wait
// doubles, up to maxHealWait, so that a controller fighting Tether is not
// fought in a tight loop, while a person's occasional change is healed at
// the self-heal timeout.
type healTracker struct {
	mu    sync.Mutex
	state map[string]healState
}

type healState struct {
	count int
	last  time.Time
	// fight describes what kept drifting, as of the last heal.
	fight string
}

const (
	healWindow  = 2 * time.Minute
	maxHealWait = 5 * time.Minute
)

func newHealTracker() *healTracker { return &healTracker{state: map[string]healState{}} }

// wait returns how long to wait before healing app, whose last sync finished
// at finished; 0 means heal now. The first heal waits only for timeout to
// pass since the last sync, as Argo CD does.
func (h *healTracker) wait(app string, finished time.Time, timeout time.Duration, now time.Time) time.Duration {
	h.mu.Lock()
	s := h.state[app]
	h.mu.Unlock()
	delay := timeout
	if now.Sub(s.last) < healWindow {
		for i := 1; i < s.count && delay < maxHealWait; i++ {
			delay *= 2
		}
	}
	delay = min(delay, maxHealWait)
	if elapsed := now.Sub(finished); elapsed < delay {
		return delay - elapsed
	}
	return 0
}

// healed records a heal of app at now, and what drifted.
func (h *healTracker) healed(app string, now time.Time, fight string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.state[app]
	if now.Sub(s.last) >= healWindow {
		s.count = 0
	}
	s.count++
	s.last = now
	s.fight = fight
	h.state[app] = s
}

// conflict describes the fight over app's fields while heals keep coming in
// a row (at least min of them, the last within healWindow); "" otherwise.
func (h *healTracker) conflict(app string, min int, now time.Time) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.state[app]
	if s.count < min || now.Sub(s.last) >= healWindow || s.fight == "" {
		return ""
	}
	return fmt.Sprintf("drift came back %d times in a row, so heals are spaced out: %s", s.count, s.fight)
}
