// Package cpu is Tessera's built-in segmentation trainer: a small U-Net
// trained with Adam on the CPU, in pure Go, with no ML library.
//
// # As a program
//
// Main is the trainer process of the agent's contract
// (gpuagent/CONTRACT.md §9): `tessera trainer cpu --job-dir DIR --config
// DIR/config.json`. It reads the spec's trainingjob folder (metadata.json,
// images/, masks/), prints the spec's metric block after every epoch with a
// `- Class IoU [name]: x` line per class (background first) and
// `Progress: x%` lines within epochs, and writes
//
//	models/last.safetensors   weights after the last finished epoch
//	models/best.safetensors   weights of the epoch with the best Val IoU
//	models/model.json         ModelInfo: how to run the weights
//	predictions/<tile>.png    the best model's class map of each val tile, at its size
//	metrics.json              Metrics: the best model's evaluation and every epoch's figures
//
// With --resume-dir (default $TESSERA_RESUME_DIR, which the agent sets)
// it writes checkpoint.safetensors there after every epoch and continues a
// checkpoint of the same job and config found there at its start, to the
// same weights as an uninterrupted run (checkpoint.go).
//
// Exit status: 0 done; 1 bad input or failure (the reason is the last
// stderr line); 2 bad command line; 143 stopped by SIGTERM or interrupt.
//
// # The model
//
// Tiles are scaled so that the largest tile's longer side is at most the
// config's input_size (never enlarged), normalised per channel by the
// training tiles' mean and standard deviation, and padded to a square
// canvas. The U-Net (Arch) has three 2× levels down and up, 3×3
// convolutions with batch normalisation and ReLU, and width·2^level
// channels (122k weights at width 8). Training: pixel-wise softmax
// cross-entropy ignoring unlabelled pixels (mask value ignore_index, 255),
// Adam with a short warm-up and cosine decay, random flips, quarter turns
// and offsets. A seed fixes everything: the same job and config give the
// same weights, byte for byte, on any number of cores.
//
// Validation runs each tile as Predict does: at its own scaled size,
// padded to a multiple of 8, logits resized linearly to the tile's
// original size, argmax. IoU per class is TP/(TP+FP+FN) summed over every
// validation pixel; Val IoU is its mean over the classes present in truth
// or prediction.
//
// # Weights
//
// The .safetensors files are the Hugging Face format (see safetensors.go):
// little-endian float32 tensors named as in ModelInfo.Tensors, with
// PyTorch's layouts (convolutions [out][in][ky][kx]; batch norms weight,
// bias, running_mean, running_var).
//
// # Speed
//
// Convolutions are im2row/im2col plus a 2×4 register-tiled matrix product
// (gemm.go), spread over all cores in 64-pixel chunks. On a 2-core
// machine one training image of 128×128 costs about 0.3 CPU-seconds at
// width 8, so an epoch of 100 tiles takes 15–25 s.
package cpu
