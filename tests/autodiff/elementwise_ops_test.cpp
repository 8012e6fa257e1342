// The elementwise functions of math.hpp and activations.hpp through expect_ad (value,
// gradient against finite differences over broadcast shapes, orders 1–3, throw parity), their
// domain edges (NaN/inf parity with the double functions, anomaly detection naming the op),
// and the numerical-quality cases: softplus'' at large x, pow's gradients at 0.
#define BOOST_TEST_MODULE autodiff_elementwise_ops
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <vector>

#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "expect_ad.hpp"

namespace ad = chainrule::ad;
using namespace chainrule::test;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

const Generator any = uniform(-2.0, 2.0);

// Both NaN, or equal (infinities included) within a relative tolerance.
bool same_double(double actual, double expected, double rtol = 1e-14) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  return std::abs(actual - expected) <= rtol * std::abs(expected) + 1e-300;
}

// At each of `xs`: f's value is `value(x)` (NaN and ±inf included, as the double function
// gives them) and its gradient `derivative(x)`; with anomaly detection on, a non-finite value
// or gradient is reported naming `op`.
void expect_edges(const std::string& op, const std::function<ad::Var(const ad::Var&)>& f,
                  const std::function<double(double)>& value,
                  const std::function<double(double)>& derivative, const std::vector<double>& xs) {
  for (const double x0 : xs) {
    BOOST_TEST_CONTEXT(op << " at " << x0) {
      FreshTape t;
      const ad::Var x = ad::variable(ad::Tensor(x0));
      const ad::Var y = f(x);
      BOOST_TEST(same_double(y.item(), value(x0)),
                 "value " << y.item() << ", expected " << value(x0));
      const double g = ad::grad(y, {x})[0].item();
      BOOST_TEST(same_double(g, derivative(x0)),
                 "gradient " << g << ", expected " << derivative(x0));
      const double g_graph = ad::grad(y, {x}, {.create_graph = true})[0].item();
      BOOST_TEST(same_double(g_graph, derivative(x0)), "create_graph gradient " << g_graph);
      ad::AnomalyGuard on;
      if (!std::isfinite(value(x0))) {
        expect_error<ad::AnomalyError>([&] { return f(x); }, {"'" + op + "'", "value"},
                                       op + " value");
      } else if (!std::isfinite(derivative(x0))) {
        const ad::Var y_on = f(x);
        expect_error<ad::AnomalyError>([&] { return ad::grad(y_on, {x}); },
                                       {"'" + op + "'", "gradient"}, op + " gradient");
      }
    }
  }
}

}  // namespace

// ---- trigonometric and hyperbolic -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(trigonometric) {
  check_unary(
      "tan", [](const Vars& v) { return ad::tan(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::tan(t[0]); }, uniform(-1.2, 1.2), 1001);
  check_unary(
      "atan", [](const Vars& v) { return ad::atan(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::atan(t[0]); }, uniform(-3.0, 3.0), 1002);
  check_unary(
      "asin", [](const Vars& v) { return ad::asin(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::asin(t[0]); }, uniform(-0.9, 0.9), 1003);
  check_unary(
      "acos", [](const Vars& v) { return ad::acos(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::acos(t[0]); }, uniform(-0.9, 0.9), 1004);
}

BOOST_AUTO_TEST_CASE(atan2_broadcasts) {
  // y kept away from 0: across the branch cut (x < 0, y = 0) the angle jumps by 2π.
  check_binary(
      "atan2", [](const Vars& v) { return ad::atan2(v[0], v[1]); },
      [](const Tensors& t) -> ad::Tensor { return xt::atan2(t[0], t[1]); },
      uniform_away(-2.0, 2.0, {0.0}, 0.4), any, 1005);
}

BOOST_AUTO_TEST_CASE(hyperbolic) {
  check_unary(
      "sinh", [](const Vars& v) { return ad::sinh(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::sinh(t[0]); }, any, 1011);
  check_unary(
      "cosh", [](const Vars& v) { return ad::cosh(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::cosh(t[0]); }, any, 1012);
  check_unary(
      "asinh", [](const Vars& v) { return ad::asinh(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::asinh(t[0]); }, uniform(-3.0, 3.0), 1013);
  check_unary(
      "acosh", [](const Vars& v) { return ad::acosh(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::acosh(t[0]); }, uniform(1.2, 3.0), 1014);
  check_unary(
      "atanh", [](const Vars& v) { return ad::atanh(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::atanh(t[0]); }, uniform(-0.9, 0.9), 1015);
}

BOOST_AUTO_TEST_CASE(inverse_functions_at_their_domain_edges) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  expect_edges(
      "asin", [](const ad::Var& x) { return ad::asin(x); }, [](double x) { return std::asin(x); },
      [](double x) { return 1.0 / std::sqrt((1.0 - x) * (1.0 + x)); }, {-1.0, 1.0, 1.5, -2.0});
  expect_edges(
      "acos", [](const ad::Var& x) { return ad::acos(x); }, [](double x) { return std::acos(x); },
      [](double x) { return -1.0 / std::sqrt((1.0 - x) * (1.0 + x)); }, {-1.0, 1.0, 1.5});
  expect_edges(
      "acosh", [](const ad::Var& x) { return ad::acosh(x); },
      [](double x) { return std::acosh(x); },
      [](double x) { return 1.0 / std::sqrt((x - 1.0) * (x + 1.0)); }, {1.0, 0.5, -3.0});
  expect_edges(
      "atanh", [](const ad::Var& x) { return ad::atanh(x); },
      [](double x) { return std::atanh(x); },
      [](double x) { return 1.0 / ((1.0 - x) * (1.0 + x)); }, {-1.0, 1.0, 2.0});
  expect_edges(  // atan2(0, 0)
      "atan2", [](const ad::Var& x) { return ad::atan2(x, x * 0.0); },
      [](double x) { return std::atan2(x, 0.0); }, [=](double) { return nan; }, {0.0});
}

BOOST_AUTO_TEST_CASE(inverse_derivatives_keep_their_digits_near_the_domain_ends) {
  // 1 − x² at x = 1 − 2⁻³⁰ computed as 1 − x·x loses ~30 bits; (1 − x)(1 + x) none.
  FreshTape t;
  const double x0 = 1.0 - std::ldexp(1.0, -30);
  const ad::Var x = ad::variable(ad::Tensor{x0, -x0});
  const long double e = 1.0L - static_cast<long double>(x0);
  const double expected_asin = static_cast<double>(1.0L / std::sqrt(e * (2.0L - e)));
  const double expected_atanh = static_cast<double>(1.0L / (e * (2.0L - e)));
  const ad::Tensor ga = ad::grad(ad::sum(ad::asin(x)), {x})[0].value();
  const ad::Tensor gt = ad::grad(ad::sum(ad::atanh(x)), {x})[0].value();
  for (std::size_t i = 0; i < 2; ++i) {
    BOOST_TEST(same_double(ga(i), expected_asin, 1e-15), "asin' " << ga(i));
    BOOST_TEST(same_double(gt(i), expected_atanh, 1e-15), "atanh' " << gt(i));
  }
}

// ---- logarithms, exponentials, the error function, roots --------------------------------------

BOOST_AUTO_TEST_CASE(logarithms_and_exponentials) {
  const Generator positive = uniform(0.4, 2.5);
  check_unary(
      "log1p", [](const Vars& v) { return ad::log1p(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::log1p(t[0]); }, uniform(-0.8, 2.0), 1101);
  check_unary(
      "expm1", [](const Vars& v) { return ad::expm1(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::expm1(t[0]); }, any, 1102);
  check_unary(
      "log2", [](const Vars& v) { return ad::log2(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::log2(t[0]); }, positive, 1103);
  check_unary(
      "log10", [](const Vars& v) { return ad::log10(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::log10(t[0]); }, positive, 1104);
}

BOOST_AUTO_TEST_CASE(error_function_reciprocal_and_roots) {
  const Generator nonzero = uniform_away(-2.0, 2.0, {0.0}, 0.4);
  check_unary(
      "erf", [](const Vars& v) { return ad::erf(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::erf(t[0]); }, any, 1111);
  check_unary(
      "erfc", [](const Vars& v) { return ad::erfc(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::erfc(t[0]); }, any, 1112);
  check_unary(
      "reciprocal", [](const Vars& v) { return ad::reciprocal(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return 1.0 / t[0]; }, nonzero, 1113);
  check_unary(
      "rsqrt", [](const Vars& v) { return ad::rsqrt(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return 1.0 / xt::sqrt(t[0]); }, uniform(0.4, 2.5), 1114);
  check_unary(
      "cbrt", [](const Vars& v) { return ad::cbrt(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::cbrt(t[0]); }, nonzero, 1115);
}

BOOST_AUTO_TEST_CASE(logarithms_and_roots_at_their_domain_edges) {
  expect_edges(
      "log1p", [](const ad::Var& x) { return ad::log1p(x); },
      [](double x) { return std::log1p(x); }, [](double x) { return 1.0 / (1.0 + x); },
      {-1.0, -2.0});
  expect_edges(
      "log2", [](const ad::Var& x) { return ad::log2(x); }, [](double x) { return std::log2(x); },
      [](double x) { return 1.0 / (x * std::log(2.0)); }, {0.0, -1.0});
  expect_edges(
      "log10", [](const ad::Var& x) { return ad::log10(x); },
      [](double x) { return std::log10(x); }, [](double x) { return 1.0 / (x * std::log(10.0)); },
      {0.0, -1.0});
  expect_edges(
      "reciprocal", [](const ad::Var& x) { return ad::reciprocal(x); },
      [](double x) { return 1.0 / x; }, [](double x) { return -1.0 / (x * x); }, {0.0});
  expect_edges(
      "rsqrt", [](const ad::Var& x) { return ad::rsqrt(x); },
      [](double x) { return 1.0 / std::sqrt(x); },
      [](double x) { return -0.5 * std::pow(x, -1.5); }, {0.0, -1.0});
  expect_edges(
      "cbrt", [](const ad::Var& x) { return ad::cbrt(x); }, [](double x) { return std::cbrt(x); },
      [](double x) { return 1.0 / (3.0 * std::cbrt(x) * std::cbrt(x)); }, {0.0});
}

BOOST_AUTO_TEST_CASE(log1p_and_expm1_keep_small_arguments) {
  // log(1 + 1e-20) and e^(1e-20) − 1 would both round to 0.
  FreshTape t;
  const ad::Var x = ad::variable(ad::Tensor{1e-20, -1e-17});
  const ad::Tensor l = ad::log1p(x).value();
  const ad::Tensor e = ad::expm1(x).value();
  for (std::size_t i = 0; i < 2; ++i) {
    BOOST_TEST(same_double(l(i), x.value()(i), 1e-15));
    BOOST_TEST(same_double(e(i), x.value()(i), 1e-15));
  }
  BOOST_TEST(same_double(ad::erfc(ad::variable(ad::Tensor(10.0))).item(), std::erfc(10.0)));
}

// ---- activations ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(piecewise_activations) {
  // Away from the kink at 0, where finite differences would straddle two pieces.
  const Generator away_from_zero = uniform_away(-2.0, 2.0, {0.0}, 0.1);
  for (const double slope : {0.01, 0.2, -0.5}) {
    check_unary(
        "leaky_relu(x, " + std::to_string(slope) + ")",
        [=](const Vars& v) { return ad::leaky_relu(v[0], slope); },
        [=](const Tensors& t) -> ad::Tensor { return xt::where(t[0] > 0.0, t[0], slope * t[0]); },
        away_from_zero, 1201);
  }
  for (const double alpha : {1.0, 0.5, 2.0}) {
    check_unary(
        "elu(x, " + std::to_string(alpha) + ")",
        [=](const Vars& v) { return ad::elu(v[0], alpha); },
        [=](const Tensors& t) -> ad::Tensor {
          return xt::where(t[0] > 0.0, t[0], alpha * (xt::exp(t[0]) - 1.0));
        },
        away_from_zero, 1202);
  }
}

BOOST_AUTO_TEST_CASE(smooth_activations) {
  check_unary(
      "gelu", [](const Vars& v) { return ad::gelu(v[0]); },
      [](const Tensors& t) -> ad::Tensor {
        return 0.5 * t[0] * (1.0 + xt::erf(t[0] / std::sqrt(2.0)));
      },
      uniform(-3.0, 3.0), 1211);
  check_unary(
      "silu", [](const Vars& v) { return ad::silu(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return t[0] / (1.0 + xt::exp(-t[0])); },
      uniform(-4.0, 4.0), 1212);
  check_unary(
      "softsign", [](const Vars& v) { return ad::softsign(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return t[0] / (1.0 + xt::abs(t[0])); },
      uniform_away(-3.0, 3.0, {0.0}, 0.1), 1213);
}

BOOST_AUTO_TEST_CASE(activations_at_their_kink_and_far_out) {
  // At 0 the derivative is the x ≤ 0 side's (PyTorch's choice); far out values and
  // derivatives keep their digits (elu' at −40 is 2e⁻⁴⁰, not out + α = 0). References in
  // long double.
  using L = long double;
  const L sqrt2 = std::sqrt(2.0L);
  const L sqrt_2pi = std::sqrt(2.0L * std::acos(-1.0L));
  const auto sigma = [](L x) { return 1.0L / (1.0L + std::exp(-x)); };
  struct Case {
    const char* op;
    std::function<ad::Var(const ad::Var&)> f;
    std::function<L(L)> value;
    std::function<L(L)> derivative;
  };
  const std::vector<Case> cases = {
      {"leaky_relu", [](const ad::Var& x) { return ad::leaky_relu(x, 0.1); },
       [](L x) { return x > 0 ? x : 0.1L * x; }, [](L x) { return x > 0 ? 1.0L : 0.1L; }},
      {"elu", [](const ad::Var& x) { return ad::elu(x, 2.0); },
       [](L x) { return x > 0 ? x : 2.0L * std::expm1(x); },
       [](L x) { return x > 0 ? 1.0L : 2.0L * std::exp(x); }},
      {"gelu", [](const ad::Var& x) { return ad::gelu(x); },
       [&](L x) { return 0.5L * x * std::erfc(-x / sqrt2); },
       [&](L x) { return 0.5L * std::erfc(-x / sqrt2) + x * std::exp(-x * x / 2) / sqrt_2pi; }},
      {"silu", [](const ad::Var& x) { return ad::silu(x); }, [&](L x) { return x * sigma(x); },
       [&](L x) { return sigma(x) * (1.0L + x * sigma(-x)); }},
      {"softsign", [](const ad::Var& x) { return ad::softsign(x); },
       [](L x) { return x / (1.0L + std::abs(x)); },
       [](L x) { return 1.0L / ((1.0L + std::abs(x)) * (1.0L + std::abs(x))); }},
  };
  const std::vector<double> xs = {0.0, -800.0, 800.0, -40.0, -5.0, 3.0};
  for (const Case& c : cases) {
    for (const bool create_graph : {false, true}) {
      FreshTape t;
      ad::Tensor points = ad::Tensor::from_shape({xs.size()});
      std::copy(xs.begin(), xs.end(), points.begin());
      const ad::Var x = ad::variable(points);
      const ad::Var y = c.f(x);
      const ad::Tensor g = ad::grad(ad::sum(y), {x}, {.create_graph = create_graph})[0].value();
      for (std::size_t i = 0; i < xs.size(); ++i) {
        const double value = static_cast<double>(c.value(xs[i]));
        const double derivative = static_cast<double>(c.derivative(xs[i]));
        BOOST_TEST(same_double(y.value()(i), value, 1e-13),
                   c.op << "(" << xs[i] << ") = " << y.value()(i) << ", expected " << value);
        BOOST_TEST(same_double(g(i), derivative, 1e-13),
                   c.op << "'(" << xs[i] << ") = " << g(i) << ", expected " << derivative);
      }
    }
  }
}

// ---- clip with Var bounds -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(clip_with_var_bounds_broadcasts) {
  // x on the grid k/2 ± 0.05, lo in [−1.3, −1.2], hi in [0.7, 0.8]: every element at least
  // 0.15 from both bounds, on all three sides of them.
  const TensorFn plain = [](const Tensors& t) -> ad::Tensor {
    ad::Tensor clipped = xt::minimum(xt::maximum(t[0], t[1]), t[2]);  // throws for bad shapes
    const ad::Tensor gap = t[2] - t[1];
    if (xt::any(gap < 0.0)) throw std::invalid_argument("lo > hi");
    return clipped;
  };
  const VarFn f = [](const Vars& v) { return ad::clip(v[0], v[1], v[2]); };
  Rng rng(1301);
  for (const Shapes& shapes : broadcast_cases(3, broadcast_case_count, 1301)) {
    expect_ad("clip(x, lo, hi)", f, plain,
              draw(rng, shapes, {near_grid(0.0), uniform(-1.3, -1.2), uniform(0.7, 0.8)}));
  }
  // Throw parity: incompatible shapes, and lo > hi somewhere.
  for (const Shapes& pair : incompatible_pairs()) {
    expect_ad("clip, incompatible x", f, plain,
              draw(rng, {pair[0], {}, pair[1]},
                   {near_grid(0.0), uniform(-1.3, -1.2), uniform(0.7, 0.8)}));
    expect_ad("clip, incompatible bounds", f, plain,
              draw(rng, {{}, pair[0], pair[1]},
                   {near_grid(0.0), uniform(-1.3, -1.2), uniform(0.7, 0.8)}));
  }
  expect_ad("clip, lo > hi", f, plain,
            {ad::Tensor{0.0, 1.0}, ad::Tensor{-1.0, 2.0}, ad::Tensor{1.0}});
}

BOOST_AUTO_TEST_CASE(clip_with_var_bounds_errors_and_ties) {
  FreshTape t;
  const ad::Var x = ad::variable(ad::Tensor{-1.0, 0.0, 1.0});
  const ad::Var lo = ad::variable(ad::Tensor{-1.0, 0.5, 0.0});
  const ad::Var hi = ad::variable(ad::Tensor{1.0});
  expect_error<ad::Error>([&] { return ad::clip(x, hi * 3.0, lo); },
                          {"clip", "lower bound 3", "upper bound -1"}, "lo > hi");
  expect_error<ad::Error>([&] { return ad::clip(x, ad::log(lo - 1.0), hi); }, {"clip", "nan"},
                          "NaN bound");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::clip(x, ad::variable(ad::Tensor{0.0, 0.0}), hi);
      },
      {"clip", "(3,)", "(2,)"}, "incompatible bound");
  // Ties go to x: x = lo at element 0, x = hi at element 2; element 1 is below lo.
  const ad::Var y = ad::clip(x, lo, hi);
  BOOST_TEST(matches(y.value(), ad::Tensor{-1.0, 0.5, 1.0}));
  const Vars g = ad::grad(ad::sum(y), {x, lo, hi});
  BOOST_TEST(matches(g[0].value(), ad::Tensor{1.0, 0.0, 1.0}));
  BOOST_TEST(matches(g[1].value(), ad::Tensor{0.0, 1.0, 0.0}));
  BOOST_TEST(matches(g[2].value(), ad::Tensor{0.0}));
}

// ---- numerical quality ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(softplus_higher_derivatives_are_accurate_far_out) {
  // softplus'' = σ(x)σ(−x) and softplus''' = σ(x)σ(−x)(σ(−x) − σ(x)), exact in long double.
  // σ(1 − σ) lost every digit near x = 36 (1 − σ rounds to 0 or to a multiple of 2⁻⁵³).
  using L = long double;
  const auto sigma = [](L x) { return 1.0L / (1.0L + std::exp(-x)); };
  const std::vector<double> xs = {36.0, 40.0, 50.0, 100.0, 700.0, -40.0, -700.0, 0.0, 3.0};
  FreshTape t;
  ad::Tensor points = ad::Tensor::from_shape({xs.size()});
  std::copy(xs.begin(), xs.end(), points.begin());
  const ad::Var x = ad::variable(points);
  const ad::Var d1 = ad::grad(ad::sum(ad::softplus(x)), {x}, {.create_graph = true})[0];
  const ad::Var d2 = ad::grad(ad::sum(d1), {x}, {.create_graph = true})[0];
  const ad::Tensor d3 = ad::grad(ad::sum(d2), {x})[0].value();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const L s = sigma(xs[i]);
    const L s_bar = sigma(-xs[i]);
    const double second = static_cast<double>(s * s_bar);
    const double third = static_cast<double>(s * s_bar * (s_bar - s));
    BOOST_TEST(same_double(d1.value()(i), static_cast<double>(s), 1e-15), "x = " << xs[i]);
    BOOST_TEST(same_double(d2.value()(i), second, 1e-14),
               "softplus''(" << xs[i] << ") = " << d2.value()(i) << ", expected " << second);
    BOOST_TEST(same_double(d3(i), third, 1e-13),
               "softplus'''(" << xs[i] << ") = " << d3(i) << ", expected " << third);
  }
}

BOOST_AUTO_TEST_CASE(pow_gradients_at_zero_take_their_limits) {
  // f = x^y at x = 0. ∂ᵏf/∂xᵏ = y(y−1)…(y−k+1)·0^(y−k): 0 where the factor vanishes (0·∞ is
  // taken as 0, as in PyTorch), ±inf where y < k; every ∂/∂y is 0 for y ≥ 0 (x^y·logᵏx → 0).
  // No derivative is NaN, at any order up to 3, mixed ones included, for integer y.
  for (const double y0 : {0.0, 0.5, 1.0, 2.0, 2.5, 3.0}) {
    BOOST_TEST_CONTEXT("y = " << y0) {
      FreshTape t;
      const ad::Var x = ad::variable(ad::Tensor{0.0});
      const ad::Var y = ad::variable(ad::Tensor{y0});
      const ad::Var f = ad::sum(ad::pow(x, y));
      ad::Var dx = f;
      ad::Var dy = f;
      double factor = 1.0;
      for (int order = 1; order <= 3; ++order) {
        dx = ad::sum(ad::grad(dx, {x}, {.create_graph = true})[0]);
        dy = ad::sum(ad::grad(dy, {y}, {.create_graph = true})[0]);
        factor *= y0 - (order - 1);
        const double expected = factor == 0.0 ? 0.0 : factor * std::pow(0.0, y0 - order);
        BOOST_TEST(same_double(dx.item(), expected), "order " << order << " in x: " << dx.item());
        BOOST_TEST(dy.item() == 0.0, "order " << order << " in y: " << dy.item());
      }
      if (y0 != std::floor(y0)) continue;
      std::vector<ad::Var> level = {f};
      for (int order = 1; order <= 3; ++order) {
        ad::Var total = ad::sum(level[0]);
        for (std::size_t i = 1; i < level.size(); ++i) total = total + ad::sum(level[i]);
        level = ad::grad(total, {x, y}, {.create_graph = true});
        for (const ad::Var& d : level) BOOST_TEST(!std::isnan(d.item()), "order " << order);
      }
    }
  }
  // The exponent's gradient where the base is 0 and the exponent negative stays −inf·inf
  // as the double computation gives (0^−1·log 0), and a positive base is untouched.
  FreshTape t;
  const ad::Var x = ad::variable(ad::Tensor{0.0, 2.0});
  const ad::Var y = ad::variable(ad::Tensor{-1.0, 3.0});
  const Vars g = ad::grad(ad::sum(ad::pow(x, y)), {x, y});
  BOOST_TEST(g[0].value()(0) == -inf);
  BOOST_TEST(g[1].value()(0) == -inf);
  BOOST_TEST(same_double(g[0].value()(1), 12.0));
  BOOST_TEST(same_double(g[1].value()(1), 8.0 * std::log(2.0)));
}

BOOST_AUTO_TEST_CASE(maximum_and_minimum_send_ties_to_the_first_operand) {
  FreshTape t;
  const ad::Var a = ad::variable(ad::Tensor{1.0, 2.0, 3.0});
  const ad::Var b = ad::variable(ad::Tensor{1.0, 5.0, 0.0});
  const Vars gmax = ad::grad(ad::sum(ad::maximum(a, b)), {a, b});
  const Vars gmin = ad::grad(ad::sum(ad::minimum(a, b)), {a, b});
  BOOST_TEST(matches(gmax[0].value(), ad::Tensor{1.0, 0.0, 1.0}));
  BOOST_TEST(matches(gmax[1].value(), ad::Tensor{0.0, 1.0, 0.0}));
  BOOST_TEST(matches(gmin[0].value(), ad::Tensor{1.0, 1.0, 0.0}));
  BOOST_TEST(matches(gmin[1].value(), ad::Tensor{0.0, 0.0, 1.0}));
}

// ---- softmax and log_softmax --------------------------------------------------------------------

namespace {

// The plain references: exp and a sum along the axis, no shift (the inputs are moderate).
std::size_t plain_axis(const ad::Tensor& t, std::ptrdiff_t axis) {
  const auto rank = static_cast<std::ptrdiff_t>(t.dimension());
  if (axis < -rank || axis >= rank) throw std::out_of_range("axis");
  return static_cast<std::size_t>(axis < 0 ? axis + rank : axis);
}
ad::Tensor plain_log_softmax(const ad::Tensor& t, std::ptrdiff_t axis) {
  const std::size_t a = plain_axis(t, axis);
  const ad::Tensor total = xt::sum(xt::exp(t), {a}, xt::keep_dims);
  return t - xt::log(total);
}

}  // namespace

BOOST_AUTO_TEST_CASE(softmax_and_log_softmax_along_every_axis) {
  Rng rng(1401);
  for (std::size_t rank = 0; rank <= 3; ++rank) {
    for (int repeat = 0; repeat < 2; ++repeat) {
      const ad::Shape shape = random_shape(rng, rank, rank);
      const auto r = static_cast<std::ptrdiff_t>(rank);
      // Every axis, negative ones, and the first out of range on both sides (throw parity).
      for (std::ptrdiff_t axis = -r - 1; axis <= r; ++axis) {
        const Tensors inputs = {uniform(-3.0, 3.0)(rng, shape)};
        expect_ad(
            "log_softmax(x, " + std::to_string(axis) + ")",
            [=](const Vars& v) { return ad::log_softmax(v[0], axis); },
            [=](const Tensors& t) -> ad::Tensor { return plain_log_softmax(t[0], axis); }, inputs);
        expect_ad(
            "softmax(x, " + std::to_string(axis) + ")",
            [=](const Vars& v) { return ad::softmax(v[0], axis); },
            [=](const Tensors& t) -> ad::Tensor { return xt::exp(plain_log_softmax(t[0], axis)); },
            inputs);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(softmax_is_stable_and_names_a_bad_axis) {
  FreshTape t;
  const ad::Var big = ad::variable(ad::Tensor{{1000.0, -1000.0}, {1001.0, -1001.0}, {1002.0, 0.0}});
  const ad::Var p = ad::softmax(big, 0);
  const ad::Var l = ad::log_softmax(big, -2);
  const double total = 1.0 + std::exp(1.0) + std::exp(2.0);
  const double e = std::exp(-1000.0);  // underflows to 0: log_softmax must not take log(0)
  BOOST_TEST(matches(
      p.value(),
      ad::Tensor{{1.0 / total, e}, {std::exp(1.0) / total, 0.0}, {std::exp(2.0) / total, 1.0}},
      1e-15));
  BOOST_TEST(matches(l.value(),
                     ad::Tensor{{-std::log(total), -1000.0},
                                {1.0 - std::log(total), -1001.0},
                                {2.0 - std::log(total), 0.0}},
                     1e-13));
  for (const double g : ad::grad(ad::sum(l * l) + ad::sum(p * p), {big})[0].value())
    BOOST_TEST(std::isfinite(g));
  const ad::Var m = ad::variable(xt::zeros<double>(ad::Shape{2, 3}));
  expect_error<ad::ShapeError>([&] { return ad::softmax(m, 2); }, {"softmax", "axis 2", "(2, 3)"},
                               "axis 2");
  expect_error<ad::ShapeError>([&] { return ad::log_softmax(m, -3); },
                               {"log_softmax", "axis -3", "(2, 3)"}, "axis -3");
  expect_error<ad::ShapeError>([&] { return ad::softmax(ad::variable(ad::Tensor(1.0)), 0); },
                               {"softmax", "axis 0", "()"}, "0-d");
}
