#!/usr/bin/env bash
# Retrain every shipped model (a few hours on 2 CPU cores).
#   scripts/train_shipped.sh                  # all of them, into weights/
#   scripts/train_shipped.sh lenet5_bn-mnist  # just one
#   OUT=/tmp/candidates scripts/train_shipped.sh best_mnist-mnist   # somewhere else
# Each sidecar weights/<name>.json records the exact command that made it. MNIST models also
# see 4 renderings of each pen-drawn digit by the tuning writers (--drawn-copies 4); the held-out writers' digits, on which bench/drawn_digits.py
# reports, stay unseen.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
out=${OUT:-weights}
fast="--schedule onecycle --val-split 0 --no-reduce-lr --no-early-stop"
drawn="--drawn-copies 4"
only=${1:-}  # optional: train just this ARCH-DATASET
run() { [ -z "$only" ] || [ "$only" = "$1" ] || return 0; shift; $py -m mnistdemo train "$@" --out "$out"; }

lab=.train-backup/lab-base  # three lab networks: then 2 epochs as best_mnist-mnist ends (below)
out=$lab run lenet5_bn-mnist            --arch lenet5_bn --dataset mnist $fast --lr 5e-3 --epochs 4 --augment $drawn
run pytorch_tutorial_cnn-mnist --arch pytorch_tutorial_cnn --dataset mnist $fast --optimizer adam --lr 1e-2 --batch-size 128 --epochs 4 --augment $drawn
out=$lab run tf2_cnn-mnist              --arch tf2_cnn --dataset mnist $fast --lr 3e-3 --batch-size 128 --epochs 4 --augment $drawn
run fashion_cnn-mnist          --arch fashion_cnn --dataset mnist $fast --lr 3e-3 --batch-size 128 --epochs 3 --augment $drawn
out=$lab run tf2_cnn_dense1024-mnist    --arch tf2_cnn_dense1024 --dataset mnist $fast --lr 1e-3 --batch-size 128 --epochs 3 --augment --float16 $drawn
run lenet5_bn-fashion_mnist    --arch lenet5_bn --dataset fashion_mnist $fast --lr 5e-3 --epochs 8 --no-augment
run fashion_cnn-fashion_mnist  --arch fashion_cnn --dataset fashion_mnist $fast --lr 3e-3 --batch-size 128 --epochs 7 --no-augment
run resnet_block_3x3-mnist     --arch resnet_block_3x3 --dataset mnist $fast --lr 3e-3 --epochs 2 --augment $drawn
run resnet_block_5x5-mnist     --arch resnet_block_5x5 --dataset mnist $fast --lr 3e-3 --epochs 2 --augment $drawn
# best_mnist: 12 epochs; then 2 more on 12 renderings of each tuning writer's digit, all but the first drawn as another
# hand might (--drawn-varied), ending halfway between the weights that run started from and those it reached.
base=.train-backup/best_mnist-base
out=$base run best_mnist-mnist --arch best_mnist --dataset mnist --epochs 12 $drawn
run best_mnist-mnist           --arch best_mnist --dataset mnist --epochs 2 --lr 1e-3 --drawn-copies 12 --drawn-varied \
  --init-from $base/best_mnist-mnist.keras --blend-start 0.5
for arch in lenet5_bn tf2_cnn tf2_cnn_dense1024; do
  f16=$([ $arch = tf2_cnn_dense1024 ] && echo --float16 || true)
  run $arch-mnist --arch $arch --dataset mnist --epochs 2 --lr 1e-3 $f16 --drawn-copies 12 --drawn-varied \
    --init-from $lab/$arch-mnist.keras --blend-start 0.5
done
# best_fashion: 20 epochs; 12 more at a lower peak rate going on from those weights; then 4 at a low rate
# on the plain training images (no augmentation, no label smoothing), going on from the second run.
stage1=.train-backup/stage1 stage2=.train-backup/stage2
out=$stage1 run best_fashion-fashion_mnist --arch best_fashion --dataset fashion_mnist --epochs 20 \
  --name best_fashion-stage1
out=$stage2 run best_fashion-fashion_mnist --arch best_fashion --dataset fashion_mnist --epochs 12 --lr 1e-3 \
  --init-from $stage1/best_fashion-stage1.keras --name best_fashion-stage2
run best_fashion-fashion_mnist --arch best_fashion --dataset fashion_mnist --epochs 4 --lr 3e-4 --label-smoothing 0 \
  --no-augment --init-from $stage2/best_fashion-stage2.keras
# The "is it a digit?" network (mnistdemo/detector.py) reads no digit model, so it is trained on its own:
#   $py -m mnistdemo train-detector --out "$out"
# New MNIST weights (or a new detector) need the "not sure / not a digit" thresholds set again for them
# (weights/serving.json); until then the app reports the calibration as stale.
if [ -z "$only" ]; then $py -m mnistdemo calibrate --dir "$out"; else echo "then: $py -m mnistdemo calibrate --dir $out"; fi
