#!/usr/bin/env bash
# One prepared GPU run for a session with a lent H100/H200 (device tool: `run`, timeout_s 600):
#   bash benchmarks/run_on_gpu.sh
# It uses the copied tree (PYTHONPATH=src; the device image has torch, tqdm, matplotlib,
# scipy) and writes everything under $OUT (or benchmarks/results/gpu) for RESULTS.md:
# device/torch versions, the gpu-marked tests, throughput of DCGAN-64 and the 32x32 nets,
# the fp32-vs-fast-mode sanity check and the data path. Each stage has its own time limit so
# a slow stage cannot eat the rest of the budget.
set -uo pipefail
out=${OUT:-benchmarks/results/gpu}
mkdir -p "$out"
export PYTHONPATH=src PYTHONUNBUFFERED=1
stage() { echo "=== $1 ($(date -u +%H:%M:%S))"; }

stage "device"
python3 -c "import torch, torchvision; print(torch.__version__, torchvision.__version__, torch.cuda.get_device_name())" | tee "$out/device.txt"
stage "gpu tests"
timeout 110 python3 -m pytest -m gpu -q -p no:cacheprovider -rf 2>&1 | tail -30 | tee "$out/gpu_tests.txt"
stage "throughput dcgan64"
timeout 220 python3 benchmarks/throughput.py --device cuda --presets dcgan64 --windows 5 \
  --json "$out/throughput-dcgan64.json" --markdown "$out/throughput-dcgan64.md"
stage "throughput celeba32"
timeout 90 python3 benchmarks/throughput.py --device cuda --presets celeba32 --batch-sizes 128 --windows 5 \
  --json "$out/throughput-celeba32.json" --markdown "$out/throughput-celeba32.md"
stage "sanity"
timeout 100 python3 benchmarks/throughput.py --device cuda --sanity --presets dcgan64 \
  --batch-sizes 128 --sanity-modes bf16-cl,compile,graphs,cuda-graphs --json "$out/sanity.json" --markdown "$out/sanity.md"
stage "data path"
timeout 50 python3 benchmarks/data_path.py --device cuda --json "$out/data_path.json" \
  --markdown "$out/data_path.md"
stage "done"
