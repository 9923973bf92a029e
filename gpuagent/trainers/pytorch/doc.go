// Package pytorch is Tessera's GPU trainer: UperNet with a ConvNeXt
// backbone (Hugging Face transformers), trained with PyTorch on an NVIDIA
// GPU by trainer.py, which this package embeds.
//
// The agent asks the host first (Probe: python3, torch, transformers,
// numpy, Pillow, safetensors importable, a CUDA GPU visible) and offers
// the trainer only when all are there. For a job, Command writes
// trainer.py into the job folder and runs it with the host's python3:
//
//	python3 -u JOB/tessera_trainer.py --job-dir JOB --config JOB/config.json [--pretrained FILE]
//
// trainer.py speaks the trainer contract (gpuagent/CONTRACT.md §9) and
// writes what the CPU trainer writes: models/best.safetensors,
// models/last.safetensors, models/model.json (format
// "tessera-upernet-convnext/1"), models/model.onnx, predictions/ and
// metrics.json. With the agent's TESSERA_RESUME_DIR it checkpoints every
// epoch and a later attempt of the job continues from there. Its own
// docstring says the rest; bench/gpu/ checks it on a GPU.
package pytorch
