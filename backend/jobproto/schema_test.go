package jobproto

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestSpecSchemaJSON(t *testing.T) {
	got, err := json.Marshal(SpecSchema())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"batch_size":{"type":"integer","label":"Batch Size","default":8,"help_text":"Number of images to process simultaneously"},` +
		`"epochs":{"type":"integer","label":"Epochs","default":10,"help_text":"Number of complete passes through the training data"},` +
		`"model_architecture":{"type":"choice","label":"Model Architecture","help_text":"Neural network architecture to use for training","choices":[["upernet-convnext-base","UperNet ConvNeXt Base"]]},` +
		`"learning_rate":{"type":"float","label":"Learning Rate","default":0.001,"help_text":"Step size for model optimization"}}`
	if string(got) != want {
		t.Errorf("spec schema JSON\n got %s\nwant %s", got, want)
	}
	if err := SpecSchema().Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func TestSchemaRoundTripKeepsOrder(t *testing.T) {
	lo, hi := 1.0, 64.0
	s := append(SpecSchema(),
		Field{Name: "augment", Type: TypeBoolean, Label: "Augment", Default: true},
		Field{Name: "note", Type: TypeString, Label: "Note"},
		Field{Name: "a_first_alphabetically", Type: TypeInteger, Label: "A", Default: 3, Min: &lo, Max: &hi},
	)
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Schema
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Errorf("round trip\n got %#v\nwant %#v", back, s)
	}
	// Inside another struct too, as in a heartbeat.
	info := TrainerInfo{Name: "cpu", Label: "CPU", ConfigSchema: s}
	data, _ = json.Marshal(WorkerInfo{Name: "w", Trainers: []TrainerInfo{info}})
	var w WorkerInfo
	if err := json.Unmarshal(data, &w); err != nil {
		t.Fatal(err)
	}
	if got := w.Trainers[0].ConfigSchema.Names(); !reflect.DeepEqual(got, s.Names()) {
		t.Errorf("order after a heartbeat round trip: %v", got)
	}
}

func TestSchemaUnmarshal(t *testing.T) {
	tests := []struct {
		name, in string
		want     Schema
		err      string
	}{
		{name: "null", in: `null`, want: nil},
		{name: "empty", in: `{}`, want: Schema{}},
		{
			name: "integer default normalised, single-value choice",
			in:   `{"n":{"type":"integer","label":"N","default":8.0},"c":{"type":"choice","label":"C","choices":[["x"]]}}`,
			want: Schema{
				{Name: "n", Type: TypeInteger, Label: "N", Default: 8},
				{Name: "c", Type: TypeChoice, Label: "C", Choices: []Choice{{"x", "x"}}},
			},
		},
		{name: "not an object", in: `[1]`, err: "want a JSON object"},
		{name: "duplicate", in: `{"a":{"type":"string"},"a":{"type":"string"}}`, err: "field a twice"},
		{name: "bad choice", in: `{"c":{"type":"choice","choices":[[1,2]]}}`, err: "choice"},
		{name: "truncated", in: `{"a":{"type":"string"}`, err: "end of JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Schema
			err := json.Unmarshal([]byte(tt.in), &s)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s, tt.want) {
				t.Errorf("got %#v want %#v", s, tt.want)
			}
		})
	}
}

func TestSchemaCheck(t *testing.T) {
	lo, hi := 5.0, 1.0
	tests := []struct {
		name string
		s    Schema
		err  string
	}{
		{"no name", Schema{{Type: TypeString}}, "no name"},
		{"twice", Schema{{Name: "a", Type: TypeString}, {Name: "a", Type: TypeString}}, "a twice"},
		{"unknown type", Schema{{Name: "a", Type: "date"}}, `unknown type "date"`},
		{"choice without choices", Schema{{Name: "a", Type: TypeChoice}}, "no choices"},
		{"min > max", Schema{{Name: "a", Type: TypeFloat, Min: &lo, Max: &hi}}, "min > max"},
		{"bad default", Schema{{Name: "a", Type: TypeInteger, Default: "8"}}, "default of a must be a whole number"},
	}
	for _, tt := range tests {
		if err := tt.s.Check(); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.err)
		}
	}
}
