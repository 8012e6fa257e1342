#pragma once
/// @file
/// Elementwise mathematical functions beyond ops.hpp's basics: trigonometric and hyperbolic
/// functions and their inverses, accurate logarithms and exponentials, the error function,
/// reciprocals and roots. (Included by ops.hpp.)
///
/// Outside a function's domain the value is what the `double` function gives (NaN, ±inf) and
/// so is the gradient; with anomaly detection on, the operation that produced it is named.
/// Binary functions broadcast like numpy. Derivatives of every order are exact.

#include "chainrule/autodiff/export.hpp"
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

// --- trigonometric and hyperbolic -------------------------------------------------------------

/// Tangent.
/// @code
/// ad::Var y = ad::tan(x);  // dy/dx = 1 + y²
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var tan(const Var& x);
/// Inverse tangent, in (−π/2, π/2).
/// @code
/// ad::Var y = ad::atan(x);  // dy/dx = 1 / (1 + x²)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var atan(const Var& x);
/// The angle of the point (x, y), in [−π, π] (numpy's arctan2), broadcasting y and x.
/// At (0, 0) the value is ±0 or ±π and the gradient NaN (0/0).
/// @code
/// ad::Var angle = ad::atan2(y, x);  // ∂/∂y = x / (x² + y²), ∂/∂x = −y / (x² + y²)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var atan2(const Var& y, const Var& x);
/// Inverse sine, for x in [−1, 1] (NaN outside; the gradient is ±inf at ±1).
/// @code
/// ad::Var y = ad::asin(x);  // dy/dx = 1 / √(1 − x²)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var asin(const Var& x);
/// Inverse cosine, for x in [−1, 1] (NaN outside; the gradient is −inf at ±1).
/// @code
/// ad::Var y = ad::acos(x);  // dy/dx = −1 / √(1 − x²)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var acos(const Var& x);
/// Hyperbolic sine.
/// @code
/// ad::Var y = ad::sinh(x);  // dy/dx = cosh(x)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var sinh(const Var& x);
/// Hyperbolic cosine.
/// @code
/// ad::Var y = ad::cosh(x);  // dy/dx = sinh(x)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var cosh(const Var& x);
/// Inverse hyperbolic sine.
/// @code
/// ad::Var y = ad::asinh(x);  // dy/dx = 1 / √(x² + 1)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var asinh(const Var& x);
/// Inverse hyperbolic cosine, for x ≥ 1 (NaN below; the gradient is +inf at 1).
/// @code
/// ad::Var y = ad::acosh(x);  // dy/dx = 1 / √((x − 1)(x + 1))
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var acosh(const Var& x);
/// Inverse hyperbolic tangent, for x in [−1, 1] (±inf at ±1, NaN outside).
/// @code
/// ad::Var y = ad::atanh(x);  // dy/dx = 1 / ((1 − x)(1 + x))
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var atanh(const Var& x);

// --- logarithms, exponentials, the error function, roots ---------------------------------------

/// log(1 + x), accurate for small x (where 1 + x would round); −inf at −1, NaN below.
/// @code
/// ad::Var y = ad::log1p(x);  // dy/dx = 1 / (1 + x)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var log1p(const Var& x);
/// eˣ − 1, accurate for small x (where eˣ − 1 would cancel).
/// @code
/// ad::Var y = ad::expm1(x);  // dy/dx = eˣ = y + 1
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var expm1(const Var& x);
/// Base-2 logarithm.
/// @code
/// ad::Var bits = ad::log2(x);  // d/dx = 1 / (x ln 2)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var log2(const Var& x);
/// Base-10 logarithm.
/// @code
/// ad::Var decibels = 10.0 * ad::log10(x);  // d log10(x)/dx = 1 / (x ln 10)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var log10(const Var& x);
/// The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt.
/// @code
/// ad::Var y = ad::erf(x);  // dy/dx = 2/√π · e^(−x²)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var erf(const Var& x);
/// The complementary error function 1 − erf(x), accurate where erf(x) is close to 1.
/// @code
/// ad::Var tail = 0.5 * ad::erfc(x / std::sqrt(2.0));  // P(Z > x) for a standard normal Z
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var erfc(const Var& x);
/// 1/x, elementwise (±inf at ±0).
/// @code
/// ad::Var y = ad::reciprocal(x);  // dy/dx = −1/x² = −y²
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var reciprocal(const Var& x);
/// 1/√x (+inf at 0, NaN below).
/// @code
/// ad::Var y = ad::rsqrt(x);  // dy/dx = −y / (2x)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var rsqrt(const Var& x);
/// The real cube root, defined for negative x too (the gradient is +inf at 0).
/// @code
/// ad::Var y = ad::cbrt(x);  // dy/dx = 1 / (3y²)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var cbrt(const Var& x);

}  // namespace chainrule::ad
