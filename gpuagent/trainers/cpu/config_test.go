package cpu

import (
	"os"
	"path/filepath"
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
		{`{"input_size": 256, "model_architecture": "upernet-convnext-base"}`,
			func() Config { c := DefaultConfig(); c.InputSize = 256; return c }(), false, ""},
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
	names := map[string]bool{}
	for _, f := range ConfigSchema() {
		names[f.Name] = true
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
	for _, n := range []string{"epochs", "batch_size", "learning_rate", "input_size", "width", "seed"} {
		if !names[n] {
			t.Errorf("schema lacks %s", n)
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
