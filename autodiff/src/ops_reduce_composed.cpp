// Reductions composed from primitives — logsumexp, prod, norm, variance, stddev — so their
// gradients of every order come from rules already tested; and cumsum, a rule of its own
// whose adjoint is the reversed cumulative sum (and back).

#include <algorithm>
#include <cmath>
#include <string>

#include <xtensor/xbuilder.hpp>

#include "axes.hpp"
#include "chainrule/autodiff/errors.hpp"
#include "sweep.hpp"

namespace chainrule::ad {
namespace {

using detail::AxisRuns;
using detail::Node;

Var constant_like(const Var& x, Tensor value) {
  return detail::record_constant(detail::TapeImpl::of(x, "constant"), std::move(value));
}

Var flattened(const Var& x, const char* op) { return reshape(x, {detail::value_of(x, op).size()}); }

// ---- cumsum ---------------------------------------------------------------------------------

// Running sums along `axis`, forwards (cumsum) or backwards (its adjoint).
Tensor scan(const Tensor& x, std::size_t axis, bool reverse) {
  Tensor out;
  out.resize(x.shape());
  const AxisRuns r(detail::dims(x), axis);
  const double* p = x.data();
  double* o = out.data();
  for (std::size_t a = 0; a < r.outer; ++a) {
    for (std::size_t i = 0; i < r.inner; ++i) {
      double total = 0.0;
      for (std::size_t step = 0; step < r.extent; ++step) {
        const std::size_t k = reverse ? r.extent - 1 - step : step;
        total += p[r.at(a, k, i)];
        o[r.at(a, k, i)] = total;
      }
    }
  }
  return out;
}

Var scan(const Var& x, std::size_t axis, bool reverse);

template <bool Reverse>
struct Scan {
  static constexpr const char* name = Reverse ? "reverse_cumsum" : "cumsum";
  struct Params {
    std::size_t axis;
  };
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, scan(s.grad(), s.template params<Params>().axis, !Reverse));
  }
};

Var scan(const Var& x, std::size_t axis, bool reverse) {
  const Tensor& v = x.value();
  const auto compute = [&](Node& n) { n.value = scan(v, axis, reverse); };
  return reverse ? detail::record<Scan<true>>({&x}, {axis}, compute)
                 : detail::record<Scan<false>>({&x}, {axis}, compute);
}

// √v elementwise with gradient 0 where v = 0 (instead of ∞·0 = NaN): the mask is a
// constant, so every order of derivative away from 0 is sqrt's.
Var sqrt_zero_safe(const Var& v) {
  const Tensor& value = v.value();
  if (std::none_of(value.begin(), value.end(), [](double e) { return e == 0.0; })) {
    return sqrt(v);
  }
  Tensor zero = xt::zeros<double>(value.shape());
  for (std::size_t i = 0; i < value.size(); ++i) zero.data()[i] = value.data()[i] == 0.0;
  const Var z = constant_like(v, zero);
  return sqrt(v + z) * constant_like(v, Tensor(1.0 - zero));
}

}  // namespace

Var cumsum(const Var& x, std::ptrdiff_t axis) {
  const Tensor& v = detail::value_of(x, "cumsum");
  return scan(x, detail::normalize_axis(axis, detail::dims(v), "cumsum"), false);
}

// ---- logsumexp ------------------------------------------------------------------------------

Var logsumexp(const Var& x, std::ptrdiff_t signed_axis, bool keepdims) {
  const Tensor& v = detail::value_of(x, "logsumexp");
  const std::size_t axis = detail::normalize_axis(signed_axis, detail::dims(v), "logsumexp");
  // Shifted by the largest element (a constant: the result does not depend on the shift,
  // so neither does any derivative), exp cannot overflow. A non-finite largest element
  // (all −∞, or +∞/NaN) is not subtracted: ∞ − ∞ would give NaN.
  const Shape kept = detail::kept_shape(detail::dims(v), axis);
  Tensor shift = xt::zeros<double>(kept);
  const AxisRuns r(detail::dims(v), axis);
  for (std::size_t o = 0; o < r.outer; ++o) {
    for (std::size_t i = 0; i < r.inner; ++i) {
      double m = -INFINITY;
      for (std::size_t k = 0; k < r.extent; ++k) m = std::max(m, v.data()[r.at(o, k, i)]);
      shift.data()[o * r.inner + i] = std::isfinite(m) ? m : 0.0;
    }
  }
  const Var total = sum(exp(x - constant_like(x, shift)), signed_axis, keepdims);
  shift.reshape(detail::reduced_shape(detail::dims(v), axis, keepdims));
  return log(total) + constant_like(x, std::move(shift));
}

Var logsumexp(const Var& x) { return logsumexp(flattened(x, "logsumexp"), 0, false); }

// ---- prod -----------------------------------------------------------------------------------

Var prod(const Var& x, std::ptrdiff_t signed_axis, bool keepdims) {
  const Tensor& v = detail::value_of(x, "prod");
  const Shape shape = shape_of(v);
  const std::size_t axis = detail::normalize_axis(signed_axis, shape, "prod");
  const auto a = static_cast<std::ptrdiff_t>(axis);
  // Pairwise products of the two halves until one element is left: log₂(n) levels of
  // slice·slice, each an exact product, so zeros — one or several — need no special case
  // at any order (a quotient prod/x would divide by them).
  Var y = x;
  std::size_t extent = shape[axis];
  if (extent == 0) {
    y = sum(x, signed_axis, true) + 1.0;  // the empty product, still recorded from x
  }
  while (extent > 1) {
    const auto half = static_cast<std::ptrdiff_t>(extent / 2);
    Var paired = slice(y, a, 0, half) * slice(y, a, half, 2 * half);
    if (extent % 2 == 1) {
      paired = concatenate({paired, slice(y, a, 2 * half, static_cast<std::ptrdiff_t>(extent))}, a);
    }
    y = paired;
    extent = extent / 2 + extent % 2;
  }
  return keepdims ? y : reshape(y, detail::reduced_shape(shape, axis, false));
}

Var prod(const Var& x) { return prod(flattened(x, "prod"), 0, false); }

// ---- norm -----------------------------------------------------------------------------------

Var norm(const Var& x) {
  const Tensor& v = detail::value_of(x, "norm");
  double scale = 0.0;
  for (double e : v) scale = std::max(scale, std::abs(e));
  if (std::isnan(scale) || std::isinf(scale)) return sqrt(sum(square(x)));  // NaN or ∞ as is
  // At 0 the norm has no derivative; its subgradient 0 is returned (x/‖x‖ would be 0/0).
  if (scale == 0.0) return sum(x) * 0.0;
  // Scaled by the largest |element| (a constant) so squaring neither overflows nor underflows.
  return sqrt(sum(square(x * (1.0 / scale)))) * scale;
}

// ---- variance, stddev -----------------------------------------------------------------------

Var variance(const Var& x, std::ptrdiff_t signed_axis, bool keepdims, std::ptrdiff_t ddof) {
  const Shape shape = shape_of(detail::value_of(x, "variance"));
  const std::size_t axis = detail::normalize_axis(signed_axis, shape, "variance");
  const auto n = static_cast<std::ptrdiff_t>(shape[axis]);
  if (n - ddof <= 0) {
    throw ShapeError("chainrule: variance: ddof " + std::to_string(ddof) +
                     " leaves no degrees "
                     "of freedom for the " +
                     std::to_string(n) + " elements along axis " + std::to_string(signed_axis) +
                     " of shape " + to_string(shape));
  }
  const Var deviation = x - mean(x, signed_axis, true);
  return sum(square(deviation), signed_axis, keepdims) / static_cast<double>(n - ddof);
}

Var variance(const Var& x) {
  const Var flat = flattened(x, "variance");
  if (flat.size() == 0) {
    throw ShapeError("chainrule: variance: the tensor of shape " + to_string(x.shape()) +
                     " is empty");
  }
  return variance(flat, 0, false, 0);
}

Var stddev(const Var& x, std::ptrdiff_t axis, bool keepdims, std::ptrdiff_t ddof) {
  detail::normalize_axis(axis, detail::dims(detail::value_of(x, "stddev")), "stddev");
  return sqrt_zero_safe(variance(x, axis, keepdims, ddof));
}

Var stddev(const Var& x) { return sqrt_zero_safe(variance(x)); }

}  // namespace chainrule::ad
