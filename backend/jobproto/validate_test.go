package jobproto

import (
	"encoding/json"
	"reflect"
	"testing"
)

func testSchema() Schema {
	lo, hi, zero := 1.0, 64.0, 0.0
	s := SpecSchema()
	s[0].Min, s[0].Max = &lo, &hi
	s[3].Min = &zero
	return append(s,
		Field{Name: "augment", Type: TypeBoolean, Label: "Augment", Default: false},
		Field{Name: "run_name", Type: TypeString, Label: "Run name", Default: ""},
		Field{Name: "seed", Type: TypeInteger, Label: "Seed"}, // required
	)
}

func TestValidate(t *testing.T) {
	defaults := map[string]any{
		"batch_size": 8, "epochs": 10, "model_architecture": "upernet-convnext-base",
		"learning_rate": 0.001, "augment": false, "run_name": "", "seed": 1,
	}
	with := func(kv map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range defaults {
			out[k] = v
		}
		for k, v := range kv {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name string
		cfg  string // JSON, as the app receives it
		want map[string]any
		errs []FieldError
	}{
		{name: "defaults", cfg: `{"seed":1}`, want: defaults},
		{name: "null counts as absent", cfg: `{"seed":1,"epochs":null}`, want: defaults},
		{
			name: "values normalised",
			cfg:  `{"seed":7,"batch_size":16.0,"learning_rate":1,"augment":true,"run_name":"x"}`,
			want: with(map[string]any{"seed": 7, "batch_size": 16, "learning_rate": 1.0, "augment": true, "run_name": "x"}),
		},
		{name: "integer given 2.5", cfg: `{"seed":1,"batch_size":2.5}`, errs: []FieldError{{"batch_size", "must be a whole number, not 2.5"}}},
		{name: "string for float", cfg: `{"seed":1,"learning_rate":"0.1"}`, errs: []FieldError{{"learning_rate", `must be a number, not text "0.1"`}}},
		{name: "string for integer", cfg: `{"seed":"1"}`, errs: []FieldError{{"seed", `must be a whole number, not text "1"`}}},
		{name: "bool for integer", cfg: `{"seed":true}`, errs: []FieldError{{"seed", "must be a whole number, not true"}}},
		{name: "number for bool", cfg: `{"seed":1,"augment":1}`, errs: []FieldError{{"augment", "must be true or false, not 1"}}},
		{name: "list for string", cfg: `{"seed":1,"run_name":[1]}`, errs: []FieldError{{"run_name", "must be text, not a list"}}},
		{
			name: "choice not in choices",
			cfg:  `{"seed":1,"model_architecture":"resnet"}`,
			errs: []FieldError{{"model_architecture", `must be one of "upernet-convnext-base", not "resnet"`}},
		},
		{name: "below min", cfg: `{"seed":1,"batch_size":0}`, errs: []FieldError{{"batch_size", "must be at least 1"}}},
		{name: "above max", cfg: `{"seed":1,"batch_size":65}`, errs: []FieldError{{"batch_size", "must be at most 64"}}},
		{name: "negative float under min 0", cfg: `{"seed":1,"learning_rate":-0.1}`, errs: []FieldError{{"learning_rate", "must be at least 0"}}},
		{name: "huge integer", cfg: `{"seed":1e300}`, errs: []FieldError{{"seed", "must be a whole number, not 1e+300"}}},
		{name: "required", cfg: `{}`, errs: []FieldError{{"seed", "is required"}}},
		{
			name: "unknown fields, sorted, after the schema's errors",
			cfg:  `{"seed":1,"zeta":1,"alpha":2,"epochs":"ten"}`,
			errs: []FieldError{
				{"epochs", `must be a whole number, not text "ten"`},
				{"alpha", "is not a setting of this trainer (it takes batch_size, epochs, model_architecture, learning_rate, augment, run_name, seed)"},
				{"zeta", "is not a setting of this trainer (it takes batch_size, epochs, model_architecture, learning_rate, augment, run_name, seed)"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg map[string]any
			if err := json.Unmarshal([]byte(tt.cfg), &cfg); err != nil {
				t.Fatal(err)
			}
			got, errs := Validate(testSchema(), cfg)
			if !reflect.DeepEqual(errs, tt.errs) {
				t.Fatalf("errors\n got %q\nwant %q", errs, tt.errs)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("config\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestValidateGoValues(t *testing.T) {
	got, errs := Validate(SpecSchema(), map[string]any{"batch_size": int64(4), "learning_rate": float32(0.5), "epochs": json.Number("3")})
	if errs != nil {
		t.Fatal(errs)
	}
	if got["batch_size"] != 4 || got["learning_rate"] != 0.5 || got["epochs"] != 3 {
		t.Errorf("got %#v", got)
	}
	if _, errs := Validate(SpecSchema(), map[string]any{"learning_rate": 1.0 / zero()}); len(errs) != 1 || errs[0].Message != "must be a finite number" {
		t.Errorf("inf learning rate: %v", errs)
	}
}

func zero() float64 { return 0 }
