package labels

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/tessera-lab/tessera/backend"
)

// Label types django-labeller writes.
const (
	TypePolygon   = "polygon"
	TypeBox       = "box"
	TypeEllipse   = "oriented_ellipse"
	TypePoint     = "point"
	TypeGroup     = "group"
	TypeComposite = "composite"
)

// File is one django-labeller label file: the labels of one image (for
// Tessera, one tile: annotations/<tile>__labels.json).
type File struct {
	ImageFilename  string
	CompletedTasks []string
	Labels         []Label
	// Extra keeps top-level keys this package does not know, written back
	// unchanged (django-labeller keeps them as metadata too).
	Extra map[string]json.RawMessage
	// Legacy lists the older forms met while reading (see legacy.go);
	// WriteFile always writes the current form.
	Legacy []string
}

// Label is one label. The common fields and the geometry of the types this
// package draws are decoded; Raw keeps the whole object as read, so that
// unknown types and fields round-trip untouched.
type Label struct {
	Type     string // label_type: polygon, box, oriented_ellipse, point, group, composite, …
	ObjectID string // object_id; a legacy integer id is kept as its digits
	Class    string // label_class; "" for null
	Source   string // source: "manual", "auto:dextr", …; "" for null
	AnnoData json.RawMessage
	// Regions of a polygon: each region is a ring of vertices in pixel
	// coordinates. Regions are combined by XOR, so a region inside another
	// is a hole.
	Regions [][]Point
	Box     *Box     // a box label's geometry
	Ellipse *Ellipse // an oriented_ellipse label's geometry
	Point   *Point   // a point label's position
	// Components of a group label (component_models), drawn with the
	// group's class.
	Components []Label
	// Raw is the label's JSON object as read; nil for a label built in Go.
	Raw json.RawMessage
}

// Point is a vertex in image pixel coordinates: (0, 0) is the centre of
// the top-left pixel, as in Pillow.
type Point struct{ X, Y float64 }

// Box is an axis-aligned box label: its centre and full width and height.
type Box struct{ Centre, Size Point }

// Ellipse is an oriented_ellipse label: radius1 along the orientation
// (radians, clockwise on screen from the x axis), radius2 across it.
type Ellipse struct {
	Centre           Point
	Radius1, Radius2 float64
	Orientation      float64
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// maxGroupDepth bounds the nesting of group labels.
const maxGroupDepth = 64

// ParseFile reads a label file. path only names the file in errors, which
// say where the fault is: "annotations/a__labels.json:12:5: …". Besides the
// current form it reads django-labeller's older ones (legacy.go).
func ParseFile(r io.Reader, path string) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxFileBytes {
		return nil, backend.Errorf(backend.ETOOLARGE, "%s: label file is over %d MiB", path, maxFileBytes>>20)
	}
	if bytes.HasPrefix(data, utf8BOM) {
		// Editors on Windows may add one; editors do not show it as a
		// column either.
		data = data[len(utf8BOM):]
	}
	p := &parser{path: path, data: data}
	return p.file()
}

type parser struct {
	path   string
	data   []byte
	legacy []string
}

func (p *parser) errorf(off int, format string, args ...any) error {
	return posError(p.path, p.data, off, format, args...)
}

func (p *parser) noteLegacy(form string) {
	for _, l := range p.legacy {
		if l == form {
			return
		}
	}
	p.legacy = append(p.legacy, form)
}

func (p *parser) file() (*File, error) {
	var top json.RawMessage
	if err := json.Unmarshal(p.data, &top); err != nil {
		return nil, jsonError(p.path, p.data, 0, err)
	}
	start := len(p.data) - len(bytes.TrimLeft(p.data, " \t\r\n"))
	f := &File{}
	var labels member
	switch top[0] {
	case '[':
		p.noteLegacy(LegacyBareList)
		labels = member{key: "labels", val: top, off: start}
	case '{':
		ms, _ := objectMembers(top, start)
		var ok bool
		if labels, ok = lookup(ms, "labels"); !ok {
			return nil, p.errorf(start, "a label file needs a \"labels\" list")
		}
		if err := p.header(f, ms); err != nil {
			return nil, err
		}
	default:
		return nil, p.errorf(start, "a label file must be an object or a list, not %s", valueKind(top))
	}
	items, ok := arrayItems(labels.val, labels.off)
	if !ok {
		return nil, p.errorf(labels.off, "\"labels\" must be a list, not %s", valueKind(labels.val))
	}
	f.Labels = make([]Label, 0, len(items))
	for _, it := range items {
		l, err := p.label(it, 0)
		if err != nil {
			return nil, err
		}
		f.Labels = append(f.Labels, l)
	}
	f.Legacy = p.legacy
	return f, nil
}

// header reads the wrapper's keys other than labels.
func (p *parser) header(f *File, ms []member) error {
	last := map[string]member{} // the last of duplicate keys wins, as in Python
	for _, m := range ms {
		last[m.key] = m
	}
	for _, m := range ms {
		if last[m.key].off != m.off {
			continue
		}
		switch m.key {
		case "labels", "complete", "completed_tasks":
		case "image_filename":
			if err := p.str(m, &f.ImageFilename, true); err != nil {
				return err
			}
		default:
			if f.Extra == nil {
				f.Extra = map[string]json.RawMessage{}
			}
			f.Extra[m.key] = m.val
		}
	}
	if m, ok := last["complete"]; ok {
		if err := p.complete(f, m); err != nil {
			return err
		}
	}
	if m, ok := last["completed_tasks"]; ok {
		var tasks []string
		if err := p.decode(m, &tasks); err != nil {
			return err
		}
		f.CompletedTasks = tasks
	}
	if f.CompletedTasks == nil {
		f.CompletedTasks = []string{}
	}
	return nil
}

// decode unmarshals a member's value, positioning any error in the file.
func (p *parser) decode(m member, v any) error {
	if err := json.Unmarshal(m.val, v); err != nil {
		if m.key != "" {
			return jsonError(p.path, p.data, m.off, fmt.Errorf("%s: %s", m.key, jsonMessage(err)))
		}
		return jsonError(p.path, p.data, m.off, err)
	}
	return nil
}

// label reads one label object.
func (p *parser) label(it member, depth int) (Label, error) {
	if depth > maxGroupDepth {
		return Label{}, p.errorf(it.off, "groups nested more than %d deep", maxGroupDepth)
	}
	ms, ok := objectMembers(it.val, it.off)
	if !ok {
		return Label{}, p.errorf(it.off, "a label must be an object, not %s", valueKind(it.val))
	}
	l := Label{Raw: it.val}
	lt, ok := lookup(ms, "label_type")
	if !ok {
		return Label{}, p.errorf(it.off, "label has no label_type")
	}
	if err := p.str(lt, &l.Type, false); err != nil {
		return Label{}, err
	}
	if m, ok := lookup(ms, "object_id"); ok {
		if err := p.objectID(m, &l.ObjectID); err != nil {
			return Label{}, err
		}
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"label_class", &l.Class}, {"source", &l.Source}} {
		if m, ok := lookup(ms, f.key); ok {
			if err := p.str(m, f.dst, true); err != nil {
				return Label{}, err
			}
		}
	}
	if m, ok := lookup(ms, "anno_data"); ok && !isNull(m.val) {
		l.AnnoData = m.val
	}
	var err error
	switch l.Type {
	case TypePolygon:
		err = p.polygon(&l, ms, it.off)
	case TypeBox:
		l.Box = &Box{}
		if err = p.point(ms, "centre", &l.Box.Centre, it.off); err == nil {
			err = p.point(ms, "size", &l.Box.Size, it.off)
		}
	case TypeEllipse:
		l.Ellipse = &Ellipse{}
		err = p.point(ms, "centre", &l.Ellipse.Centre, it.off)
		for _, f := range []struct {
			key string
			dst *float64
		}{{"radius1", &l.Ellipse.Radius1}, {"radius2", &l.Ellipse.Radius2}, {"orientation_radians", &l.Ellipse.Orientation}} {
			if err == nil {
				err = p.number(ms, f.key, f.dst, it.off)
			}
		}
	case TypePoint:
		l.Point = &Point{}
		err = p.point(ms, "position", l.Point, it.off)
	case TypeGroup:
		err = p.group(&l, ms, it.off, depth)
	}
	return l, err
}

// str reads a string member; null is "" when nullable.
func (p *parser) str(m member, dst *string, nullable bool) error {
	if nullable && isNull(m.val) {
		*dst = ""
		return nil
	}
	if len(m.val) == 0 || m.val[0] != '"' {
		return p.errorf(m.off, "%s must be a string, not %s", m.key, valueKind(m.val))
	}
	return p.decode(m, dst)
}

func (p *parser) point(ms []member, key string, dst *Point, labelOff int) error {
	m, ok := lookup(ms, key)
	if !ok {
		return p.errorf(labelOff, "label has no %s", key)
	}
	return p.vertex(m, dst)
}

func (p *parser) number(ms []member, key string, dst *float64, labelOff int) error {
	m, ok := lookup(ms, key)
	if !ok {
		return p.errorf(labelOff, "label has no %s", key)
	}
	if len(m.val) == 0 || !(m.val[0] == '-' || m.val[0] >= '0' && m.val[0] <= '9') {
		return p.errorf(m.off, "%s must be a number, not %s", key, valueKind(m.val))
	}
	return p.decode(m, dst)
}

// vertex reads {"x": …, "y": …}.
func (p *parser) vertex(m member, dst *Point) error {
	var v struct {
		X *float64 `json:"x"`
		Y *float64 `json:"y"`
	}
	if len(m.val) == 0 || m.val[0] != '{' {
		return p.errorf(m.off, "%s must be an object {\"x\": …, \"y\": …}, not %s", m.key, valueKind(m.val))
	}
	if err := json.Unmarshal(m.val, &v); err != nil || v.X == nil || v.Y == nil {
		return p.vertexError(m)
	}
	*dst = Point{*v.X, *v.Y}
	return nil
}

// vertexError walks a vertex that failed to decode to say which
// coordinate is wrong, and where.
func (p *parser) vertexError(m member) error {
	ms, _ := objectMembers(m.val, m.off)
	for _, key := range []string{"x", "y"} {
		c, ok := lookup(ms, key)
		if !ok {
			return p.errorf(m.off, "%s needs numbers x and y", m.key)
		}
		var f float64
		if len(c.val) == 0 || !(c.val[0] == '-' || c.val[0] >= '0' && c.val[0] <= '9') {
			return p.errorf(c.off, "%s: %s must be a number, not %s", m.key, key, valueKind(c.val))
		}
		if err := json.Unmarshal(c.val, &f); err != nil {
			return p.errorf(c.off, "%s: %s is out of range", m.key, key)
		}
	}
	return p.errorf(m.off, "%s is not a vertex", m.key)
}

// ring reads a list of vertices.
func (p *parser) ring(m member) ([]Point, error) {
	items, ok := arrayItems(m.val, m.off)
	if !ok {
		return nil, p.errorf(m.off, "%s must be a list of vertices, not %s", m.key, valueKind(m.val))
	}
	ring := make([]Point, len(items))
	for i, it := range items {
		it.key = "vertex"
		if err := p.vertex(it, &ring[i]); err != nil {
			return nil, err
		}
	}
	return ring, nil
}

func (p *parser) polygon(l *Label, ms []member, labelOff int) error {
	if m, ok := lookup(ms, "vertices"); ok {
		// django-labeller reads vertices first when both are there.
		p.noteLegacy(LegacyVertices)
		ring, err := p.ring(m)
		if err != nil {
			return err
		}
		l.Regions = [][]Point{ring}
		return nil
	}
	m, ok := lookup(ms, "regions")
	if !ok {
		return p.errorf(labelOff, "polygon label has neither regions nor vertices")
	}
	items, ok := arrayItems(m.val, m.off)
	if !ok {
		return p.errorf(m.off, "regions must be a list of vertex lists, not %s", valueKind(m.val))
	}
	l.Regions = make([][]Point, 0, len(items))
	for _, it := range items {
		it.key = "region"
		ring, err := p.ring(it)
		if err != nil {
			return err
		}
		l.Regions = append(l.Regions, ring)
	}
	return nil
}

func (p *parser) group(l *Label, ms []member, labelOff, depth int) error {
	m, ok := lookup(ms, "component_models")
	if !ok {
		return p.errorf(labelOff, "group label has no component_models")
	}
	items, ok := arrayItems(m.val, m.off)
	if !ok {
		return p.errorf(m.off, "component_models must be a list of labels, not %s", valueKind(m.val))
	}
	l.Components = make([]Label, 0, len(items))
	for _, it := range items {
		c, err := p.label(it, depth+1)
		if err != nil {
			return err
		}
		l.Components = append(l.Components, c)
	}
	return nil
}

// valueKind names the JSON type of raw for messages.
func valueKind(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	}
	return "a number"
}
