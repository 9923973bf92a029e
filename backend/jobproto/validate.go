package jobproto

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
)

// FieldError is a config value that does not fit its field. Message reads
// on its own beside the form field ("must be at least 1").
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// maxExactInt is the largest integer a JSON number (float64) holds exactly.
const maxExactInt = 1 << 53

// Validate checks cfg against schema and returns the config a trainer gets:
// every field of the schema, defaults filled in, integers as int, floats as
// float64. A nil value counts as absent. Errors come in schema order, then
// unknown fields by name; when there are errors the config is nil.
func Validate(schema Schema, cfg map[string]any) (map[string]any, []FieldError) {
	out := make(map[string]any, len(schema))
	var errs []FieldError
	for _, f := range schema {
		v, ok := cfg[f.Name]
		if !ok || v == nil {
			switch {
			case f.Default != nil:
				v = f.Default
			case f.Type == TypeChoice && len(f.Choices) > 0:
				v = f.Choices[0].Value
			default:
				errs = append(errs, FieldError{f.Name, "is required"})
				continue
			}
		}
		norm, msg := normalise(f, v)
		if msg != "" {
			errs = append(errs, FieldError{f.Name, msg})
			continue
		}
		out[f.Name] = norm
	}
	var unknown []string
	for k := range cfg {
		if _, ok := schema.Field(k); !ok {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		errs = append(errs, FieldError{k, "is not a setting of this trainer (it takes " + strings.Join(schema.Names(), ", ") + ")"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// normalise converts v to f's Go type and checks it, returning a message
// when it does not fit.
func normalise(f Field, v any) (any, string) {
	switch f.Type {
	case TypeInteger:
		x, ok := number(v)
		if !ok {
			return nil, "must be a whole number, not " + describe(v)
		}
		if x != math.Trunc(x) || math.Abs(x) > maxExactInt {
			return nil, "must be a whole number, not " + strconv.FormatFloat(x, 'g', -1, 64)
		}
		if msg := inRange(f, x); msg != "" {
			return nil, msg
		}
		return int(x), ""
	case TypeFloat:
		x, ok := number(v)
		if !ok {
			return nil, "must be a number, not " + describe(v)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, "must be a finite number"
		}
		if msg := inRange(f, x); msg != "" {
			return nil, msg
		}
		return x, ""
	case TypeBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, "must be true or false, not " + describe(v)
		}
		return b, ""
	case TypeString:
		s, ok := v.(string)
		if !ok {
			return nil, "must be text, not " + describe(v)
		}
		return s, ""
	case TypeChoice:
		s, ok := v.(string)
		if x, isNum := number(v); !ok && isNum {
			s, ok = strconv.FormatFloat(x, 'f', -1, 64), true // 64 for the choice "64"
		}
		if !ok {
			return nil, "must be one of " + choiceList(f) + ", not " + describe(v)
		}
		for _, c := range f.Choices {
			if c.Value == s {
				return s, ""
			}
		}
		return nil, "must be one of " + choiceList(f) + ", not " + strconv.Quote(s)
	}
	return nil, "has unknown type " + strconv.Quote(f.Type)
}

func inRange(f Field, x float64) string {
	if f.Min != nil && x < *f.Min {
		return "must be at least " + strconv.FormatFloat(*f.Min, 'g', -1, 64)
	}
	if f.Max != nil && x > *f.Max {
		return "must be at most " + strconv.FormatFloat(*f.Max, 'g', -1, 64)
	}
	return ""
}

// number reads the numeric kinds a decoded or hand-built config holds.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return "text " + strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	if x, ok := number(v); ok {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return "a value of another kind"
}

func choiceList(f Field) string {
	vals := make([]string, len(f.Choices))
	for i, c := range f.Choices {
		vals[i] = strconv.Quote(c.Value)
	}
	return strings.Join(vals, ", ")
}
