// Elementwise operations through expect_ad: arithmetic (Var∘Var over ≥ 20 broadcast shape
// combinations each, Var∘double, unary minus, affine), elementwise functions, maximum/minimum,
// where, clip, and user-defined Functions.
#define BOOST_TEST_MODULE autodiff_elementwise
#include <memory>

#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "expect_ad.hpp"

namespace ad = chainrule::ad;
using namespace chainrule::test;

namespace {

const Generator any = uniform(-2.0, 2.0);
const Generator nonzero = uniform_away(-2.0, 2.0, {0.0}, 0.4);
const Generator positive = uniform(0.4, 2.5);

}  // namespace

BOOST_AUTO_TEST_CASE(broadcast_cases_cover_scalars_and_size_one_dimensions) {
  const std::vector<Shapes> cases = broadcast_cases(2, broadcast_case_count, 1);
  BOOST_TEST(cases.size() == broadcast_case_count);
  bool scalar = false;
  bool size_one = false;
  bool rank_three = false;
  for (const Shapes& pair : cases) {
    for (const ad::Shape& s : pair) {
      scalar = scalar || s.empty();
      size_one = size_one || std::count(s.begin(), s.end(), 1u) > 0;
      rank_three = rank_three || s.size() == 3;
    }
  }
  BOOST_TEST(scalar);
  BOOST_TEST(size_one);
  BOOST_TEST(rank_three);
}

// ---- Var ∘ Var ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(binary_add) {
  check_binary(
      "add", [](const Vars& v) { return v[0] + v[1]; },
      [](const Tensors& t) -> ad::Tensor { return t[0] + t[1]; }, any, any, 11);
}

BOOST_AUTO_TEST_CASE(binary_sub) {
  check_binary(
      "sub", [](const Vars& v) { return v[0] - v[1]; },
      [](const Tensors& t) -> ad::Tensor { return t[0] - t[1]; }, any, any, 12);
}

BOOST_AUTO_TEST_CASE(binary_mul) {
  check_binary(
      "mul", [](const Vars& v) { return v[0] * v[1]; },
      [](const Tensors& t) -> ad::Tensor { return t[0] * t[1]; }, any, any, 13);
}

BOOST_AUTO_TEST_CASE(binary_div) {
  check_binary(
      "div", [](const Vars& v) { return v[0] / v[1]; },
      [](const Tensors& t) -> ad::Tensor { return t[0] / t[1]; }, any, nonzero, 14);
}

BOOST_AUTO_TEST_CASE(binary_pow_var_var) {
  check_binary(
      "pow(Var, Var)", [](const Vars& v) { return ad::pow(v[0], v[1]); },
      [](const Tensors& t) -> ad::Tensor { return xt::pow(t[0], t[1]); }, uniform(0.5, 2.0),
      uniform(-2.0, 2.0), 15);
}

BOOST_AUTO_TEST_CASE(binary_maximum) {
  check_binary(
      "maximum", [](const Vars& v) { return ad::maximum(v[0], v[1]); },
      [](const Tensors& t) -> ad::Tensor { return xt::maximum(t[0], t[1]); }, near_grid(0.0),
      near_grid(0.25), 16);
}

BOOST_AUTO_TEST_CASE(binary_minimum) {
  check_binary(
      "minimum", [](const Vars& v) { return ad::minimum(v[0], v[1]); },
      [](const Tensors& t) -> ad::Tensor { return xt::minimum(t[0], t[1]); }, near_grid(0.25),
      near_grid(0.0), 17);
}

BOOST_AUTO_TEST_CASE(broadcasting_at_higher_ranks) {
  // Ranks 4–5, and 9: beyond the 8 dimensions the engine's own broadcasting loop handles.
  Rng rng(19);
  std::vector<Shapes> cases = broadcast_cases(2, 12, 19, 4, 5, 2);
  cases.push_back({{2, 1, 1, 1, 1, 1, 1, 1, 2}, {2, 1}});
  cases.push_back({{1, 1, 1, 1, 1, 1, 1, 2, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1}});
  for (const Shapes& shapes : cases) {
    const Tensors inputs = draw(rng, shapes, {any, nonzero});
    expect_ad(
        "a * b + a / b", [](const Vars& v) { return v[0] * v[1] + v[0] / v[1]; },
        [](const Tensors& t) -> ad::Tensor { return t[0] * t[1] + t[0] / t[1]; }, inputs);
    expect_ad(
        "maximum(a, b) - b", [](const Vars& v) { return ad::maximum(v[0], v[1]) - v[1]; },
        [](const Tensors& t) -> ad::Tensor { return xt::maximum(t[0], t[1]) - t[1]; },
        draw(rng, shapes, {near_grid(0.0), near_grid(0.25)}));
  }
}

BOOST_AUTO_TEST_CASE(one_var_on_both_sides) {
  // The same node as both operands: both contributions must land in one adjoint.
  check_unary(
      "x * x", [](const Vars& v) { return v[0] * v[0]; },
      [](const Tensors& t) -> ad::Tensor { return t[0] * t[0]; }, any, 18);
  check_unary(
      "x / x + x", [](const Vars& v) { return v[0] / v[0] + v[0]; },
      [](const Tensors& t) -> ad::Tensor { return t[0] / t[0] + t[0]; }, nonzero, 19);
  check_unary(
      "pow(x, x)", [](const Vars& v) { return ad::pow(v[0], v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::pow(t[0], t[0]); }, positive, 20);
  check_unary(
      "maximum(x, 2x)", [](const Vars& v) { return ad::maximum(v[0], 2.0 * v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::maximum(t[0], 2.0 * t[0]); }, nonzero, 21);
}

// ---- Var ∘ double, unary minus, affine --------------------------------------------------------

BOOST_AUTO_TEST_CASE(var_and_double) {
  const double c = 1.75;
  struct Case {
    const char* op;
    VarFn f;
    TensorFn plain;
    Generator x;
  };
  const std::vector<Case> cases = {
      {"x + c", [&](const Vars& v) { return v[0] + c; },
       [&](const Tensors& t) -> ad::Tensor { return t[0] + c; }, any},
      {"c + x", [&](const Vars& v) { return c + v[0]; },
       [&](const Tensors& t) -> ad::Tensor { return c + t[0]; }, any},
      {"x - c", [&](const Vars& v) { return v[0] - c; },
       [&](const Tensors& t) -> ad::Tensor { return t[0] - c; }, any},
      {"c - x", [&](const Vars& v) { return c - v[0]; },
       [&](const Tensors& t) -> ad::Tensor { return c - t[0]; }, any},
      {"x * c", [&](const Vars& v) { return v[0] * c; },
       [&](const Tensors& t) -> ad::Tensor { return t[0] * c; }, any},
      {"c * x", [&](const Vars& v) { return c * v[0]; },
       [&](const Tensors& t) -> ad::Tensor { return c * t[0]; }, any},
      {"x / c", [&](const Vars& v) { return v[0] / c; },
       [&](const Tensors& t) -> ad::Tensor { return t[0] / c; }, any},
      {"c / x", [&](const Vars& v) { return c / v[0]; },
       [&](const Tensors& t) -> ad::Tensor { return c / t[0]; }, nonzero},
      {"-x", [](const Vars& v) { return -v[0]; },
       [](const Tensors& t) -> ad::Tensor { return -t[0]; }, any},
      {"affine(x, -0.5, 3)", [](const Vars& v) { return ad::affine(v[0], -0.5, 3.0); },
       [](const Tensors& t) -> ad::Tensor { return -0.5 * t[0] + 3.0; }, any},
  };
  std::uint64_t seed = 100;
  for (const Case& k : cases) check_unary(k.op, k.f, k.plain, k.x, ++seed);
}

// ---- elementwise functions --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(exp_log_sqrt_square) {
  check_unary(
      "exp", [](const Vars& v) { return ad::exp(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::exp(t[0]); }, any, 201);
  check_unary(
      "log", [](const Vars& v) { return ad::log(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::log(t[0]); }, positive, 202);
  check_unary(
      "sqrt", [](const Vars& v) { return ad::sqrt(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::sqrt(t[0]); }, positive, 203);
  check_unary(
      "square", [](const Vars& v) { return ad::square(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return t[0] * t[0]; }, any, 204);
}

BOOST_AUTO_TEST_CASE(pow_var_double) {
  std::uint64_t seed = 300;
  for (const double p : {2.0, 0.5, -1.5, 2.7, 1.0, 0.0}) {
    check_unary(
        "pow(x, " + std::to_string(p) + ")", [p](const Vars& v) { return ad::pow(v[0], p); },
        [p](const Tensors& t) -> ad::Tensor { return xt::pow(t[0], p); }, positive, ++seed);
  }
  // Integer exponents are defined for negative bases too.
  check_unary(
      "pow(x, 3) for negative x", [](const Vars& v) { return ad::pow(v[0], 3.0); },
      [](const Tensors& t) -> ad::Tensor { return t[0] * t[0] * t[0]; }, nonzero, 310);
}

BOOST_AUTO_TEST_CASE(pow_with_small_integer_exponents_is_finite_at_zero) {
  // xᵖ for p = 0, 1, 2, 3 is a polynomial: every derivative exists at 0.
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var x = ad::variable(ad::Tensor{0.0, 1.5});
  for (const double p : {0.0, 1.0, 2.0, 3.0}) {
    ad::Var d = ad::sum(ad::pow(x, p));
    for (int order = 1; order <= 4; ++order) {
      d = ad::grad(d, {x}, {.create_graph = true})[0];
      // dᵏ/dxᵏ xᵖ = p(p−1)…(p−k+1)·x^(p−k), which is 0 at 0 unless k = p.
      double factor = 1.0;
      for (int k = 0; k < order; ++k) factor *= p - k;
      const double at_zero = order == static_cast<int>(p) ? factor : 0.0;
      const double at_one_and_a_half = factor * std::pow(1.5, p - order);
      BOOST_TEST(matches(d.value(), ad::Tensor{at_zero, at_one_and_a_half}),
                 "order " << order << " of x^" << p);
      d = ad::sum(d);
    }
  }
}

BOOST_AUTO_TEST_CASE(abs_relu_clip) {
  check_unary(
      "abs", [](const Vars& v) { return ad::abs(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::abs(t[0]); }, nonzero, 401);
  check_unary(
      "relu", [](const Vars& v) { return ad::relu(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::maximum(t[0], 0.0); }, nonzero, 402);
  check_unary(
      "clip(x, -0.5, 1)", [](const Vars& v) { return ad::clip(v[0], -0.5, 1.0); },
      [](const Tensors& t) -> ad::Tensor { return xt::clip(t[0], -0.5, 1.0); },
      uniform_away(-2.0, 2.0, {-0.5, 1.0}, 0.1), 403);
}

BOOST_AUTO_TEST_CASE(trigonometric_and_squashing) {
  check_unary(
      "sin", [](const Vars& v) { return ad::sin(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::sin(t[0]); }, uniform(-3.0, 3.0), 501);
  check_unary(
      "cos", [](const Vars& v) { return ad::cos(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::cos(t[0]); }, uniform(-3.0, 3.0), 502);
  check_unary(
      "tanh", [](const Vars& v) { return ad::tanh(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::tanh(t[0]); }, uniform(-3.0, 3.0), 503);
  check_unary(
      "sigmoid", [](const Vars& v) { return ad::sigmoid(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return 1.0 / (1.0 + xt::exp(-t[0])); },
      uniform(-4.0, 4.0), 504);
  check_unary(
      "softplus", [](const Vars& v) { return ad::softplus(v[0]); },
      [](const Tensors& t) -> ad::Tensor { return xt::log1p(xt::exp(t[0])); }, uniform(-4.0, 4.0),
      505);
}

BOOST_AUTO_TEST_CASE(sigmoid_and_softplus_stay_finite_far_out) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var x = ad::variable(ad::Tensor{-800.0, -40.0, 40.0, 800.0});
  const ad::Var s = ad::sigmoid(x);
  const ad::Var p = ad::softplus(x);
  const ad::Tensor expected_s{0.0, 1.0 / (1.0 + std::exp(40.0)), 1.0 / (1.0 + std::exp(-40.0)),
                              1.0};
  const ad::Tensor expected_p{0.0, std::log1p(std::exp(-40.0)), 40.0 + std::log1p(std::exp(-40.0)),
                              800.0};
  BOOST_TEST(matches(s.value(), expected_s, 1e-14));
  BOOST_TEST(matches(p.value(), expected_p, 1e-14));
  ad::sum(s + p).backward();
  for (const double g : x.grad()) BOOST_TEST(std::isfinite(g));
  BOOST_TEST(x.grad()(3) == 1.0);  // sigmoid' ≈ 0, softplus' = sigmoid ≈ 1
  BOOST_TEST(x.grad()(0) == 0.0);
}

// ---- where ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(where_with_tensor_condition) {
  Rng rng(601);
  const Generator condition = one_of({0.0, 1.0, -2.0});
  for (const Shapes& shapes : broadcast_cases(3, broadcast_case_count, 601)) {
    const ad::Tensor c = condition(rng, shapes[0]);
    expect_ad(
        "where(Tensor (" + ad::to_string(shapes[0]) + "), a, b)",
        [c](const Vars& v) { return ad::where(c, v[0], v[1]); },
        [c](const Tensors& t) -> ad::Tensor {
          return xt::where(xt::not_equal(c, 0.0), t[0], t[1]);
        },
        draw(rng, {shapes[1], shapes[2]}, {any}));
  }
  for (const Shapes& shapes : incompatible_pairs()) {
    const ad::Tensor c = condition(rng, shapes[0]);
    expect_ad(
        "where with an incompatible condition",
        [c](const Vars& v) { return ad::where(c, v[0], v[0]); },
        [c](const Tensors& t) -> ad::Tensor {
          return xt::where(xt::not_equal(c, 0.0), t[0], t[0]);
        },
        {any(rng, shapes[1])});
  }
}

BOOST_AUTO_TEST_CASE(where_with_var_condition) {
  // The condition is relu(c), c ∈ {−1, 1}: finite differences cannot flip it, and no
  // gradient may flow to c (its finite-difference derivative is zero too).
  Rng rng(602);
  for (const Shapes& shapes : broadcast_cases(3, broadcast_case_count, 602)) {
    expect_ad(
        "where(Var, a, b)", [](const Vars& v) { return ad::where(ad::relu(v[0]), v[1], v[2]); },
        [](const Tensors& t) -> ad::Tensor {
          return xt::where(xt::not_equal(xt::maximum(t[0], 0.0), 0.0), t[1], t[2]);
        },
        draw(rng, shapes, {one_of({-1.0, 1.0}), any, any}));
  }
}

// ---- user-defined Functions ---------------------------------------------------------------------

namespace {

// x³, as in the documentation: backward written with chainrule ops, so second order works.
struct Cube : ad::Function {
  std::string name() const override { return "cube"; }
  ad::Tensor forward(const std::vector<ad::Var>& in) override {
    return in[0].value() * in[0].value() * in[0].value();
  }
  std::vector<ad::Var> backward(const ad::Var& g, const std::vector<ad::Var>& in,
                                const ad::Var&) override {
    return {g * 3.0 * ad::square(in[0])};
  }
};

// a·b·eᵃ with broadcasting; gradients returned in the output's shape (the engine sums them
// back to each input's shape), the second one using `out`.
struct MulExp : ad::Function {
  std::string name() const override { return "mul_exp"; }
  ad::Tensor forward(const std::vector<ad::Var>& in) override {
    return in[0].value() * in[1].value() * xt::exp(in[0].value());
  }
  std::vector<ad::Var> backward(const ad::Var& g, const std::vector<ad::Var>& in,
                                const ad::Var& out) override {
    return {g * (out + in[1] * ad::exp(in[0])), g * in[0] * ad::exp(in[0])};
  }
};

// 2a, ignoring b: an empty Var says "no gradient" for b.
struct DoubleFirst : ad::Function {
  std::string name() const override { return "double_first"; }
  ad::Tensor forward(const std::vector<ad::Var>& in) override { return 2.0 * in[0].value(); }
  std::vector<ad::Var> backward(const ad::Var& g, const std::vector<ad::Var>&,
                                const ad::Var&) override {
    return {2.0 * g, ad::Var{}};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(user_defined_functions) {
  check_unary(
      "apply(cube)", [](const Vars& v) { return ad::apply(std::make_unique<Cube>(), {v[0]}); },
      [](const Tensors& t) -> ad::Tensor { return t[0] * t[0] * t[0]; }, any, 701);
  check_binary(
      "apply(mul_exp)",
      [](const Vars& v) {
        return ad::apply(std::make_unique<MulExp>(), {v[0], v[1]});
      },
      [](const Tensors& t) -> ad::Tensor { return t[0] * t[1] * xt::exp(t[0]); }, any, any, 702,
      false);
  Rng rng(703);
  for (const Shapes& shapes : broadcast_cases(2, 8, 703)) {
    expect_ad(
        "apply(double_first)",
        [](const Vars& v) {
          return ad::apply(std::make_unique<DoubleFirst>(), {v[0], v[1]});
        },
        [](const Tensors& t) -> ad::Tensor { return 2.0 * t[0]; },
        draw(rng, {shapes[0], shapes[0]}, {any}));
  }
}

BOOST_AUTO_TEST_CASE(user_function_inside_a_composite) {
  // A Function between recorded ops: its output flows on, its inputs come from ops.
  check_binary(
      "sin(apply(cube, a * b)) + a",
      [](const Vars& v) {
        return ad::sin(ad::apply(std::make_unique<Cube>(), {v[0] * v[1]})) + v[0];
      },
      [](const Tensors& t) -> ad::Tensor {
        const ad::Tensor p = t[0] * t[1];
        return xt::sin(p * p * p) + t[0];
      },
      uniform(-1.0, 1.0), uniform(-1.0, 1.0), 704, false);
}
