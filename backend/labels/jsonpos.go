package labels

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tessera-lab/tessera/backend"
)

// maxFileBytes bounds what ParseFile and ParseSchema read: a label file of a
// tile is kilobytes, one of a whole slide a few megabytes.
const maxFileBytes = 256 << 20

// lineCol returns the 1-based line and column (in characters) of byte off
// of data; offsets past the end point just after the last byte.
func lineCol(data []byte, off int) (line, col int) {
	off = max(0, min(off, len(data)))
	before := data[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[start:]) + 1
}

// posError is an EINVALID error that names path, line and column.
func posError(path string, data []byte, off int, format string, args ...any) error {
	line, col := lineCol(data, off)
	return backend.Errorf(backend.EINVALID, "%s:%d:%d: %s", path, line, col, fmt.Sprintf(format, args...))
}

// jsonError turns an encoding/json error met while decoding data[base:]
// into a positioned error. Syntax errors point at the offending byte; type
// errors at the end of the value of the wrong type.
func jsonError(path string, data []byte, base int, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := base
	switch {
	case errors.As(err, &se):
		off = base + max(int(se.Offset)-1, 0)
	case errors.As(err, &te):
		off = base + max(int(te.Offset)-1, 0)
	}
	return posError(path, data, off, "%s", jsonMessage(err))
}

// jsonMessage is err's text without the package prefix and Go type names.
func jsonMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			return fmt.Sprintf("%s where %s was expected", te.Value, jsonKind(te.Type.Kind().String()))
		}
		return fmt.Sprintf("%s: %s where %s was expected", field, te.Value, jsonKind(te.Type.Kind().String()))
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "float64", "float32", "int", "int64", "int32", "uint8", "uint", "uint64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "map", "struct":
		return "an object"
	}
	return "another type"
}

// member is one key of a JSON object, in file order, with the absolute
// offset of its value.
type member struct {
	key string
	val json.RawMessage
	off int
}

// objectMembers lists the members of the JSON object data (already known
// to be valid JSON) in order. ok is false when data is not an object.
func objectMembers(data []byte, base int) (ms []member, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		end := int(dec.InputOffset())
		ms = append(ms, member{key: key, val: raw, off: base + end - len(raw)})
	}
	return ms, true
}

// arrayItems lists the items of the JSON array data with their absolute
// offsets. ok is false when data is not an array.
func arrayItems(data []byte, base int) (items []member, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('[') {
		return nil, false
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		end := int(dec.InputOffset())
		items = append(items, member{val: raw, off: base + end - len(raw)})
	}
	return items, true
}

// lookup returns the last member named key (JSON's last one wins, as in
// Python) and whether there was one.
func lookup(ms []member, key string) (member, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].key == key {
			return ms[i], true
		}
	}
	return member{}, false
}

// isNull reports whether raw is JSON null (or absent).
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}
