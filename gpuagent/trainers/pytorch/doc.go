// Package pytorch is Tessera's GPU trainer: UperNet with a ConvNeXt
// backbone (Hugging Face transformers), trained with PyTorch on an NVIDIA
// GPU by the Python package tessera_trainer, which this package embeds.
//
// The agent asks the host first (Probe: python3, torch, transformers,
// numpy, Pillow, safetensors importable, a CUDA GPU visible) and offers
// the trainer only when all are there. For a job, Command writes the
// package and a launcher into JOB/.tessera-trainer/ and runs it in the job
// folder with the host's python3:
//
//	python3 -u JOB/.tessera-trainer/launch.py --job-dir JOB --config JOB/config.json [--pretrained FILE]
//
// (a script, not `-m`: Python then puts the launcher's folder first on its
// import path, not the job folder, whose files come from the training set).
//
// The trainer speaks the trainer contract (gpuagent/CONTRACT.md §9) and
// writes what the CPU trainer writes: models/best.safetensors,
// models/last.safetensors, models/model.json (format
// "tessera-upernet-convnext/1"), models/model.onnx, predictions/ and
// metrics.json. With the agent's TESSERA_RESUME_DIR it checkpoints every
// epoch and a later attempt of the job continues from there. Its package
// docstring (tessera_trainer/__init__.py) says the rest; bench/gpu/ checks
// it on a GPU.
package pytorch
