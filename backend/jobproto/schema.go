package jobproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Field types of a config schema.
const (
	TypeInteger = "integer"
	TypeFloat   = "float"
	TypeChoice  = "choice"
	TypeBoolean = "boolean"
	TypeString  = "string"
)

// Schema is a trainer's config schema, the spec's worker config_schema: an
// ordered set of fields. Its JSON is an object keyed by field name, in
// order:
//
//	{"batch_size": {"type": "integer", "label": "Batch Size", "default": 8, …}, …}
type Schema []Field

// Field is one setting of a trainer. Min and Max bound integer and float
// fields. Default is an int for integer fields, a float64 for float ones,
// the choice value for choice fields; nil means none: a choice field then
// defaults to its first choice, any other field is required.
type Field struct {
	Name     string
	Type     string
	Label    string
	Default  any
	HelpText string
	Choices  []Choice
	Min, Max *float64
}

// Choice is one value of a choice field; its JSON is [value, label].
type Choice struct {
	Value string
	Label string
}

// Field returns the field called name.
func (s Schema) Field(name string) (Field, bool) {
	for _, f := range s {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Names lists the field names in order.
func (s Schema) Names() []string {
	names := make([]string, len(s))
	for i, f := range s {
		names[i] = f.Name
	}
	return names
}

// Check reports a malformed schema: unnamed, duplicate or untyped fields,
// a choice field without choices, a default of the wrong type, min > max.
func (s Schema) Check() error {
	var errs []error
	seen := make(map[string]bool, len(s))
	for _, f := range s {
		switch {
		case f.Name == "":
			errs = append(errs, errors.New("schema: a field has no name"))
			continue
		case seen[f.Name]:
			errs = append(errs, fmt.Errorf("schema: field %s twice", f.Name))
		}
		seen[f.Name] = true
		switch f.Type {
		case TypeInteger, TypeFloat, TypeBoolean, TypeString:
		case TypeChoice:
			if len(f.Choices) == 0 {
				errs = append(errs, fmt.Errorf("schema: choice field %s has no choices", f.Name))
			}
		default:
			errs = append(errs, fmt.Errorf("schema: field %s has unknown type %q", f.Name, f.Type))
			continue
		}
		if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
			errs = append(errs, fmt.Errorf("schema: field %s has min > max", f.Name))
		}
		if f.Default != nil {
			if _, msg := normalise(f, f.Default); msg != "" {
				errs = append(errs, fmt.Errorf("schema: default of %s %s", f.Name, msg))
			}
		}
	}
	return errors.Join(errs...)
}

type fieldJSON struct {
	Type     string   `json:"type"`
	Label    string   `json:"label"`
	Default  any      `json:"default,omitempty"`
	HelpText string   `json:"help_text,omitempty"`
	Choices  []Choice `json:"choices,omitempty"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
}

// MarshalJSON writes the schema as an object, fields in order.
func (s Schema) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range s {
		if i > 0 {
			buf.WriteByte(',')
		}
		key, err := json.Marshal(f.Name)
		if err != nil {
			return nil, err
		}
		val, err := json.Marshal(fieldJSON{f.Type, f.Label, f.Default, f.HelpText, f.Choices, f.Min, f.Max})
		if err != nil {
			return nil, fmt.Errorf("schema field %s: %w", f.Name, err)
		}
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(val)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads the object form, keeping the fields' order. A
// default that fits its field's type is normalised (8.0 → 8 for integers);
// Check reports the rest.
func (s *Schema) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*s = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("schema: want a JSON object of fields")
	}
	out := Schema{}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("schema: %w", err)
		}
		name, _ := tok.(string)
		if seen[name] {
			return fmt.Errorf("schema: field %s twice", name)
		}
		seen[name] = true
		var fj fieldJSON
		if err := dec.Decode(&fj); err != nil {
			return fmt.Errorf("schema field %s: %w", name, err)
		}
		f := Field{name, fj.Type, fj.Label, fj.Default, fj.HelpText, fj.Choices, fj.Min, fj.Max}
		if f.Default != nil {
			if v, msg := normalise(f, f.Default); msg == "" {
				f.Default = v
			}
		}
		out = append(out, f)
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	*s = out
	return nil
}

// MarshalJSON writes [value, label].
func (c Choice) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]string{c.Value, c.Label})
}

// UnmarshalJSON reads [value, label], or [value] (label = value).
func (c *Choice) UnmarshalJSON(data []byte) error {
	var pair []string
	if err := json.Unmarshal(data, &pair); err != nil || len(pair) < 1 || len(pair) > 2 {
		return errors.New(`choice: want ["value", "label"]`)
	}
	c.Value, c.Label = pair[0], pair[0]
	if len(pair) == 2 {
		c.Label = pair[1]
	}
	return nil
}
