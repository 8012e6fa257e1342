#pragma once
/// @file
/// Activation functions beyond ops.hpp's relu, sigmoid, tanh and softplus, and softmax /
/// log_softmax along an axis. (Included by ops.hpp.) Derivatives of every order are exact;
/// at a kink (x = 0) the derivative is the one of the x ≤ 0 side, as in PyTorch.

#include <cstddef>

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

/// e^x / Σ e^x along `axis` (negative axes count from the end): every lane along the axis
/// sums to 1. Each lane is shifted by its maximum first, so nothing overflows, for any axis.
/// An axis out of range throws ShapeError naming the op, the axis and the shape.
/// @code
/// ad::Var p = ad::softmax(logits, 0);  // class probabilities, one column per example
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var softmax(const Var& x, std::ptrdiff_t axis);
/// log softmax along `axis`: (x − m) − log Σ e^(x − m), m the lane's maximum, accurate where
/// softmax underflows (log_softmax([0, −1000]) = [0, −1000]).
/// @code
/// ad::Var nll = -ad::sum(targets * ad::log_softmax(logits, -1));
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var log_softmax(const Var& x, std::ptrdiff_t axis);

}  // namespace chainrule::ad
