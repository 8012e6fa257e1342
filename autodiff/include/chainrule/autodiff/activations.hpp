#pragma once
/// @file
/// Activation functions beyond ops.hpp's relu, sigmoid, tanh and softplus, and softmax /
/// log_softmax along an axis. (Included by ops.hpp.) Derivatives of every order are exact;
/// at a kink (x = 0) the derivative is the one of the x ≤ 0 side, as in PyTorch.

#include "chainrule/autodiff/export.hpp"
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

/// x for x > 0, slope·x otherwise.
/// @code
/// ad::Var a = ad::leaky_relu(z, 0.01);
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var leaky_relu(const Var& x, double slope);
/// The exponential linear unit: x for x > 0, α(eˣ − 1) otherwise.
/// @code
/// ad::Var a = ad::elu(z, 1.0);  // smooth at 0 for α = 1
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var elu(const Var& x, double alpha);
/// The Gaussian error linear unit x·Φ(x), Φ the standard normal CDF, in the exact erf form
/// (not the tanh approximation): x/2 · erfc(−x/√2).
/// @code
/// ad::Var a = ad::gelu(z);
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var gelu(const Var& x);
/// The sigmoid linear unit (swish) x·σ(x).
/// @code
/// ad::Var a = ad::silu(z);  // da/dz = σ(z)(1 + z·σ(−z))
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var silu(const Var& x);
/// x / (1 + |x|), a squashing function into (−1, 1) with polynomial tails.
/// @code
/// ad::Var a = ad::softsign(z);  // da/dz = 1 / (1 + |z|)²
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var softsign(const Var& x);

}  // namespace chainrule::ad
