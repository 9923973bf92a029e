package evaluate

import "testing"

// Two people asking for the same prediction at once: it stays listed, in
// its project, until the last of them ends.
func TestAPredictionAskedTwiceStaysListedUntilBothEnd(t *testing.T) {
	var s Service
	key := progressKey{"j", 5}
	s.progress.start(nil, key, 3, 10)
	s.progress.start(nil, key, 3, 10)
	s.progress.update(nil, key, func(p *Progress) { p.State, p.Done = "running", 4 })
	s.progress.end(nil, key, false)
	s.progress.update(nil, key, func(p *Progress) { p.Done = 6 })
	if run := s.Running(3); len(run) != 1 || run[0].Done != 6 || run[0].ProjectID != 3 {
		t.Fatalf("after the first ended: %+v", run)
	}
	s.progress.end(nil, key, false)
	if run := s.Running(3); len(run) != 0 {
		t.Fatalf("after both ended: %+v", run)
	}
}
