package cpu

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// ModelFormat names the layout of model.json and the weights; a reader
// refuses other formats.
const ModelFormat = "tessera-cpu-unet/1"

// ModelInfo is models/model.json: what it takes to run the weights in
// best.safetensors / last.safetensors on a new image.
//
// To run the model elsewhere: convert the image to Input.Channels planes
// (grey: Rec. 601 luma; RGB: alpha dropped) of values in [0, 1] (8-bit / 255,
// 16-bit / 65535); resize it by Input.Scale (area-average when shrinking);
// subtract Normalisation.Mean and divide by Normalisation.Std per channel;
// pad with zeros at the bottom and right to a multiple of Input.Multiple;
// run Arch (tensor names and shapes in Tensors, PyTorch layout
// [out][in][ky][kx]: enc<l>.conv0/conv1 for l = 0…Depth, each 3×3, padding
// 1, ReLU, 2×2 max-pool before levels 1…Depth; dec<l>.conv0/conv1 for
// l = Depth−1…0 on the nearest-neighbour 2× upsampled deeper output
// concatenated (first) with enc<l>'s output; head, 1×1, no ReLU); crop the
// logits to the resized image, resize them linearly to the image size, and
// take the argmax: slot i is Classes[i], whose Index is the mask value.
type ModelInfo struct {
	Format        string        `json:"format"`
	Arch          Arch          `json:"architecture"`
	Input         InputInfo     `json:"input"`
	Normalisation Normalisation `json:"normalisation"`
	Classes       []Class       `json:"classes"`
	IgnoreIndex   int           `json:"ignore_index"`
	Tensors       []TensorInfo  `json:"tensors"`
	Weights       WeightFiles   `json:"weights"`
	Config        Config        `json:"config"`
	Epochs        int           `json:"epochs"`         // epochs trained so far
	Best          *EpochMetrics `json:"best,omitempty"` // the epoch saved in best.safetensors
	Last          *EpochMetrics `json:"last,omitempty"` // the epoch saved in last.safetensors
	Trainer       string        `json:"trainer"`
}

// InputInfo says how an image becomes the network's input.
type InputInfo struct {
	Size     int     `json:"size"`     // side of the square training input
	Channels int     `json:"channels"` // 1 (grey) or 3 (RGB)
	Scale    float64 `json:"scale"`    // resize factor from tile pixels to network pixels
	TileSize int     `json:"tile_size"`
	Multiple int     `json:"multiple"` // input height and width must be multiples of this
}

// Normalisation is the per-channel mean and standard deviation of the
// training tiles (values in [0, 1], after scaling).
type Normalisation struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
}

// TensorInfo is one weight tensor's name and shape.
type TensorInfo struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// WeightFiles names the weight files next to model.json.
type WeightFiles struct {
	Best string `json:"best"`
	Last string `json:"last"`
}

// EpochMetrics is one epoch's figures; a value that was undefined (no
// pixels) is NaN in Go and null in JSON.
type EpochMetrics struct {
	Epoch     int            `json:"epoch"`
	TrainLoss Num            `json:"train_loss"`
	TrainIoU  Num            `json:"train_iou"`
	ValLoss   Num            `json:"val_loss"`
	ValIoU    Num            `json:"val_iou"`
	ClassIoU  map[string]Num `json:"class_iou"`
	Seconds   float64        `json:"seconds"` // time since the start of training
}

// Num is a float64 whose NaN and infinities are null in JSON.
type Num float64

func (n Num) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(n))
}

func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	return json.Unmarshal(b, (*float64)(n))
}

// weightsOf lists the model's weights in file order.
func weightsOf(m *unet) []namedTensor {
	ts := m.tensors()
	out := make([]namedTensor, len(ts))
	for i, p := range ts {
		out[i] = namedTensor{Name: p.name, Shape: p.shape, Data: p.v}
	}
	return out
}

func tensorInfos(m *unet) []TensorInfo {
	ts := m.tensors()
	out := make([]TensorInfo, len(ts))
	for i, p := range ts {
		out[i] = TensorInfo{p.name, p.shape}
	}
	return out
}

// saveWeights writes the model's weights to path.
func saveWeights(path string, m *unet, meta map[string]string) error {
	data, err := encodeSafetensors(weightsOf(m), meta)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}

// loadWeights reads path into m, which must have exactly these tensors.
func loadWeights(path string, m *unet) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	ts, _, err := decodeSafetensors(b)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	want := m.tensors()
	if len(ts) != len(want) {
		return fmt.Errorf("%s: %d tensors, the architecture has %d", path, len(ts), len(want))
	}
	for _, p := range want {
		t, ok := ts[p.name]
		if !ok {
			return fmt.Errorf("%s: tensor %s is missing", path, p.name)
		}
		if !slices.Equal(t.Shape, p.shape) {
			return fmt.Errorf("%s: tensor %s has shape %v, want %v", path, p.name, t.Shape, p.shape)
		}
		copy(p.v, t.Data)
	}
	return nil
}

// writeModelInfo writes models/model.json.
func writeModelInfo(dir string, info *ModelInfo) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, "model.json"), append(data, '\n'))
}

// ReadModelInfo reads and checks dir/model.json.
func ReadModelInfo(dir string) (*ModelInfo, error) {
	data, err := os.ReadFile(filepath.Join(dir, "model.json"))
	if err != nil {
		return nil, err
	}
	var info ModelInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("model.json: %w", err)
	}
	if info.Format != ModelFormat {
		return nil, fmt.Errorf("model.json: format %q, want %q", info.Format, ModelFormat)
	}
	a, in := info.Arch, info.Input
	switch {
	case a.Name != "unet" || a.Depth < 0 || a.Depth > 6 || a.Width < 1 || a.Width > 256:
		return nil, fmt.Errorf("model.json: unsupported architecture %+v", a)
	case a.InChannels != in.Channels || (in.Channels != 1 && in.Channels != 3):
		return nil, fmt.Errorf("model.json: %d input channels", in.Channels)
	case a.Classes != len(info.Classes) || a.Classes < 2 || a.Classes > 254:
		return nil, fmt.Errorf("model.json: %d classes listed for %d outputs", len(info.Classes), a.Classes)
	case len(info.Normalisation.Mean) != in.Channels || len(info.Normalisation.Std) != in.Channels:
		return nil, errors.New("model.json: normalisation does not match the input channels")
	case !(in.Scale > 0 && in.Scale <= 1) || in.Multiple != 1<<a.Depth:
		return nil, fmt.Errorf("model.json: input scale %v, multiple %d", in.Scale, in.Multiple)
	}
	for _, s := range info.Normalisation.Std {
		if !(s > 0) {
			return nil, errors.New("model.json: a normalisation std is not positive")
		}
	}
	return &info, nil
}
