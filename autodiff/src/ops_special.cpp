// Logarithms and exponentials (log1p, expm1, log2, log10), the error function, reciprocal
// and roots: each forward next to its backward rule (one body for both sweeps, see
// elementwise.hpp). Where the derivative is a function of the result, the rule uses `out`
// rather than recomputing it.

#include <cmath>
#include <numbers>

#include "chainrule/autodiff/ops.hpp"
#include "elementwise.hpp"

namespace chainrule::ad {
namespace {

using detail::unary;

}  // namespace

namespace {
struct Erf {
  static constexpr const char* name = "erf";
  template <class S>
  static void backward(S& s) {
    constexpr double two_over_sqrt_pi = 2.0 * std::numbers::inv_sqrtpi;
    if (s.needs(0)) s.accumulate(0, s.grad() * two_over_sqrt_pi * exp(-(s.in(0) * s.in(0))));
  }
};
}  // namespace

Var erf(const Var& x) {
  return unary<Erf>(x, [](double v) { return std::erf(v); });
}

namespace {
struct Erfc {
  static constexpr const char* name = "erfc";
  template <class S>
  static void backward(S& s) {
    constexpr double two_over_sqrt_pi = 2.0 * std::numbers::inv_sqrtpi;
    if (s.needs(0)) s.accumulate(0, -s.grad() * two_over_sqrt_pi * exp(-(s.in(0) * s.in(0))));
  }
};
}  // namespace

Var erfc(const Var& x) {
  return unary<Erfc>(x, [](double v) { return std::erfc(v); });
}

namespace {
struct Log1p {
  static constexpr const char* name = "log1p";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() / (1.0 + s.in(0)));
  }
};
}  // namespace

Var log1p(const Var& x) {
  return unary<Log1p>(x, [](double v) { return std::log1p(v); });
}

namespace {
struct Expm1 {  // d/dx = eˣ = out + 1
  static constexpr const char* name = "expm1";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * (s.out() + 1.0));
  }
};
}  // namespace

Var expm1(const Var& x) {
  return unary<Expm1>(x, [](double v) { return std::expm1(v); });
}

namespace {
struct Log2 {
  static constexpr const char* name = "log2";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() / (s.in(0) * std::numbers::ln2));
  }
};
}  // namespace

Var log2(const Var& x) {
  return unary<Log2>(x, [](double v) { return std::log2(v); });
}

namespace {
struct Log10 {
  static constexpr const char* name = "log10";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() / (s.in(0) * std::numbers::ln10));
  }
};
}  // namespace

Var log10(const Var& x) {
  return unary<Log10>(x, [](double v) { return std::log10(v); });
}

namespace {
struct Reciprocal {  // d/dx 1/x = −1/x² = −out²
  static constexpr const char* name = "reciprocal";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, -s.grad() * s.out() * s.out());
  }
};
}  // namespace

Var reciprocal(const Var& x) {
  return unary<Reciprocal>(x, [](double v) { return 1.0 / v; });
}

namespace {
struct Rsqrt {  // d/dx x^(−1/2) = −x^(−3/2) / 2 = −out / (2x)
  static constexpr const char* name = "rsqrt";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, -0.5 * s.grad() * s.out() / s.in(0));
  }
};
}  // namespace

Var rsqrt(const Var& x) {
  return unary<Rsqrt>(x, [](double v) { return 1.0 / std::sqrt(v); });
}

namespace {
struct Cbrt {  // d/dx x^(1/3) = 1 / (3 out²), also for x < 0
  static constexpr const char* name = "cbrt";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() / (3.0 * s.out() * s.out()));
  }
};
}  // namespace

Var cbrt(const Var& x) {
  return unary<Cbrt>(x, [](double v) { return std::cbrt(v); });
}

}  // namespace chainrule::ad
