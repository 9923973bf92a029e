package labels

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/tessera-lab/tessera/backend"
)

// WriteFile writes f to path in django-labeller's current form, indented
// as django-labeller's file store writes it. The write is atomic: a
// temporary file in the same folder, synced, then renamed over path.
func WriteFile(path string, f *File) (err error) {
	data, err := f.MarshalJSON()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	buf.WriteByte('\n')
	return WriteAtomic(path, buf.Bytes())
}

// WriteAtomic writes data to path through a synced temp file in the same
// folder and a rename: a crash never leaves half a file.
func WriteAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("write %s: %w", filepath.Base(path), err)
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable; not every system can sync a folder.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// MarshalJSON encodes the file in django-labeller's current form: unknown
// top-level keys (sorted), then image_filename, completed_tasks, labels.
func (f *File) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	keys := make([]string, 0, len(f.Extra))
	for k := range f.Extra {
		if k != "image_filename" && k != "completed_tasks" && k != "labels" && k != "complete" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		writeKey(&b, k)
		v := f.Extra[k]
		if !json.Valid(v) {
			return nil, backend.Errorf(backend.EINVALID, "label file key %q holds invalid JSON", k)
		}
		b.Write(v)
		b.WriteByte(',')
	}
	if f.ImageFilename != "" {
		writeKey(&b, "image_filename")
		writeJSON(&b, f.ImageFilename)
		b.WriteByte(',')
	}
	writeKey(&b, "completed_tasks")
	tasks := f.CompletedTasks
	if tasks == nil {
		tasks = []string{}
	}
	writeJSON(&b, tasks)
	b.WriteString(`,"labels":[`)
	for i := range f.Labels {
		if i > 0 {
			b.WriteByte(',')
		}
		lj, err := encodeLabel(&f.Labels[i], 0)
		if err != nil {
			return nil, fmt.Errorf("label %d: %w", i, err)
		}
		b.Write(lj)
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

func writeKey(b *bytes.Buffer, k string) {
	writeJSON(b, k)
	b.WriteByte(':')
}

func writeJSON(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)           // strings, string lists and numbers cannot fail
	b.Truncate(b.Len() - 1) // the encoder's newline
}

// MarshalJSON encodes one label (see encodeLabel).
func (l Label) MarshalJSON() ([]byte, error) { return encodeLabel(&l, 0) }

// encodeLabel writes a label. A label read from a file is written from its
// Raw object, key order and unknown keys kept, with only the fields that
// differ from what Raw holds replaced; a polygon's legacy vertices become
// regions. A label built in Go (nil Raw), or one whose type changed, is
// written fresh.
func encodeLabel(l *Label, depth int) ([]byte, error) {
	if depth > maxGroupDepth {
		return nil, backend.Errorf(backend.EINVALID, "groups nested more than %d deep", maxGroupDepth)
	}
	if err := checkGeometry(l); err != nil {
		return nil, err
	}
	var ms []member
	var base Label
	if len(l.Raw) > 0 {
		var ok bool
		ms, ok = objectMembers(l.Raw, 0)
		if ok {
			p := &parser{path: "label", data: l.Raw}
			b, err := p.label(member{val: l.Raw}, depth)
			ok = err == nil && b.Type == l.Type
			base = b
		}
		if !ok {
			ms = nil
		}
	}
	out := &objWriter{ms: ms}
	fresh := ms == nil
	set := func(key string, changed bool, v func() (json.RawMessage, error)) error {
		if !fresh && !changed {
			return nil
		}
		raw, err := v()
		if err != nil {
			return err
		}
		out.set(key, raw)
		return nil
	}
	str := func(s string) func() (json.RawMessage, error) {
		return func() (json.RawMessage, error) {
			if s == "" {
				return json.RawMessage("null"), nil
			}
			return marshal(s)
		}
	}
	if err := set("label_type", false, func() (json.RawMessage, error) { return marshal(l.Type) }); err != nil {
		return nil, err
	}
	if err := set("object_id", l.ObjectID != base.ObjectID, str(l.ObjectID)); err != nil {
		return nil, err
	}
	if err := set("label_class", l.Class != base.Class, str(l.Class)); err != nil {
		return nil, err
	}
	if err := set("source", l.Source != base.Source, str(l.Source)); err != nil {
		return nil, err
	}
	if err := set("anno_data", !bytes.Equal(l.AnnoData, base.AnnoData), func() (json.RawMessage, error) {
		if isNull(l.AnnoData) {
			return json.RawMessage("{}"), nil
		}
		if !json.Valid(l.AnnoData) {
			return nil, backend.Errorf(backend.EINVALID, "anno_data is not valid JSON")
		}
		return l.AnnoData, nil
	}); err != nil {
		return nil, err
	}
	var err error
	switch l.Type {
	case TypePolygon:
		legacy := out.has("vertices")
		if legacy {
			out.rename("vertices", "regions")
		}
		err = set("regions", legacy || !regionsEqual(l.Regions, base.Regions), func() (json.RawMessage, error) {
			return marshal(regionsJSON(l.Regions))
		})
	case TypeBox:
		b, bb := derefBox(l.Box), derefBox(base.Box)
		if err = set("centre", b.Centre != bb.Centre, func() (json.RawMessage, error) { return marshal(xyJSON(b.Centre)) }); err == nil {
			err = set("size", b.Size != bb.Size, func() (json.RawMessage, error) { return marshal(xyJSON(b.Size)) })
		}
	case TypeEllipse:
		e, be := derefEllipse(l.Ellipse), derefEllipse(base.Ellipse)
		err = set("centre", e.Centre != be.Centre, func() (json.RawMessage, error) { return marshal(xyJSON(e.Centre)) })
		for _, f := range []struct {
			key    string
			v, old float64
		}{{"radius1", e.Radius1, be.Radius1}, {"radius2", e.Radius2, be.Radius2}, {"orientation_radians", e.Orientation, be.Orientation}} {
			if err == nil {
				v := f.v
				err = set(f.key, v != f.old, func() (json.RawMessage, error) { return marshal(v) })
			}
		}
	case TypePoint:
		pt, bp := derefPoint(l.Point), derefPoint(base.Point)
		err = set("position", pt != bp, func() (json.RawMessage, error) { return marshal(xyJSON(pt)) })
	case TypeGroup:
		// Components are written through encodeLabel too, so unchanged
		// ones keep their own Raw.
		err = set("component_models", true, func() (json.RawMessage, error) {
			var b bytes.Buffer
			b.WriteByte('[')
			for i := range l.Components {
				if i > 0 {
					b.WriteByte(',')
				}
				cj, err := encodeLabel(&l.Components[i], depth+1)
				if err != nil {
					return nil, err
				}
				b.Write(cj)
			}
			b.WriteByte(']')
			return b.Bytes(), nil
		})
	case TypeComposite:
		err = set("components", false, func() (json.RawMessage, error) { return json.RawMessage("[]"), nil })
	}
	if err != nil {
		return nil, err
	}
	return out.bytes(), nil
}

// checkGeometry refuses numbers JSON cannot hold.
func checkGeometry(l *Label) error {
	bad := func(vs ...float64) bool {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return true
			}
		}
		return false
	}
	for _, r := range l.Regions {
		for _, p := range r {
			if bad(p.X, p.Y) {
				return backend.Errorf(backend.EINVALID, "label %s has a vertex that is not a finite number", l.ObjectID)
			}
		}
	}
	if b := l.Box; b != nil && bad(b.Centre.X, b.Centre.Y, b.Size.X, b.Size.Y) ||
		l.Ellipse != nil && bad(l.Ellipse.Centre.X, l.Ellipse.Centre.Y, l.Ellipse.Radius1, l.Ellipse.Radius2, l.Ellipse.Orientation) ||
		l.Point != nil && bad(l.Point.X, l.Point.Y) {
		return backend.Errorf(backend.EINVALID, "label %s has a coordinate that is not a finite number", l.ObjectID)
	}
	return nil
}

func marshal(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	writeJSON(&b, v)
	return b.Bytes(), nil
}

type xy struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

func xyJSON(p Point) xy { return xy{p.X, p.Y} }

func regionsJSON(rs [][]Point) [][]xy {
	out := make([][]xy, len(rs))
	for i, r := range rs {
		out[i] = make([]xy, len(r))
		for j, p := range r {
			out[i][j] = xyJSON(p)
		}
	}
	return out
}

func regionsEqual(a, b [][]Point) bool {
	return slices.EqualFunc(a, b, func(x, y []Point) bool { return slices.Equal(x, y) })
}

func derefBox(b *Box) Box {
	if b == nil {
		return Box{}
	}
	return *b
}

func derefEllipse(e *Ellipse) Ellipse {
	if e == nil {
		return Ellipse{}
	}
	return *e
}

func derefPoint(p *Point) Point {
	if p == nil {
		return Point{}
	}
	return *p
}

// objWriter edits a JSON object's members in place, keeping their order.
type objWriter struct{ ms []member }

func (o *objWriter) has(key string) bool {
	_, ok := lookup(o.ms, key)
	return ok
}

// set replaces every member named key (the first keeps its place, later
// duplicates go), or appends one.
func (o *objWriter) set(key string, val json.RawMessage) {
	found := false
	kept := o.ms[:0]
	for _, m := range o.ms {
		if m.key == key {
			if found {
				continue
			}
			found = true
			m.val = val
		}
		kept = append(kept, m)
	}
	o.ms = kept
	if !found {
		o.ms = append(o.ms, member{key: key, val: val})
	}
}

// rename gives the members named from the name to, dropping any member
// already named to.
func (o *objWriter) rename(from, to string) {
	kept := o.ms[:0]
	for _, m := range o.ms {
		if m.key == to {
			continue
		}
		if m.key == from {
			m.key = to
		}
		kept = append(kept, m)
	}
	o.ms = kept
}

func (o *objWriter) bytes() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o.ms {
		if i > 0 {
			b.WriteByte(',')
		}
		writeKey(&b, m.key)
		b.Write(m.val)
	}
	b.WriteByte('}')
	return b.Bytes()
}
