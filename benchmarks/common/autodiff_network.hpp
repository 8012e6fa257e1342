#pragma once
// "chainrule autodiff": the benchmarks' sigmoid MLP written with chainrule's ops, the way a
// user writes it (not with the nn module, so the benchmarks measure the engine alone).

#include <vector>

#include <chainrule/autodiff.hpp>

#include "bench_support.hpp"

namespace chainrule::bench {

ad::Tensor to_tensor(const Matrix& m);

struct AutodiffNetwork {
  std::vector<ad::Parameter> weights, biases;  // W_l (out × in), b_l (out × 1)
  ad::Tensor x, y;
  std::size_t batch = 0;

  explicit AutodiffNetwork(const MlpData& data);

  /// Records the forward pass on the current tape: C = Σ(a_L − y)² / batch.
  ad::Var cost() const;
  /// One gradient: zero the gradients, clear the tape, record, backward. Returns the cost.
  double gradient();
  /// Records the forward pass only (after clearing the tape). Returns the cost.
  double forward();
  /// One steepest-descent step on every parameter: P ← P − rate·J_P.
  void descend(double rate);
};

}  // namespace chainrule::bench
