#!/usr/bin/env bash
# Checks the GPU trainer on a machine with an NVIDIA GPU, python3 with
# PyTorch, transformers, onnx and onnxruntime (no Go needed there).
#
#   here:   bench/gpu/run.sh build      # bench/gpu/bin: gpuagent, cputrainer, agent.test
#   there:  bench/gpu/run.sh [OUT]      # check.py (learn, resume, bench), then the agent test
#
# OUT (default /tmp/gpu-check-out) gets check.json and the logs.
# CHECKS=learn,resume,bench picks check.py's parts (none: skip it);
# CHECK_ARGS passes more (e.g. --no-reference); AGENT_TEST=0 skips the
# Go agent test; PROFILE=eager,compile (profile.py's variants) first
# profiles the training step into OUT/profile.
set -u
cd "$(dirname "$0")/../.."
BIN=bench/gpu/bin
if [ "${1:-}" = build ]; then
	mkdir -p "$BIN"
	export GOOS=linux GOARCH=amd64 CGO_ENABLED=0
	go build -trimpath -ldflags='-s -w' -o "$BIN/gpuagent" ./gpuagent &&
		go build -trimpath -ldflags='-s -w' -o "$BIN/cputrainer" ./gpuagent/trainers/cpu/cmd/cputrainer &&
		go test -c -trimpath -ldflags='-s -w' -o "$BIN/agent.test" ./gpuagent/agent
	exit
fi
OUT=${1:-${OUT:-/tmp/gpu-check-out}}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'
rc=0
if [ -n "${PROFILE:-}" ]; then
	python3 bench/gpu/profile.py --out "$OUT/profile" --variants "$PROFILE" 2>&1 | tee "$OUT/profile.log"
	[ "${PIPESTATUS[0]}" = 0 ] || rc=1
fi
[ "${CHECKS:-}" = none ] || python3 bench/gpu/check.py --trainer gpuagent/trainers/pytorch --gen "$BIN/cputrainer" \
	--work /tmp/gpu-check --out "$OUT" --only "${CHECKS:-learn,resume,bench}" ${CHECK_ARGS:-} 2>&1 | tee "$OUT/check.log" || rc=1
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
[ "${AGENT_TEST:-1}" = 1 ] || exit $rc
# The agent end to end: the embedded trainer offered by the probe, a job
# through a real broker, the agent killed after epoch 2 and the job resumed.
(cd gpuagent/agent && TESSERA_GPUAGENT_BIN="$PWD/../../$BIN/gpuagent" "../../$BIN/agent.test" \
	-test.run 'TestBinaryGPUTrainerResumesAndExports' -test.v -test.timeout 15m) 2>&1 | tee "$OUT/agent-test.log"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
grep -q -- '--- SKIP' "$OUT/agent-test.log" && rc=1
exit $rc
