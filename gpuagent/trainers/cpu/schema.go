package cpu

// SchemaField is one setting of the trainer, shaped like the spec's worker
// config_schema entries (and jobproto.Field): Type is "integer", "float" or
// "choice"; Min and Max bound numbers; a choice's Value is a string.
type SchemaField struct {
	Name     string
	Type     string
	Label    string
	Default  any // int, float64, or the choice's value
	HelpText string
	Choices  []Choice
	Min, Max *float64
}

// Choice is one value of a choice field.
type Choice struct {
	Value string
	Label string
}

// Defaults of the config: on two cores a 100-tile set trains at 128 px in
// about 15 s an epoch, so the default run takes a minute or two.
const (
	defaultEpochs       = 8
	defaultBatchSize    = 4
	defaultLearningRate = 0.01
	defaultInputSize    = 128
	defaultWidth        = 8
	defaultSeed         = 42
)

func bound(v float64) *float64 { return &v }

// ConfigSchema lists the settings the trainer reads from config.json, in
// the order a form should show them.
func ConfigSchema() []SchemaField {
	return []SchemaField{
		{Name: "epochs", Type: "integer", Label: "Epochs", Default: defaultEpochs,
			HelpText: "Number of complete passes through the training tiles",
			Min:      bound(1), Max: bound(1000)},
		{Name: "batch_size", Type: "integer", Label: "Batch Size", Default: defaultBatchSize,
			HelpText: "Number of tiles per weight update",
			Min:      bound(1), Max: bound(64)},
		{Name: "learning_rate", Type: "float", Label: "Learning Rate", Default: defaultLearningRate,
			HelpText: "Step size of the Adam optimiser (decays to 5% of it by the last epoch)",
			Min:      bound(1e-6), Max: bound(1)},
		{Name: "input_size", Type: "choice", Label: "Input Size", Default: "128",
			HelpText: "Tiles are scaled down so that the largest fits this many pixels: smaller trains faster, larger sees finer detail",
			Choices:  []Choice{{"64", "64 px (fastest)"}, {"128", "128 px"}, {"256", "256 px (finest, slowest)"}}},
		{Name: "width", Type: "integer", Label: "Model Width", Default: defaultWidth,
			HelpText: "Channels of the first layer (doubled at each of the 3 levels down): wider learns more, at about width² cost",
			Min:      bound(2), Max: bound(64)},
		{Name: "seed", Type: "integer", Label: "Random Seed", Default: defaultSeed,
			HelpText: "Same seed, data and settings give the same model",
			Min:      bound(0), Max: bound(1 << 31)},
	}
}
