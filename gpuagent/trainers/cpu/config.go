package cpu

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// Config is the job's settings, read from config.json (keys of ConfigSchema;
// Width comes from model_architecture, or from a "width" key, which jobs
// made before model_architecture existed have).
type Config struct {
	Epochs       int     `json:"epochs"`
	BatchSize    int     `json:"batch_size"`
	LearningRate float64 `json:"learning_rate"`
	InputSize    int     `json:"input_size"`
	Width        int     `json:"width"`
	Seed         int64   `json:"seed"`
}

// DefaultConfig is the config with every default of ConfigSchema.
func DefaultConfig() Config {
	return Config{Epochs: defaultEpochs, BatchSize: defaultBatchSize, LearningRate: defaultLearningRate,
		InputSize: defaultInputSize, Width: Architectures[0].Width, Seed: defaultSeed}
}

// readConfig reads path over the defaults. Numbers may be JSON numbers or
// strings (a choice's value is a string); keys of other trainers are
// ignored. seedSet reports whether the file gave a seed.
func readConfig(path string) (cfg Config, seedSet bool, err error) {
	cfg = DefaultConfig()
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, false, err
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return cfg, false, fmt.Errorf("%s: %w", path, err)
	}
	fields := append(ConfigSchema(), widthField)
	for _, f := range fields {
		v, ok := raw[f.Name]
		if !ok || v == nil {
			continue
		}
		if f.Name == "model_architecture" {
			if cfg.Width, err = architecture(v); err != nil {
				return cfg, false, err
			}
			continue
		}
		x, err := number(f, v)
		if err != nil {
			return cfg, false, err
		}
		switch f.Name {
		case "epochs":
			cfg.Epochs = int(x)
		case "batch_size":
			cfg.BatchSize = int(x)
		case "learning_rate":
			cfg.LearningRate = x
		case "input_size":
			cfg.InputSize = int(x)
		case "width":
			cfg.Width = int(x)
		case "seed":
			cfg.Seed, seedSet = int64(x), true
		}
	}
	return cfg, seedSet, nil
}

// widthField is the "width" key of jobs made before model_architecture:
// read when there, not offered in the form.
var widthField = SchemaField{Name: "width", Type: "integer", Min: bound(1), Max: bound(64)}

// architecture reads a model_architecture value into its width.
func architecture(v any) (int, error) {
	name, _ := v.(string)
	if w, ok := architectureWidth(name); ok {
		return w, nil
	}
	names := make([]string, len(Architectures))
	for i, a := range Architectures {
		names[i] = a.Value
	}
	return 0, fmt.Errorf("config model_architecture: %v is not one of this trainer's (%s)", v, strings.Join(names, ", "))
}

// number reads the value v of field f and checks it against f's bounds;
// integers must be whole. input_size takes any size from 8 to 4096, not
// only the schema's choices, for tests and command-line runs.
func number(f SchemaField, v any) (float64, error) {
	var x float64
	switch t := v.(type) {
	case float64:
		x = t
	case string:
		p, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return 0, fmt.Errorf("config %s: %q is not a number", f.Name, t)
		}
		x = p
	default:
		return 0, fmt.Errorf("config %s: want a number, got %v", f.Name, v)
	}
	lo, hi := -math.MaxFloat64, math.MaxFloat64
	if f.Min != nil {
		lo = *f.Min
	}
	if f.Max != nil {
		hi = *f.Max
	}
	if f.Name == "input_size" {
		lo, hi = 8, 4096
	}
	if math.IsNaN(x) || x < lo || x > hi {
		return 0, fmt.Errorf("config %s: %v is outside [%g, %g]", f.Name, x, lo, hi)
	}
	if f.Type != "float" && x != math.Trunc(x) {
		return 0, fmt.Errorf("config %s: %v is not a whole number", f.Name, x)
	}
	return x, nil
}
