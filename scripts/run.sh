#!/usr/bin/env bash
# Installs the dependencies, builds (release preset) and runs the main job: the course's two
# assignments as example trainers and the calculus tour, writing their pictures into
# build/release/results/ (the tour's figures, those of docs/gallery.md, into results/gallery/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
bin=build/release/examples
out=build/release/results
mkdir -p "$out"
echo "== The smallest program: one layer's gradient by autodiff against the hand derivation"
"$bin/gradient_demo/gradient_demo"
echo "== Assignment 1: autodiff's Jacobians against the course's hand-derived ones"
"$bin/backprop_curve/backprop_curve" --check-jacobians --init examples/data/curve_init.json
echo "== Assignment 1: a sigmoid network learns to draw a heart"
"$bin/backprop_curve/backprop_curve" --plot "$out/backprop_curve.png" --json "$out/backprop_curve.json"
if [ -x "$bin/fit_heights/fit_heights" ]; then
  echo "== Assignment 2: fitting a Gaussian to the distribution of heights"
  "$bin/fit_heights/fit_heights" --plot-fit "$out/fit_heights_fit.png" \
    --plot-path "$out/fit_heights_path.png" --json "$out/fit_heights.json"
fi
echo "== The calculus tour: the course's weeks worked by autodiff, and a figure for each"
"$bin/calculus_tour/calculus_tour" --plot-dir "$out/gallery"
echo "== Pictures and JSON results are in $out/ (the tour's figures in $out/gallery/)"
