package labels

import (
	"encoding/json"
	"strconv"
)

// Older forms of django-labeller label files that ParseFile still reads,
// as django-labeller's own WrappedImageLabels.from_json and the label
// classes' new_instance_from_json read them. File.Legacy names the ones a
// file used; WriteFile writes the current form instead.
const (
	// LegacyComplete: the wrapper has "complete": true|false instead of
	// "completed_tasks". django-labeller turns true into the one completed
	// task "finished" and false into none; completed_tasks, when a file has
	// both, wins.
	LegacyComplete = "complete"
	// LegacyBareList: the file is a bare JSON list of labels, with no
	// wrapper, hence no image_filename and no completed tasks.
	LegacyBareList = "bare_list"
	// LegacyVertices: a polygon has one "vertices" list instead of a list
	// of "regions"; it is read as a single region (vertices wins when a
	// label has both, as in django-labeller).
	LegacyVertices = "vertices"
	// LegacyIntegerIDs: object_id is an integer, as before django-labeller
	// moved to "<uuid>__<n>" ids. Label.ObjectID holds its digits; the
	// number is written back as it was unless the id is changed.
	LegacyIntegerIDs = "integer_object_ids"
)

// FinishedTask is the completed task a legacy "complete": true becomes.
const FinishedTask = "finished"

// complete reads the legacy "complete" flag.
func (p *parser) complete(f *File, m member) error {
	p.noteLegacy(LegacyComplete)
	if isNull(m.val) {
		f.CompletedTasks = []string{}
		return nil
	}
	var done bool
	if err := p.decode(m, &done); err != nil {
		return err
	}
	if done {
		f.CompletedTasks = []string{FinishedTask}
	} else {
		f.CompletedTasks = []string{}
	}
	return nil
}

// objectID reads object_id: a string, null, or a legacy integer.
func (p *parser) objectID(m member, dst *string) error {
	switch {
	case isNull(m.val):
		*dst = ""
		return nil
	case m.val[0] == '"':
		return p.decode(m, dst)
	}
	var n json.Number
	if err := json.Unmarshal(m.val, &n); err != nil {
		return p.errorf(m.off, "object_id must be a string, not %s", valueKind(m.val))
	}
	if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
		return p.errorf(m.off, "object_id must be a string or an integer, not %s", n)
	}
	p.noteLegacy(LegacyIntegerIDs)
	*dst = n.String()
	return nil
}
