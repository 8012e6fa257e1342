#pragma once
// "Manual, assignment style": the course notebook's hand-derived Jacobians, transcribed line
// by line into plain xtensor (numpy's `@` is xt::linalg::dot, `np.cosh` is xt::cosh). Each of
// the six Jacobian functions recomputes the forward pass, as the notebook's do: this is the
// code a student writes, measured as it is.

#include <chainrule/autodiff/tensor.hpp>

#include "bench_support.hpp"

namespace chainrule::bench {

struct AssignmentStyle {
  using Tensor = ad::Tensor;
  Tensor W1, W2, W3, b1, b2, b3;

  /// The 1 → n1 → n2 → n_out network of `data` (three layers).
  explicit AssignmentStyle(const MlpData& data);

  struct Forward {
    Tensor a0, z1, a1, z2, a2, z3, a3;
  };
  Forward network_function(const Tensor& a0) const;
  /// ‖a3 − y‖² / x.size
  double cost(const Tensor& x, const Tensor& y) const;

  Tensor J_W3(const Tensor& x, const Tensor& y) const;
  Tensor J_b3(const Tensor& x, const Tensor& y) const;
  Tensor J_W2(const Tensor& x, const Tensor& y) const;
  Tensor J_b2(const Tensor& x, const Tensor& y) const;
  Tensor J_W1(const Tensor& x, const Tensor& y) const;
  Tensor J_b1(const Tensor& x, const Tensor& y) const;

  /// All six, in the order W1, W2, W3, b1, b2, b3.
  struct Jacobians {
    Tensor W1, W2, W3, b1, b2, b3;
  };
  Jacobians jacobians(const Tensor& x, const Tensor& y) const;
};

}  // namespace chainrule::bench
