#pragma once
// "Manual, fused": a sigmoid MLP's gradient written by hand the way tuned code does it: one
// forward, one backward, preallocated buffers, BLAS gemm and fused elementwise loops. It is
// the baseline autodiff is measured against, so it must be the fast kind.

#include <vector>

#include "bench_support.hpp"

namespace chainrule::bench {

/// A sigmoid MLP with layers sizes[0] → … → sizes.back(), cost ‖a_L − y‖²/N.
struct ManualNetwork {
  std::vector<std::size_t> sizes;
  std::size_t batch = 0;
  std::vector<std::vector<double>> weights, biases;  // W_l (out×in), b_l (out)
  std::vector<std::vector<double>> grad_weights, grad_biases;
  std::vector<std::vector<double>> activations, deltas;  // a_l, δ_l (size × batch)

  ManualNetwork(std::vector<std::size_t> layer_sizes, std::size_t batch_size);
  /// The network of `data`, with its weights and biases copied.
  explicit ManualNetwork(const MlpData& data);
  /// Copies W and b from matrices laid out as (out × in) and (out × 1).
  void set_parameters(const std::vector<Matrix>& w, const std::vector<Matrix>& b);
  /// One steepest-descent step on every parameter: P ← P − rate·J_P.
  void descend(double rate);
  /// Forward pass only; returns the cost.
  double forward(const double* x, const double* y);
  /// Forward and backward; fills grad_weights / grad_biases; returns the cost.
  double gradient(const double* x, const double* y);
};

}  // namespace chainrule::bench
