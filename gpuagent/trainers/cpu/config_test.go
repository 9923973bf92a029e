package cpu

import (
	"github.com/tessera-lab/tessera/backend/jobproto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	for _, c := range []struct {
		json    string
		want    Config
		seedSet bool
		err     string
	}{
		{`{}`, DefaultConfig(), false, ""},
		{`{"epochs": 3, "batch_size": 2.0, "learning_rate": 0.5, "input_size": "64", "width": 4, "seed": 7}`,
			Config{Epochs: 3, BatchSize: 2, LearningRate: 0.5, InputSize: 64, Width: 4, Seed: 7}, true, ""},
		{`{"input_size": 256, "model_architecture": "unet-medium"}`,
			func() Config { c := DefaultConfig(); c.InputSize = 256; c.Width = 16; return c }(), false, ""},
		{`{"model_architecture": "upernet-convnext-base"}`, Config{}, false, "not one of this trainer's (unet-small, unet-medium, unet-large)"},
		{`{"epochs": 2.5}`, Config{}, false, "not a whole number"},
		{`{"batch_size": 0}`, Config{}, false, "outside"},
		{`{"learning_rate": "fast"}`, Config{}, false, "not a number"},
		{`{"width": true}`, Config{}, false, "want a number"},
		{`[1]`, Config{}, false, "cannot unmarshal"},
	} {
		if err := os.WriteFile(path, []byte(c.json), 0o644); err != nil {
			t.Fatal(err)
		}
		got, seedSet, err := readConfig(path)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.json, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want || seedSet != c.seedSet {
			t.Errorf("%s: %+v %v %v, want %+v %v", c.json, got, seedSet, err, c.want, c.seedSet)
		}
	}
}

// TestSchemaDefaults: every field has a default that readConfig accepts and
// that matches DefaultConfig; choices are strings, as jobproto wants.
func TestSchemaDefaults(t *testing.T) {
	for _, f := range ConfigSchema() {
		switch f.Type {
		case "integer":
			if _, ok := f.Default.(int); !ok {
				t.Errorf("%s: default %T", f.Name, f.Default)
			}
		case "float":
			if _, ok := f.Default.(float64); !ok {
				t.Errorf("%s: default %T", f.Name, f.Default)
			}
		case "choice":
			found := false
			for _, c := range f.Choices {
				found = found || c.Value == f.Default
			}
			if !found {
				t.Errorf("%s: default %v is no choice", f.Name, f.Default)
			}
		default:
			t.Errorf("%s: type %q", f.Name, f.Type)
		}
		if f.Label == "" || f.HelpText == "" {
			t.Errorf("%s: no label or help", f.Name)
		}
	}
	var order []string
	for _, f := range ConfigSchema() {
		order = append(order, f.Name)
	}
	// The spec's worker config_schema first, in its order.
	if want := []string{"batch_size", "epochs", "model_architecture", "learning_rate", "input_size", "seed"}; !slices.Equal(order, want) {
		t.Errorf("schema fields %v, want %v", order, want)
	}
	schema := ConfigSchema()
	for i, f := range jobproto.SpecSchema() {
		if schema[i].Label != f.Label || schema[i].HelpText != f.HelpText {
			t.Errorf("%s: %q / %q, the spec says %q / %q", f.Name, schema[i].Label, schema[i].HelpText, f.Label, f.HelpText)
		}
	}
	// The defaults, written as a validated config would be, read back as DefaultConfig.
	m := map[string]any{}
	for _, f := range ConfigSchema() {
		m[f.Name] = f.Default
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := writeJSONFile(path, m); err != nil {
		t.Fatal(err)
	}
	if got, _, err := readConfig(path); err != nil || got != DefaultConfig() {
		t.Errorf("defaults read as %+v, %v; want %+v", got, err, DefaultConfig())
	}
}
