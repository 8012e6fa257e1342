#pragma once
// Assignment 1 as the course writes it: the network, its cost, the Jacobians derived by hand
// with the chain rule, and the update. Columns are points: x is (1 × N), y is (2 × N).
//
//   a0 = x
//   z1 = W1·a0 + b1,   a1 = σ(z1)          σ(z) = 1 / (1 + e^−z)
//   z2 = W2·a1 + b2,   a2 = σ(z2)
//   z3 = W3·a2 + b3,   a3 = σ(z3)
//   C  = Σ (a3 − y)² / N
//   P ← P − aggression·J_P   for P = W1, b1, W2, b2, W3, b3, J_P = ∂C/∂P
//
// chainrule records the network and C and finds every J_P by reverse-mode autodiff;
// hand_jacobians() works them out as the course does, to check that both agree.

#include <vector>

#include <chainrule/autodiff.hpp>

namespace chainrule::curve::course {

/// The six parameters, named W1 … b3 (in messages, checkpoints and the graph's labels).
struct Network {
  ad::Parameter W1, b1, W2, b2, W3, b3;
  /// In the order the optimizer updates them: W1, b1, W2, b2, W3, b3.
  std::vector<ad::Parameter> parameters() const { return {W1, b1, W2, b2, W3, b3}; }
};

/// Every value of the forward pass, named as in the course's notebook.
struct Forward {
  ad::Var a0, z1, a1, z2, a2, z3, a3;
};

/// The forward pass on the points x (recorded on the current tape).
Forward network_function(const Network& net, const ad::Tensor& x);

/// C = Σ (a3 − y)² / N, N the number of points.
ad::Var cost(const ad::Var& a3, const ad::Tensor& y);

/// J_P = ∂C/∂P for each parameter, shaped like P.
struct Jacobians {
  ad::Tensor W1, b1, W2, b2, W3, b3;
};

/// The course's Jacobians, derived by hand with the chain rule (plain tensors, no autodiff).
Jacobians hand_jacobians(const Network& net, const ad::Tensor& x, const ad::Tensor& y);

/// P ← P − aggression·J_P for every parameter.
void update(Network& net, const Jacobians& J, double aggression);

}  // namespace chainrule::curve::course
