// Elementwise operations: each forward next to its backward rule.
// A rule is a template over the sweep (see sweep.hpp): with tensors its expressions are
// lazy and land directly in the input's adjoint; with Vars they are recorded.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <xtensor/xbroadcast.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "chainrule/autodiff/errors.hpp"
#include "elementwise.hpp"

namespace chainrule::ad {
namespace {

using detail::binary;
using detail::check_broadcast;
using detail::logistic;
using detail::mask_constant;
using detail::Node;
using detail::positive_mask;
using detail::record;
using detail::unary;
using detail::unary_kernel;

// ---- helpers with one name for tensors (lazy expressions) and for Vars (recorded) --------

auto greater_equal_mask(const Tensor& a, const Tensor& b) { return xt::cast<double>(a >= b); }
Var greater_equal_mask(const Var& a, const Var& b) {
  return mask_constant(a, greater_equal_mask(a.value(), b.value()));
}

auto less_equal_mask(const Tensor& a, const Tensor& b) { return xt::cast<double>(a <= b); }
Var less_equal_mask(const Var& a, const Var& b) {
  return mask_constant(a, less_equal_mask(a.value(), b.value()));
}

// A lazy expression outlives this call: the bounds are passed as prvalues so xtensor stores
// them by value (an lvalue parameter would be held by reference and dangle once we return).
auto inside_mask(const Tensor& x, double lo, double hi) {
  return xt::cast<double>(x >= double{lo} && x <= double{hi});
}
Var inside_mask(const Var& x, double lo, double hi) {
  return mask_constant(x, inside_mask(x.value(), lo, hi));
}

auto below_mask(const Tensor& x, const Tensor& lo) { return xt::cast<double>(x < lo); }
Var below_mask(const Var& x, const Var& lo) {
  return mask_constant(x, below_mask(x.value(), lo.value()));
}

auto above_mask(const Tensor& x, const Tensor& hi) { return xt::cast<double>(x > hi); }
Var above_mask(const Var& x, const Var& hi) {
  return mask_constant(x, above_mask(x.value(), hi.value()));
}

}  // namespace

// ---- operations: each rule, then its forward ----

namespace {
struct Add {
  static constexpr const char* name = "add";
  template <class S>
  static void backward(S& s) {
    s.accumulate(1, s.grad());
    s.hand_over_grad(0);  // the last use of the incoming gradient: moved, not copied
  }
};
}  // namespace

Var operator+(const Var& a, const Var& b) {
  return binary<Add>(
      a, b, [](const Tensor& x, const Tensor& y, Tensor& out) { xt::noalias(out) = x + y; },
      [](double x, double y) { return x + y; });
}

namespace {
struct Sub {
  static constexpr const char* name = "sub";
  template <class S>
  static void backward(S& s) {
    if (s.needs(1)) s.accumulate(1, -s.grad());
    s.hand_over_grad(0);
  }
};
}  // namespace

Var operator-(const Var& a, const Var& b) {
  return binary<Sub>(
      a, b, [](const Tensor& x, const Tensor& y, Tensor& out) { xt::noalias(out) = x - y; },
      [](double x, double y) { return x - y; });
}

namespace {
struct Mul {
  static constexpr const char* name = "mul";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * s.in(1));
    if (s.needs(1)) s.accumulate(1, s.grad() * s.in(0));
  }
};
}  // namespace

Var operator*(const Var& a, const Var& b) {
  return binary<Mul>(
      a, b, [](const Tensor& x, const Tensor& y, Tensor& out) { xt::noalias(out) = x * y; },
      [](double x, double y) { return x * y; });
}

namespace {
struct Div {
  static constexpr const char* name = "div";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() / s.in(1));
    if (s.needs(1)) s.accumulate(1, -s.grad() * s.out() / s.in(1));
  }
};
}  // namespace

Var operator/(const Var& a, const Var& b) {
  return binary<Div>(
      a, b, [](const Tensor& x, const Tensor& y, Tensor& out) { xt::noalias(out) = x / y; },
      [](double x, double y) { return x / y; });
}

namespace {
struct Affine {  // scale·x + shift
  static constexpr const char* name = "affine";
  struct Params {
    double scale, shift;
  };
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.scale(s.grad(), s.template params<Params>().scale));
  }
  // What the user wrote, not how it is recorded: "/ 100" for x / 100 (× 0.01), "× 2 + 1",
  // "− 3" for x − 3, "1 −" for 1 − x, "−" for −x.
  static std::string label(const Params& p) {
    const std::string plus_shift = (p.shift < 0.0 ? "− " : "+ ") + compact(std::abs(p.shift));
    if (p.scale == 1.0) return plus_shift;
    if (p.scale == -1.0) return p.shift == 0.0 ? "−" : compact(p.shift) + " −";
    const double divisor = std::round(1.0 / p.scale);
    const bool divides = std::abs(divisor) > 1.0 && 1.0 / divisor == p.scale;
    const std::string times = divides ? "/ " + compact(divisor) : "× " + compact(p.scale);
    return p.shift == 0.0 ? times : times + " " + plus_shift;
  }
  static std::string compact(double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", v);
    return text;
  }
};
}  // namespace

Var affine(const Var& x, double scale, double shift) {
  return unary<Affine>(
      x, [=](double v) { return scale * v + shift; }, Affine::Params{scale, shift});
}
Var operator-(const Var& a) { return affine(a, -1.0, 0.0); }
Var operator+(const Var& a, double b) { return affine(a, 1.0, b); }
Var operator+(double a, const Var& b) { return affine(b, 1.0, a); }
Var operator-(const Var& a, double b) { return affine(a, 1.0, -b); }
Var operator-(double a, const Var& b) { return affine(b, -1.0, a); }
Var operator*(const Var& a, double b) { return affine(a, b, 0.0); }
Var operator*(double a, const Var& b) { return affine(b, a, 0.0); }
Var operator/(const Var& a, double b) { return affine(a, 1.0 / b, 0.0); }

namespace {
struct ScalarDiv {  // scalar / x
  static constexpr const char* name = "scalar_div";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, -s.grad() * s.out() / s.in(0));
  }
};
}  // namespace

Var operator/(double a, const Var& b) {
  return unary<ScalarDiv>(b, [=](double v) { return a / v; });
}

namespace {
struct Exp {
  static constexpr const char* name = "exp";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * s.out());
  }
};
}  // namespace

Var exp(const Var& x) { return unary_kernel<Exp>(x, detail::vector_math::kernels().exp); }

namespace {
struct Log {
  static constexpr const char* name = "log";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() / s.in(0));
  }
};
}  // namespace

Var log(const Var& x) { return unary_kernel<Log>(x, detail::vector_math::kernels().log); }

namespace {
struct Sqrt {
  static constexpr const char* name = "sqrt";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * 0.5 / s.out());
  }
};
}  // namespace

Var sqrt(const Var& x) {
  return unary<Sqrt>(x, [](double v) { return std::sqrt(v); });
}

namespace {
struct Square {
  static constexpr const char* name = "square";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * (2.0 * s.in(0)));
  }
};
}  // namespace

Var square(const Var& x) {
  return unary<Square>(x, [](double v) { return v * v; });
}

namespace {
struct PowScalar {  // x^p
  static constexpr const char* name = "pow";
  struct Params {
    double exponent;
  };
  template <class S>
  static void backward(S& s) {
    const double p = s.template params<Params>().exponent;
    // x⁰ is constant: no gradient at all. Written as p·x⁻¹ it would be 0·∞ = NaN at x = 0,
    // and x¹'s second derivative (through x⁰) with it.
    if (p == 0.0) return;
    if (s.needs(0)) s.accumulate(0, s.grad() * (p * pow(s.in(0), p - 1.0)));
  }
};
}  // namespace

Var pow(const Var& x, double exponent) {
  return unary<PowScalar>(
      x, [=](double v) { return std::pow(v, exponent); }, PowScalar::Params{exponent});
}

namespace {
// At base 0 the gradients take their limits, as in PyTorch: ∂/∂x = y·x^(y−1) is 0 where
// y = 0 (not 0·∞ = NaN), ∂/∂y = x^y·log x is 0 where y ≥ 0 (not 0·(−∞)). The arguments are
// made safe (exponent 1, base 1) rather than the results masked: a masked NaN would come back
// as 0·NaN in the next derivative.
auto pow_safe_exponent(const Tensor& x, const Tensor& y) {
  return xt::where(xt::equal(x, 0.0) && xt::equal(y, 0.0), 1.0, y);
}
Var pow_safe_exponent(const Var& x, const Var& y) {
  Tensor zero_zero = xt::equal(x.value(), 0.0) && xt::equal(y.value(), 0.0);
  return ad::where(zero_zero, mask_constant(x, Tensor(1.0)), y);
}
auto pow_safe_base(const Tensor& x, const Tensor& y) {
  return xt::where(xt::equal(x, 0.0) && y >= 0.0, 1.0, x);
}
Var pow_safe_base(const Var& x, const Var& y) {
  Tensor zero_base = xt::equal(x.value(), 0.0) && y.value() >= 0.0;
  return ad::where(zero_base, mask_constant(x, Tensor(1.0)), x);
}

struct Pow {  // x^y
  static constexpr const char* name = "pow";
  template <class S>
  static void backward(S& s) {
    const auto& x = s.in(0);
    const auto& y = s.in(1);
    if (s.needs(0)) s.accumulate(0, s.grad() * y * pow(x, pow_safe_exponent(x, y) - 1.0));
    if (s.needs(1)) s.accumulate(1, s.grad() * s.out() * log(pow_safe_base(x, y)));
  }
};
}  // namespace

Var pow(const Var& base, const Var& exponent) {
  return binary<Pow>(
      base, exponent,
      [](const Tensor& x, const Tensor& y, Tensor& out) { xt::noalias(out) = xt::pow(x, y); },
      [](double x, double y) { return std::pow(x, y); });
}

namespace {
struct Abs {
  static constexpr const char* name = "abs";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * sign(s.in(0)));
  }
};
}  // namespace

Var abs(const Var& x) {
  return unary<Abs>(x, [](double v) { return std::abs(v); });
}
Var sign(const Var& x) { return mask_constant(x, xt::sign(detail::value_of(x, "sign"))); }

namespace {
struct Sin {
  static constexpr const char* name = "sin";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * cos(s.in(0)));
  }
};
}  // namespace

Var sin(const Var& x) {
  return unary<Sin>(x, [](double v) { return std::sin(v); });
}

namespace {
struct Cos {
  static constexpr const char* name = "cos";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, -s.grad() * sin(s.in(0)));
  }
};
}  // namespace

Var cos(const Var& x) {
  return unary<Cos>(x, [](double v) { return std::cos(v); });
}

namespace {
struct Tanh {
  static constexpr const char* name = "tanh";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * (1.0 - s.out() * s.out()));
  }
};
}  // namespace

Var tanh(const Var& x) { return unary_kernel<Tanh>(x, detail::vector_math::kernels().tanh); }

namespace {
// g·σ'(x) = g·σ(x)·σ(−x), not g·σ(1 − σ): 1 − σ cancels for x ≫ 0 (no digit left at x ≈ 36),
// which softplus'' and every higher derivative of sigmoid would inherit. With tensors, one
// vector kernel (one exp per element, straight into the adjoint); recorded for higher orders.
detail::UnaryKernelGradient sigmoid_gradient(const Tensor& g, const Tensor& x, const Tensor&) {
  return {g, x, detail::vector_math::kernels().sigmoid_gradient};
}
Var sigmoid_gradient(const Var& g, const Var& x, const Var& out) { return g * out * logistic(-x); }

struct Sigmoid {
  static constexpr const char* name = "sigmoid";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, sigmoid_gradient(s.grad(), s.in(0), s.out()));
  }
};
}  // namespace

Var sigmoid(const Var& x) {
  // Finite everywhere: e^−|x| never overflows (vector_math.hpp).
  return unary_kernel<Sigmoid>(x, detail::vector_math::kernels().sigmoid);
}

namespace {
struct Relu {
  static constexpr const char* name = "relu";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * positive_mask(s.in(0)));
  }
};
}  // namespace

Var relu(const Var& x) {
  return unary<Relu>(x, [](double v) { return v > 0.0 ? v : 0.0; });
}

namespace {
struct Softplus {
  static constexpr const char* name = "softplus";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * logistic(s.in(0)));
  }
};
}  // namespace

Var softplus(const Var& x) {
  return unary<Softplus>(
      x, [](double v) { return std::max(v, 0.0) + std::log1p(std::exp(-std::abs(v))); });
}

namespace {
struct Maximum {  // ties send the gradient to the first operand
  static constexpr const char* name = "maximum";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * greater_equal_mask(s.in(0), s.in(1)));
    if (s.needs(1)) s.accumulate(1, s.grad() * (1.0 - greater_equal_mask(s.in(0), s.in(1))));
  }
};
}  // namespace

Var maximum(const Var& a, const Var& b) {
  return binary<Maximum>(
      a, b,
      [](const Tensor& x, const Tensor& y, Tensor& out) { xt::noalias(out) = xt::maximum(x, y); },
      [](double x, double y) { return std::max(x, y); });
}

namespace {
struct Minimum {  // ties send the gradient to the first operand
  static constexpr const char* name = "minimum";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * less_equal_mask(s.in(0), s.in(1)));
    if (s.needs(1)) s.accumulate(1, s.grad() * (1.0 - less_equal_mask(s.in(0), s.in(1))));
  }
};
}  // namespace

Var minimum(const Var& a, const Var& b) {
  return binary<Minimum>(
      a, b,
      [](const Tensor& x, const Tensor& y, Tensor& out) { xt::noalias(out) = xt::minimum(x, y); },
      [](double x, double y) { return std::min(x, y); });
}

namespace {
struct Where {  // aux holds the condition as 1/0
  static constexpr const char* name = "where";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.grad() * s.aux());
    if (s.needs(1)) s.accumulate(1, s.grad() * (1.0 - s.aux()));
  }
};
}  // namespace

Var where(const Tensor& condition, const Var& a, const Var& b) {
  const Tensor& av = detail::value_of(a, Where::name);
  const Tensor& bv = detail::value_of(b, Where::name);
  check_broadcast(av, bv, Where::name);
  check_broadcast(condition, av, Where::name);
  check_broadcast(condition, bv, Where::name);
  return record<Where>({&a, &b}, [&](Node& n) {
    xt::noalias(n.extra().aux) = xt::cast<double>(xt::not_equal(condition, 0.0));
    xt::noalias(n.value) = xt::where(xt::not_equal(condition, 0.0), av, bv);
  });
}
Var where(const Var& condition, const Var& a, const Var& b) {
  // The condition is no operand of the recorded node, but it must come from the same tape.
  const Var* operands[] = {&condition, &a, &b};
  detail::common_tape(operands, Where::name);
  return where(detail::value_of(condition, Where::name), a, b);
}

namespace {
struct Clip {
  static constexpr const char* name = "clip";
  struct Params {
    double lo, hi;
  };
  template <class S>
  static void backward(S& s) {
    const Params& p = s.template params<Params>();
    if (s.needs(0)) s.accumulate(0, s.grad() * inside_mask(s.in(0), p.lo, p.hi));
  }
};
}  // namespace

Var clip(const Var& x, double lo, double hi) {
  if (!(lo <= hi)) {
    throw Error("chainrule: clip: lower bound " + std::to_string(lo) + " is above upper bound " +
                std::to_string(hi));
  }
  return unary<Clip>(
      x, [=](double v) { return std::clamp(v, lo, hi); }, Clip::Params{lo, hi});
}

namespace {
struct ClipBetween {  // clip with Var bounds: inputs x, lo, hi (lo ≤ hi checked)
  static constexpr const char* name = "clip";
  template <class S>
  static void backward(S& s) {
    const auto& x = s.in(0);
    if (s.needs(0)) {
      s.accumulate(0, s.grad() * (1.0 - below_mask(x, s.in(1)) - above_mask(x, s.in(2))));
    }
    if (s.needs(1)) s.accumulate(1, s.grad() * below_mask(x, s.in(1)));
    if (s.needs(2)) s.accumulate(2, s.grad() * above_mask(x, s.in(2)));
  }
};
}  // namespace

Var clip(const Var& x, const Var& lo, const Var& hi) {
  const Tensor& xv = detail::value_of(x, ClipBetween::name);
  const Tensor& lov = detail::value_of(lo, ClipBetween::name);
  const Tensor& hiv = detail::value_of(hi, ClipBetween::name);
  const Shape bounds = detail::broadcast_shapes(shape_of(lov), shape_of(hiv), ClipBetween::name);
  detail::broadcast_shapes(shape_of(xv), bounds, ClipBetween::name);
  const auto lo_all = xt::broadcast(lov, bounds);
  const auto hi_all = xt::broadcast(hiv, bounds);
  auto l = lo_all.cbegin();
  auto h = hi_all.cbegin();
  for (std::size_t i = 0; l != lo_all.cend(); ++l, ++h, ++i) {
    if (!(*l <= *h)) {
      throw Error("chainrule: clip: lower bound " + std::to_string(*l) + " is above upper bound " +
                  std::to_string(*h) + " at flat element " + std::to_string(i) +
                  " of the bounds' shape " + to_string(bounds));
    }
  }
  return record<ClipBetween>({&x, &lo, &hi}, [&](Node& n) {
    xt::noalias(n.value) = xt::minimum(xt::maximum(xv, lov), hiv);
  });
}

}  // namespace chainrule::ad
