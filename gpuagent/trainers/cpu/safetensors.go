package cpu

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
)

// The weights are safetensors files (https://github.com/huggingface/safetensors):
//
//	8 bytes   N, the header length, unsigned little-endian
//	N bytes   JSON: {"<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, …,
//	                 "__metadata__": {"<key>": "<string>", …}}
//	          padded with spaces to a multiple of 8
//	…         the tensors' bytes, little-endian float32, row-major; offsets are
//	          relative to the end of the header
//
// so PyTorch (safetensors.torch.load_file) and other tools read them as they are.

// namedTensor is one tensor of a safetensors file.
type namedTensor struct {
	Name  string
	Shape []int
	Data  []float32
}

type stEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// maxHeader bounds the JSON header a reader accepts.
const maxHeader = 100 << 20

// encodeSafetensors lays tensors out in the given order.
func encodeSafetensors(tensors []namedTensor, meta map[string]string) ([]byte, error) {
	header := map[string]any{}
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	var off int64
	for _, t := range tensors {
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("tensor %s: shape %v holds %d values, not %d", t.Name, t.Shape, n, len(t.Data))
		}
		if _, dup := header[t.Name]; dup || t.Name == "__metadata__" {
			return nil, fmt.Errorf("tensor name %q used twice", t.Name)
		}
		header[t.Name] = stEntry{DType: "F32", Shape: t.Shape, Offsets: [2]int64{off, off + 4*int64(n)}}
		off += 4 * int64(n)
	}
	h, err := json.Marshal(header)
	if err != nil {
		return nil, err
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	out := make([]byte, 8, 8+len(h)+int(off))
	binary.LittleEndian.PutUint64(out, uint64(len(h)))
	out = append(out, h...)
	for _, t := range tensors {
		for _, v := range t.Data {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	}
	return out, nil
}

// decodeSafetensors reads a file of F32 tensors, checking that every
// tensor lies inside the data, fits its shape, and overlaps no other.
func decodeSafetensors(b []byte) (map[string]namedTensor, map[string]string, error) {
	if len(b) < 8 {
		return nil, nil, errors.New("safetensors: file too short")
	}
	n := binary.LittleEndian.Uint64(b)
	if n > maxHeader || n > uint64(len(b)-8) {
		return nil, nil, fmt.Errorf("safetensors: header length %d does not fit the file", n)
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b[8 : 8+n]))
	if err := dec.Decode(&raw); err != nil {
		return nil, nil, fmt.Errorf("safetensors: header: %w", err)
	}
	data := b[8+n:]
	var meta map[string]string
	type span struct {
		a, b int64
		name string
	}
	var spans []span
	out := map[string]namedTensor{}
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &meta); err != nil {
				return nil, nil, fmt.Errorf("safetensors: __metadata__: %w", err)
			}
			continue
		}
		var e stEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %s: %w", name, err)
		}
		if e.DType != "F32" {
			return nil, nil, fmt.Errorf("safetensors: tensor %s is %s; only F32 is read", name, e.DType)
		}
		count := int64(1)
		for _, d := range e.Shape {
			if d < 0 || d > 1<<31 || count*int64(d) > int64(len(data)) {
				return nil, nil, fmt.Errorf("safetensors: tensor %s has shape %v, more than the file holds", name, e.Shape)
			}
			count *= int64(d)
		}
		a, z := e.Offsets[0], e.Offsets[1]
		if a < 0 || z < a || z > int64(len(data)) || z-a != 4*count {
			return nil, nil, fmt.Errorf("safetensors: tensor %s: offsets %v do not fit shape %v in %d bytes", name, e.Offsets, e.Shape, len(data))
		}
		vals := make([]float32, count)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[a+4*int64(i):]))
		}
		out[name] = namedTensor{Name: name, Shape: e.Shape, Data: vals}
		spans = append(spans, span{a, z, name})
	}
	slices.SortFunc(spans, func(x, y span) int { return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b)) })
	for i := 1; i < len(spans); i++ {
		if spans[i].a < spans[i-1].b {
			return nil, nil, fmt.Errorf("safetensors: tensors %s and %s overlap", spans[i-1].name, spans[i].name)
		}
	}
	return out, meta, nil
}

// writeFileAtomic writes data to path through a temporary file and a rename.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
