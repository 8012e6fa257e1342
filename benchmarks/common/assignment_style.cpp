#include "assignment_style.hpp"

#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xreducer.hpp>

#include "autodiff_network.hpp"

namespace chainrule::bench {
namespace {

using Tensor = AssignmentStyle::Tensor;

// sigma = lambda z : 1 / (1 + np.exp(-z))
Tensor sigma(const Tensor& z) { return 1.0 / (1.0 + xt::exp(-z)); }
// d_sigma = lambda z : np.cosh(z/2)**(-2) / 4
Tensor d_sigma(const Tensor& z) { return xt::pow(xt::cosh(z / 2.0), -2.0) / 4.0; }

}  // namespace

AssignmentStyle::AssignmentStyle(const MlpData& data)
    : W1(to_tensor(data.weights.at(0))),
      W2(to_tensor(data.weights.at(1))),
      W3(to_tensor(data.weights.at(2))),
      b1(to_tensor(data.biases.at(0))),
      b2(to_tensor(data.biases.at(1))),
      b3(to_tensor(data.biases.at(2))) {}

AssignmentStyle::Forward AssignmentStyle::network_function(const Tensor& a0) const {
  Forward f;
  f.a0 = a0;
  f.z1 = xt::linalg::dot(W1, f.a0) + b1;
  f.a1 = sigma(f.z1);
  f.z2 = xt::linalg::dot(W2, f.a1) + b2;
  f.a2 = sigma(f.z2);
  f.z3 = xt::linalg::dot(W3, f.a2) + b3;
  f.a3 = sigma(f.z3);
  return f;
}

double AssignmentStyle::cost(const Tensor& x, const Tensor& y) const {
  // np.linalg.norm(network_function(x)[-1] - y)**2 / x.size
  const Tensor d = network_function(x).a3 - y;
  return xt::sum(d * d)() / static_cast<double>(x.size());
}

Tensor AssignmentStyle::J_W3(const Tensor& x, const Tensor& y) const {
  const Forward f = network_function(x);
  Tensor J = 2.0 * (f.a3 - y);
  J = J * d_sigma(f.z3);
  J = xt::linalg::dot(J, xt::transpose(f.a2)) / static_cast<double>(x.size());
  return J;
}

Tensor AssignmentStyle::J_b3(const Tensor& x, const Tensor& y) const {
  const Forward f = network_function(x);
  Tensor J = 2.0 * (f.a3 - y);
  J = J * d_sigma(f.z3);
  J = xt::sum(J, {1}, xt::keep_dims) / static_cast<double>(x.size());
  return J;
}

Tensor AssignmentStyle::J_W2(const Tensor& x, const Tensor& y) const {
  const Forward f = network_function(x);
  Tensor J = 2.0 * (f.a3 - y);
  J = J * d_sigma(f.z3);
  J = xt::transpose(xt::linalg::dot(xt::transpose(J), W3));
  J = J * d_sigma(f.z2);
  J = xt::linalg::dot(J, xt::transpose(f.a1)) / static_cast<double>(x.size());
  return J;
}

Tensor AssignmentStyle::J_b2(const Tensor& x, const Tensor& y) const {
  const Forward f = network_function(x);
  Tensor J = 2.0 * (f.a3 - y);
  J = J * d_sigma(f.z3);
  J = xt::transpose(xt::linalg::dot(xt::transpose(J), W3));
  J = J * d_sigma(f.z2);
  J = xt::sum(J, {1}, xt::keep_dims) / static_cast<double>(x.size());
  return J;
}

Tensor AssignmentStyle::J_W1(const Tensor& x, const Tensor& y) const {
  const Forward f = network_function(x);
  Tensor J = 2.0 * (f.a3 - y);
  J = J * d_sigma(f.z3);
  J = xt::transpose(xt::linalg::dot(xt::transpose(J), W3));
  J = J * d_sigma(f.z2);
  J = xt::transpose(xt::linalg::dot(xt::transpose(J), W2));
  J = J * d_sigma(f.z1);
  J = xt::linalg::dot(J, xt::transpose(f.a0)) / static_cast<double>(x.size());
  return J;
}

Tensor AssignmentStyle::J_b1(const Tensor& x, const Tensor& y) const {
  const Forward f = network_function(x);
  Tensor J = 2.0 * (f.a3 - y);
  J = J * d_sigma(f.z3);
  J = xt::transpose(xt::linalg::dot(xt::transpose(J), W3));
  J = J * d_sigma(f.z2);
  J = xt::transpose(xt::linalg::dot(xt::transpose(J), W2));
  J = J * d_sigma(f.z1);
  J = xt::sum(J, {1}, xt::keep_dims) / static_cast<double>(x.size());
  return J;
}

AssignmentStyle::Jacobians AssignmentStyle::jacobians(const Tensor& x, const Tensor& y) const {
  return {J_W1(x, y), J_W2(x, y), J_W3(x, y), J_b1(x, y), J_b2(x, y), J_b3(x, y)};
}

}  // namespace chainrule::bench
