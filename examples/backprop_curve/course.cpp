#include "course.hpp"

#include <cmath>

#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xreducer.hpp>

namespace chainrule::curve::course {

using ad::Tensor;

Forward network_function(const Network& net, const Tensor& x) {
  Forward f;
  f.a0 = ad::constant(x);
  f.z1 = ad::matmul(net.W1.var(), f.a0) + net.b1.var();
  f.a1 = ad::sigmoid(f.z1);
  f.z2 = ad::matmul(net.W2.var(), f.a1) + net.b2.var();
  f.a2 = ad::sigmoid(f.z2);
  f.z3 = ad::matmul(net.W3.var(), f.a2) + net.b3.var();
  f.a3 = ad::sigmoid(f.z3);
  return f;
}

ad::Var cost(const ad::Var& a3, const Tensor& y) {
  const auto N = static_cast<double>(y.shape()[1]);
  return ad::sum(ad::square(a3 - ad::constant(y))) / N;
}

namespace {

Tensor sigma(const Tensor& z) { return 1.0 / (1.0 + xt::exp(-z)); }
// σ'(z) = 1 / (4 cosh²(z/2)), as the course writes it.
Tensor d_sigma(const Tensor& z) { return 1.0 / (4.0 * xt::square(xt::cosh(z / 2.0))); }
Tensor dot(const Tensor& a, const Tensor& b) { return xt::linalg::dot(a, b); }
Tensor T(const Tensor& a) { return xt::transpose(a); }
// Σ over the points (columns), kept as a column: a bias's Jacobian.
Tensor sum_over_points(const Tensor& d) {
  Tensor sum = xt::sum(d, {1});
  sum.reshape({d.shape()[0], 1});
  return sum;
}

}  // namespace

Jacobians hand_jacobians(const Network& net, const Tensor& x, const Tensor& y) {
  // The forward pass again, in plain tensors.
  const Tensor& a0 = x;
  const Tensor z1 = dot(net.W1.value(), a0) + net.b1.value(), a1 = sigma(z1);
  const Tensor z2 = dot(net.W2.value(), a1) + net.b2.value(), a2 = sigma(z2);
  const Tensor z3 = dot(net.W3.value(), a2) + net.b3.value(), a3 = sigma(z3);
  const auto N = static_cast<double>(x.shape()[1]);

  // The chain rule, from the cost back: ∂C/∂a3 = 2(a3 − y)/N, and through each layer
  // ∂C/∂z = ∂C/∂a ⊙ σ'(z), ∂C/∂a(previous) = Wᵀ·∂C/∂z.
  const Tensor dC_dz3 = 2.0 * (a3 - y) / N * d_sigma(z3);
  const Tensor dC_dz2 = dot(T(net.W3.value()), dC_dz3) * d_sigma(z2);
  const Tensor dC_dz1 = dot(T(net.W2.value()), dC_dz2) * d_sigma(z1);

  // z = W·a + b: ∂C/∂W = ∂C/∂z · aᵀ, ∂C/∂b = Σ over the points of ∂C/∂z.
  return {.W1 = dot(dC_dz1, T(a0)),
          .b1 = sum_over_points(dC_dz1),
          .W2 = dot(dC_dz2, T(a1)),
          .b2 = sum_over_points(dC_dz2),
          .W3 = dot(dC_dz3, T(a2)),
          .b3 = sum_over_points(dC_dz3)};
}

void update(Network& net, const Jacobians& J, double aggression) {
  net.W1.value() -= aggression * J.W1;
  net.b1.value() -= aggression * J.b1;
  net.W2.value() -= aggression * J.W2;
  net.b2.value() -= aggression * J.b2;
  net.W3.value() -= aggression * J.W3;
  net.b3.value() -= aggression * J.b3;
}

}  // namespace chainrule::curve::course
