// Trigonometric and hyperbolic functions and their inverses: each forward next to its
// backward rule (one body for both sweeps, see elementwise.hpp). Derivatives with 1 − x² or
// x² − 1 use (1 − x)(1 + x) and (x − 1)(x + 1): exact factors, so no digits are lost near
// the domain's ends.

#include <cmath>

#include "chainrule/autodiff/ops.hpp"
#include "elementwise.hpp"

namespace chainrule::ad {
namespace {

using detail::binary;
using detail::unary;

}  // namespace

namespace {
struct Tan {
  static constexpr const char* name = "tan";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * (1.0 + s.out() * s.out()));
  }
};
}  // namespace

Var tan(const Var& x) {
  return unary<Tan>(x, [](double v) { return std::tan(v); });
}

namespace {
struct Atan {
  static constexpr const char* name = "atan";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() / (1.0 + s.in(0) * s.in(0)));
  }
};
}  // namespace

Var atan(const Var& x) {
  return unary<Atan>(x, [](double v) { return std::atan(v); });
}

namespace {
struct Atan2 {  // atan2(y, x): inputs y, x
  static constexpr const char* name = "atan2";
  template <class S>
  static void backward(S& s) {
    const auto& y = s.in(0);
    const auto& x = s.in(1);
    if (s.needs(0)) s.accumulate(0, s.grad() * x / (x * x + y * y));
    if (s.needs(1)) s.accumulate(1, -s.grad() * y / (x * x + y * y));
  }
};
}  // namespace

Var atan2(const Var& y, const Var& x) {
  return binary<Atan2>(
      y, x,
      [](const Tensor& a, const Tensor& b, Tensor& out) { xt::noalias(out) = xt::atan2(a, b); },
      [](double a, double b) { return std::atan2(a, b); });
}

namespace {
struct Asin {
  static constexpr const char* name = "asin";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() / sqrt((1.0 - s.in(0)) * (1.0 + s.in(0))));
  }
};
}  // namespace

Var asin(const Var& x) {
  return unary<Asin>(x, [](double v) { return std::asin(v); });
}

namespace {
struct Acos {
  static constexpr const char* name = "acos";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, -s.grad() / sqrt((1.0 - s.in(0)) * (1.0 + s.in(0))));
  }
};
}  // namespace

Var acos(const Var& x) {
  return unary<Acos>(x, [](double v) { return std::acos(v); });
}

namespace {
struct Sinh {
  static constexpr const char* name = "sinh";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * cosh(s.in(0)));
  }
};
}  // namespace

Var sinh(const Var& x) {
  return unary<Sinh>(x, [](double v) { return std::sinh(v); });
}

namespace {
struct Cosh {
  static constexpr const char* name = "cosh";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * sinh(s.in(0)));
  }
};
}  // namespace

Var cosh(const Var& x) {
  return unary<Cosh>(x, [](double v) { return std::cosh(v); });
}

namespace {
struct Asinh {
  static constexpr const char* name = "asinh";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() / sqrt(s.in(0) * s.in(0) + 1.0));
  }
};
}  // namespace

Var asinh(const Var& x) {
  return unary<Asinh>(x, [](double v) { return std::asinh(v); });
}

namespace {
struct Acosh {
  static constexpr const char* name = "acosh";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() / sqrt((s.in(0) - 1.0) * (s.in(0) + 1.0)));
  }
};
}  // namespace

Var acosh(const Var& x) {
  return unary<Acosh>(x, [](double v) { return std::acosh(v); });
}

namespace {
struct Atanh {
  static constexpr const char* name = "atanh";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() / ((1.0 - s.in(0)) * (1.0 + s.in(0))));
  }
};
}  // namespace

Var atanh(const Var& x) {
  return unary<Atanh>(x, [](double v) { return std::atanh(v); });
}

}  // namespace chainrule::ad
