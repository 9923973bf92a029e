package jobproto

// SpecSchema is the spec's worker config_schema, field for field: the
// settings every trainer takes. Trainers append their own fields.
func SpecSchema() Schema {
	return Schema{
		{
			Name: "batch_size", Type: TypeInteger, Label: "Batch Size", Default: 8,
			HelpText: "Number of images to process simultaneously",
		},
		{
			Name: "epochs", Type: TypeInteger, Label: "Epochs", Default: 10,
			HelpText: "Number of complete passes through the training data",
		},
		{
			Name: "model_architecture", Type: TypeChoice, Label: "Model Architecture",
			Choices:  []Choice{{Value: "upernet-convnext-base", Label: "UperNet ConvNeXt Base"}},
			HelpText: "Neural network architecture to use for training",
		},
		{
			Name: "learning_rate", Type: TypeFloat, Label: "Learning Rate", Default: 0.001,
			HelpText: "Step size for model optimization",
		},
	}
}
