package pytorch

import "github.com/tessera-lab/tessera/backend/jobproto"

// Architectures are the model_architecture choices, the spec's first with
// the spec's label.
var Architectures = []jobproto.Choice{
	{Value: "upernet-convnext-base", Label: "UperNet ConvNeXt Base"},
	{Value: "upernet-convnext-small", Label: "UperNet ConvNeXt Small (81 M weights)"},
	{Value: "upernet-convnext-tiny", Label: "UperNet ConvNeXt Tiny (60 M weights, fastest)"},
}

func bound(v float64) *float64 { return &v }

// Schema is the spec's worker config_schema (batch size, epochs, model
// architecture, learning rate, with the spec's defaults) plus the input
// size, the precision, torch.compile and the seed. tessera_trainer/config.py reads the
// same fields.
func Schema() jobproto.Schema {
	s := jobproto.SpecSchema()
	for i := range s {
		switch s[i].Name {
		case "batch_size":
			s[i].Min, s[i].Max = bound(1), bound(256)
		case "epochs":
			s[i].Min, s[i].Max = bound(1), bound(1000)
		case "model_architecture":
			s[i].Choices, s[i].Default = Architectures, Architectures[0].Value
		case "learning_rate":
			s[i].Min, s[i].Max = bound(1e-6), bound(1)
		}
	}
	return append(s,
		jobproto.Field{Name: "input_size", Type: jobproto.TypeChoice, Label: "Input Size", Default: "512",
			HelpText: "Tiles larger than this are scaled down to fit; smaller ones are trained at their size",
			Choices: []jobproto.Choice{{Value: "128", Label: "128 px (a quick try)"}, {Value: "256", Label: "256 px"}, {Value: "384", Label: "384 px"},
				{Value: "512", Label: "512 px"}, {Value: "768", Label: "768 px"}, {Value: "1024", Label: "1024 px"}}},
		jobproto.Field{Name: "precision", Type: jobproto.TypeChoice, Label: "Precision", Default: "bf16",
			HelpText: "Mixed precision: bfloat16 is fastest on recent GPUs; float16 uses loss scaling; float32 is slowest",
			Choices: []jobproto.Choice{{Value: "bf16", Label: "bfloat16 mixed"}, {Value: "fp16", Label: "float16 mixed"},
				{Value: "fp32", Label: "float32"}}},
		jobproto.Field{Name: "compile", Type: jobproto.TypeBoolean, Label: "Compile the Model", Default: false,
			HelpText: "torch.compile: faster steps after one to two minutes of compiling; worth it for long runs"},
		jobproto.Field{Name: "seed", Type: jobproto.TypeInteger, Label: "Random Seed", Default: 42,
			HelpText: "Seeds the weights, the shuffling and the augmentation", Min: bound(0), Max: bound(1 << 31)},
	)
}

// ValidArchitecture reports whether name is a model_architecture choice.
func ValidArchitecture(name string) bool {
	for _, c := range Architectures {
		if c.Value == name {
			return true
		}
	}
	return false
}

// ArchitectureNames lists the model_architecture choices.
func ArchitectureNames() []string {
	names := make([]string, len(Architectures))
	for i, c := range Architectures {
		names[i] = c.Value
	}
	return names
}
