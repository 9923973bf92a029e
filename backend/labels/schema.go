package labels

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/tessera-lab/tessera/backend"
)

// Schema is a project's label classes in django-labeller's schema.json
// form: colour schemes, and the classes in named groups.
type Schema struct {
	Name          string
	Description   string
	ColourSchemes []ColourScheme
	Groups        []Group
}

// ColourScheme is one named set of class colours ("natural", …). Every
// class may have a colour for each scheme, and a "default" one.
type ColourScheme struct {
	Name      string `json:"name"`
	HumanName string `json:"human_name"`
}

// Group is a named list of classes, as the labelling tool shows them.
type Group struct {
	Name    string
	Classes []Class
}

// Class is one label class. Name is what label files store in label_class.
type Class struct {
	Name      string
	HumanName string
	// Colours maps a colour scheme's name (or "default") to RGB.
	Colours map[string][3]uint8
}

// MaxClasses is the most classes a mask can hold: value 0 is background.
const MaxClasses = 255

type schemaJSON struct {
	Name          *string           `json:"name,omitempty"`
	Description   *string           `json:"description,omitempty"`
	ColourSchemes []ColourScheme    `json:"colour_schemes"`
	Groups        []json.RawMessage `json:"label_class_groups"`
}

type groupJSON struct {
	GroupName string            `json:"group_name"`
	Classes   []json.RawMessage `json:"group_classes"`
}

type classJSON struct {
	Name      string               `json:"name"`
	HumanName string               `json:"human_name"`
	Colours   map[string][]float64 `json:"colours,omitempty"`
	Colour    json.RawMessage      `json:"colour,omitempty"` // legacy: one RGB, or a map like colours
}

// ParseSchema reads a schema in django-labeller's form. It also takes the
// older forms: a class with a single "colour" instead of "colours" (it
// becomes the "default" colour), and a bare list of classes and groups as
// the tool's label_classes option was given (classes outside a group go
// into a group with an empty name). The schema is validated.
func ParseSchema(r io.Reader) (Schema, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return Schema{}, fmt.Errorf("read schema: %w", err)
	}
	if len(data) > maxFileBytes {
		return Schema{}, backend.Errorf(backend.ETOOLARGE, "schema is over %d MiB", maxFileBytes>>20)
	}
	var s Schema
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return Schema{}, jsonError("schema", data, 0, err)
		}
		var loose *Group
		for _, it := range items {
			var probe map[string]json.RawMessage
			if err := json.Unmarshal(it, &probe); err != nil {
				return Schema{}, backend.Errorf(backend.EINVALID, "schema: a class must be an object")
			}
			if _, ok := probe["group_name"]; ok {
				g, err := parseGroup(it)
				if err != nil {
					return Schema{}, err
				}
				s.Groups = append(s.Groups, g)
				loose = nil
				continue
			}
			c, err := parseClass(it)
			if err != nil {
				return Schema{}, err
			}
			if loose == nil {
				s.Groups = append(s.Groups, Group{})
				loose = &s.Groups[len(s.Groups)-1]
			}
			loose.Classes = append(loose.Classes, c)
		}
	} else {
		var sj schemaJSON
		if err := json.Unmarshal(data, &sj); err != nil {
			return Schema{}, jsonError("schema", data, 0, err)
		}
		if sj.Name != nil {
			s.Name = *sj.Name
		}
		if sj.Description != nil {
			s.Description = *sj.Description
		}
		s.ColourSchemes = sj.ColourSchemes
		for _, gj := range sj.Groups {
			g, err := parseGroup(gj)
			if err != nil {
				return Schema{}, err
			}
			s.Groups = append(s.Groups, g)
		}
	}
	if err := s.Validate(); err != nil {
		return Schema{}, err
	}
	return s, nil
}

func parseGroup(data json.RawMessage) (Group, error) {
	var gj groupJSON
	if err := json.Unmarshal(data, &gj); err != nil {
		return Group{}, backend.Errorf(backend.EINVALID, "schema: label class group: %s", jsonMessage(err))
	}
	g := Group{Name: gj.GroupName}
	for _, cj := range gj.Classes {
		c, err := parseClass(cj)
		if err != nil {
			return Group{}, err
		}
		g.Classes = append(g.Classes, c)
	}
	return g, nil
}

func parseClass(data json.RawMessage) (Class, error) {
	var cj classJSON
	if err := json.Unmarshal(data, &cj); err != nil {
		return Class{}, backend.Errorf(backend.EINVALID, "schema: label class: %s", jsonMessage(err))
	}
	c := Class{Name: cj.Name, HumanName: cj.HumanName, Colours: map[string][3]uint8{}}
	if cj.Colours == nil && len(cj.Colour) > 0 && string(cj.Colour) != "null" {
		// Legacy: one colour, or a map under the old key.
		var one []float64
		if err := json.Unmarshal(cj.Colour, &one); err == nil {
			cj.Colours = map[string][]float64{"default": one}
		} else if err := json.Unmarshal(cj.Colour, &cj.Colours); err != nil {
			return Class{}, backend.Errorf(backend.EINVALID, "schema: class %q: colour must be [r, g, b]", cj.Name)
		}
	}
	for scheme, rgb := range cj.Colours {
		if len(rgb) != 3 {
			return Class{}, backend.Errorf(backend.EINVALID, "schema: class %q: colour %q must be [r, g, b]", cj.Name, scheme)
		}
		var col [3]uint8
		for i, v := range rgb {
			if v < 0 || v > 255 || v != math.Trunc(v) {
				return Class{}, backend.Errorf(backend.EINVALID, "schema: class %q: colour %q has %v, not a whole number in 0-255", cj.Name, scheme, v)
			}
			col[i] = uint8(v)
		}
		c.Colours[scheme] = col
	}
	return c, nil
}

// MarshalJSON writes the schema in django-labeller's current form.
func (s Schema) MarshalJSON() ([]byte, error) {
	type classOut struct {
		Name      string            `json:"name"`
		HumanName string            `json:"human_name"`
		Colours   map[string][3]int `json:"colours"`
	}
	type groupOut struct {
		GroupName string     `json:"group_name"`
		Classes   []classOut `json:"group_classes"`
	}
	out := struct {
		Name          string         `json:"name"`
		Description   string         `json:"description"`
		ColourSchemes []ColourScheme `json:"colour_schemes"`
		Groups        []groupOut     `json:"label_class_groups"`
	}{Name: s.Name, Description: s.Description, ColourSchemes: s.ColourSchemes, Groups: []groupOut{}}
	if out.ColourSchemes == nil {
		out.ColourSchemes = []ColourScheme{}
	}
	for _, g := range s.Groups {
		gj := groupOut{GroupName: g.Name, Classes: []classOut{}}
		for _, c := range g.Classes {
			cols := map[string][3]int{}
			for k, v := range c.Colours {
				cols[k] = [3]int{int(v[0]), int(v[1]), int(v[2])}
			}
			gj.Classes = append(gj.Classes, classOut{c.Name, c.HumanName, cols})
		}
		out.Groups = append(out.Groups, gj)
	}
	return json.Marshal(out)
}

// Classes lists every class in schema order: groups in order, classes in
// order within each. Class i is drawn in masks with value i+1.
func (s Schema) Classes() []Class {
	var cs []Class
	for _, g := range s.Groups {
		cs = append(cs, g.Classes...)
	}
	return cs
}

// ClassIndex returns the mask value of the class named name (from 1), and
// false when the schema has no such class.
func (s Schema) ClassIndex(name string) (int, bool) {
	i := 0
	for _, g := range s.Groups {
		for _, c := range g.Classes {
			i++
			if c.Name == name {
				return i, true
			}
		}
	}
	return 0, false
}

// classIndices maps class names to mask values.
func (s Schema) classIndices() map[string]int {
	m := map[string]int{}
	for i, c := range s.Classes() {
		if _, dup := m[c.Name]; !dup {
			m[c.Name] = i + 1
		}
	}
	return m
}

// Validate checks that class names are non-empty and unique, that there
// are no more classes than a mask holds, and that colour schemes have
// unique non-empty names. Colours are in range by construction.
func (s Schema) Validate() error {
	schemes := map[string]bool{}
	for _, cs := range s.ColourSchemes {
		if cs.Name == "" {
			return backend.Errorf(backend.EINVALID, "schema: a colour scheme has no name")
		}
		if schemes[cs.Name] {
			return backend.Errorf(backend.EINVALID, "schema: colour scheme %q is defined twice", cs.Name)
		}
		schemes[cs.Name] = true
	}
	seen := map[string]string{}
	n := 0
	for _, g := range s.Groups {
		for _, c := range g.Classes {
			n++
			if c.Name == "" {
				return backend.Errorf(backend.EINVALID, "schema: class %d in group %q has no name", n, g.Name)
			}
			if other, dup := seen[c.Name]; dup {
				return backend.Errorf(backend.EINVALID, "schema: class %q is in group %q and again in group %q", c.Name, other, g.Name)
			}
			seen[c.Name] = g.Name
		}
	}
	if n > MaxClasses {
		return backend.Errorf(backend.EINVALID, "schema: %d classes; a mask holds at most %d", n, MaxClasses)
	}
	return nil
}

// Colour returns the class's colour in the named scheme, falling back to
// its "default" colour, then to a grey derived from the mask value.
func (c Class) Colour(scheme string) [3]uint8 {
	if col, ok := c.Colours[scheme]; ok {
		return col
	}
	if col, ok := c.Colours["default"]; ok {
		return col
	}
	return [3]uint8{128, 128, 128}
}
