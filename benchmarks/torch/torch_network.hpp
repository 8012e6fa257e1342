#pragma once
// "LibTorch autograd": the benchmarks' sigmoid MLP in LibTorch (float64), written the way its
// documentation writes a training step: tensors with requires_grad, backward(), gradients
// reset to "none" (PyTorch's default zero_grad(set_to_none=True), its fastest form).

#include <vector>

#include <torch/torch.h>

#include "bench_support.hpp"

namespace chainrule::bench {

torch::Tensor to_torch(const Matrix& m);

struct TorchNetwork {
  std::vector<torch::Tensor> weights, biases;  // W_l (out × in), b_l (out × 1), requires_grad
  torch::Tensor x, y;
  std::size_t batch = 0;

  explicit TorchNetwork(const MlpData& data);

  /// The forward pass, recorded by autograd: C = Σ(a_L − y)² / batch.
  torch::Tensor cost() const;
  /// One gradient: reset the gradients, forward, backward. Returns the cost.
  double gradient();
  /// The forward pass alone (recorded, as in a training step). Returns the cost.
  double forward();
  /// One steepest-descent step on every parameter: P ← P − rate·J_P.
  void descend(double rate);
};

/// Sets LibTorch's intra-op threads (and OpenMP's) to `threads`, inter-op to 1.
void set_torch_threads(int threads);

}  // namespace chainrule::bench
