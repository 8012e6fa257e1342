// Activation functions — leaky_relu, elu, gelu, silu, softsign — and softmax/log_softmax
// along an axis: each forward next to its backward rule (one body for both sweeps, see
// elementwise.hpp).

#include <cmath>
#include <numbers>

#include <xtensor/xoperation.hpp>

#include "chainrule/autodiff/ops.hpp"
#include "elementwise.hpp"

namespace chainrule::ad {
namespace {

using detail::logistic;
using detail::mask_constant;
using detail::positive_mask;
using detail::unary;

// `x > 0 ? if_positive : otherwise`, elementwise. `if_positive` is taken by value and passed
// on as a prvalue, so the lazy expression stores it rather than a dangling reference.
template <class E>
auto where_positive(const Tensor& x, double if_positive, E&& otherwise) {
  return xt::where(x > 0.0, double{if_positive}, std::forward<E>(otherwise));
}
Var where_positive(const Var& x, double if_positive, const Var& otherwise) {
  return ad::where(Tensor(positive_mask(x.value())), mask_constant(x, Tensor(if_positive)),
                   otherwise);
}

// min(x, 0): the argument of elu's eˣ branch, finite (so are its derivatives) where x > 0.
auto nonpositive_part(const Tensor& x) { return xt::minimum(x, 0.0); }
Var nonpositive_part(const Var& x) {
  return x * mask_constant(x, xt::cast<double>(x.value() <= 0.0));
}

}  // namespace

namespace {
struct LeakyRelu {
  static constexpr const char* name = "leaky_relu";
  struct Params {
    double slope;  // for x ≤ 0
  };
  template <class S>
  static void backward(S& s) {
    const double slope = s.template params<Params>().slope;
    if (s.needs(0)) s.accumulate(0, s.grad() * (slope + (1.0 - slope) * positive_mask(s.in(0))));
  }
};
}  // namespace

Var leaky_relu(const Var& x, double slope) {
  return unary<LeakyRelu>(
      x, [=](double v) { return v > 0.0 ? v : slope * v; }, LeakyRelu::Params{slope});
}

namespace {
// d/dx = 1 for x > 0, αeˣ for x ≤ 0 (not out + α: it cancels for x ≪ 0).
struct Elu {
  static constexpr const char* name = "elu";
  struct Params {
    double alpha;
  };
  template <class S>
  static void backward(S& s) {
    const double alpha = s.template params<Params>().alpha;
    const auto& x = s.in(0);
    if (s.needs(0)) {
      s.accumulate(0, s.grad() * where_positive(x, 1.0, alpha * exp(nonpositive_part(x))));
    }
  }
};
}  // namespace

Var elu(const Var& x, double alpha) {
  return unary<Elu>(
      x, [=](double v) { return v > 0.0 ? v : alpha * std::expm1(v); }, Elu::Params{alpha});
}

namespace {
struct Gelu {  // x·Φ(x); d/dx = Φ(x) + x·φ(x), Φ(x) = erfc(−x/√2)/2, φ the normal density
  static constexpr const char* name = "gelu";
  template <class S>
  static void backward(S& s) {
    constexpr double inv_sqrt2 = std::numbers::sqrt2 / 2.0;
    constexpr double inv_sqrt_2pi = std::numbers::inv_sqrtpi * inv_sqrt2;
    const auto& x = s.in(0);
    if (s.needs(0)) {
      s.accumulate(0,
                   s.grad() * (0.5 * erfc(x * -inv_sqrt2) + x * inv_sqrt_2pi * exp(x * x * -0.5)));
    }
  }
};
}  // namespace

Var gelu(const Var& x) {
  return unary<Gelu>(x,
                     [](double v) { return 0.5 * v * std::erfc(-v * std::numbers::sqrt2 / 2.0); });
}

namespace {
struct Silu {  // x·σ(x); d/dx = σ(x)(1 + x·σ(−x)), no 1 − σ(x) to cancel
  static constexpr const char* name = "silu";
  template <class S>
  static void backward(S& s) {
    const auto& x = s.in(0);
    if (s.needs(0)) s.accumulate(0, s.grad() * logistic(x) * (1.0 + x * logistic(-x)));
  }
};
}  // namespace

Var silu(const Var& x) {
  // e⁻ˣ overflows to inf for x < −709: x/inf = −0, the limit.
  return unary<Silu>(x, [](double v) { return v / (1.0 + std::exp(-v)); });
}

namespace {
struct Softsign {  // x / (1 + |x|); d/dx = 1 / (1 + |x|)²
  static constexpr const char* name = "softsign";
  template <class S>
  static void backward(S& s) {
    const auto& x = s.in(0);
    if (s.needs(0)) s.accumulate(0, s.grad() / ((1.0 + abs(x)) * (1.0 + abs(x))));
  }
};
}  // namespace

Var softsign(const Var& x) {
  return unary<Softsign>(x, [](double v) { return v / (1.0 + std::abs(v)); });
}

}  // namespace chainrule::ad
