// Package trainers lists the trainers Tessera ships. Each runs as a process
// that speaks the trainer contract (gpuagent/CONTRACT.md): the binary that
// offers it starts itself again with a trainer subcommand.
package trainers

import (
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/gpuagent/agent"
	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu"
)

// CPUName is the built-in CPU trainer's name in a worker's list.
const CPUName = "cpu"

// CPU is the built-in CPU trainer, run as `exe args… --job-dir … --config …`.
func CPU(exe string, args ...string) agent.Trainer {
	return agent.ProcessTrainer{Path: exe, Args: args, TrainerInfo: jobproto.TrainerInfo{
		Name:  CPUName,
		Label: "Built-in CPU trainer (small U-Net)",
		Description: "A compact fully-convolutional network trained on this computer's processor: " +
			"no GPU or Python needed, a useful model in a few minutes.",
		ConfigSchema: schema(cpu.ConfigSchema()),
	}}
}

func schema(fs []cpu.SchemaField) jobproto.Schema {
	out := make(jobproto.Schema, len(fs))
	for i, f := range fs {
		out[i] = jobproto.Field{Name: f.Name, Type: f.Type, Label: f.Label, Default: f.Default, HelpText: f.HelpText,
			Min: f.Min, Max: f.Max}
		for _, c := range f.Choices {
			out[i].Choices = append(out[i].Choices, jobproto.Choice{Value: c.Value, Label: c.Label})
		}
	}
	return out
}
