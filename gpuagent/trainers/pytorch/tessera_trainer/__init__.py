"""Tessera's GPU trainer: UperNet with a ConvNeXt backbone (Hugging Face
transformers), trained with PyTorch on an NVIDIA GPU.

The gpuagent binary embeds this package, writes it and a launcher (runpy)
into DIR/.tessera-trainer/ and runs, in the job folder,

    python3 -u DIR/.tessera-trainer/launch.py --job-dir DIR --config DIR/config.json [--pretrained FILE]

as the trainer contract says (gpuagent/CONTRACT.md §9); `python3 -m
tessera_trainer …` from the package's parent folder works too. It reads the
trainingjob folder (metadata.json, images/, masks/), prints the spec's metric
block after every epoch, and writes models/ (best and last weights as
safetensors, model.json, model.onnx), predictions/ (the best model's class
map of every validation tile) and metrics.json, shaped as the CPU trainer's.

`--probe` prints one JSON line saying whether this host
can run it (python, torch, transformers, CUDA, the GPU); the agent offers the
trainer only when it can.

Resuming: when TESSERA_RESUME_DIR names a folder (the agent keeps one per job
across attempts), a checkpoint goes there after every epoch; a later attempt
of the same job continues from it.

Modules: __main__ (command line), config, data (tiles and masks), model
(UperNet ConvNeXt, pretrained weights), run (epochs, validation, results),
warmup (first steps while the tiles load), checkpoint (resume folder),
snapshot (state copied off the GPU), export (ONNX), metrics (IoU, the
spec's block), files, probe, common.

Exit status: 0 done; 1 bad input or a failure (the reason is the last stderr
line); 2 bad command line; 143 stopped by SIGTERM or an interrupt.
"""
