// The reductions beyond sum/mean through expect_ad: logsumexp, max/min (and argmax/argmin),
// prod (with zeros), cumsum, norm, variance, stddev — over everything and along every axis,
// negative axes included; and the axis check of every reduction, sum and mean included.
#define BOOST_TEST_MODULE autodiff_reduce_ops
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <xtensor/xmath.hpp>

#include "axis_reference.hpp"
#include "expect_ad.hpp"

namespace ad = chainrule::ad;
using namespace chainrule::test;

namespace {

const Generator any = uniform(-2.0, 2.0);

// Distinct values at least 0.2 apart (a shuffled grid plus small noise): the extreme of a
// line is unique, and finite differences never change which element it is.
ad::Tensor distinct(Rng& rng, const ad::Shape& shape) {
  ad::Tensor t = xt::zeros<double>(shape);
  std::vector<double> grid(t.size());
  std::iota(grid.begin(), grid.end(), 0.0);
  std::shuffle(grid.begin(), grid.end(), rng);
  std::uniform_real_distribution<double> noise(-0.01, 0.01);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = 0.25 * grid[i] - 2.0 + noise(rng);
  return t;
}

double line_max(const std::vector<double>& l) { return *std::max_element(l.begin(), l.end()); }
double line_min(const std::vector<double>& l) { return *std::min_element(l.begin(), l.end()); }
double line_sum(const std::vector<double>& l) { return std::accumulate(l.begin(), l.end(), 0.0); }
double line_prod(const std::vector<double>& l) {
  return std::accumulate(l.begin(), l.end(), 1.0, std::multiplies<>());
}
double line_logsumexp(const std::vector<double>& l) {
  double total = 0.0;
  for (double e : l) total += std::exp(e);
  return std::log(total);
}
double line_variance(const std::vector<double>& l, std::ptrdiff_t ddof) {
  const auto n = static_cast<std::ptrdiff_t>(l.size());
  if (n - ddof <= 0) throw std::domain_error("variance: ddof");
  const double m = line_sum(l) / static_cast<double>(n);
  double total = 0.0;
  for (double e : l) total += (e - m) * (e - m);
  return total / static_cast<double>(n - ddof);
}

std::string with_axis(const std::string& op, std::ptrdiff_t axis, bool keepdims) {
  return op + "(axis " + std::to_string(axis) + (keepdims ? ", keepdims)" : ")");
}

using AxisOp = std::function<ad::Var(const ad::Var&, std::ptrdiff_t, bool)>;
using LineFn = std::function<double(const std::vector<double>&)>;

// An axis reduction against its line-by-line reference, every axis both ways, on `count`
// random shapes of rank 1–3.
void expect_axis_reduction(const std::string& op, const AxisOp& f, const LineFn& line,
                           const Generator& gen, std::uint64_t seed, std::size_t count = 4,
                           const AdOptions& options = {}) {
  Rng rng(seed);
  for (std::size_t c = 0; c < count; ++c) {
    const ad::Shape shape = random_shape(rng, 1, 3, 3);
    const ad::Tensor x = gen(rng, shape);
    for (const std::ptrdiff_t axis : all_axes(shape.size())) {
      const bool keepdims = (c + static_cast<std::size_t>(axis + 3)) % 2 == 0;
      expect_ad(
          with_axis(op, axis, keepdims), [=](const Vars& v) { return f(v[0], axis, keepdims); },
          [=](const Tensors& t) { return reduce_along(t[0], axis, keepdims, line); }, {x}, options);
    }
  }
}

void expect_whole_reduction(const std::string& op, const std::function<ad::Var(const ad::Var&)>& f,
                            const LineFn& line, const Generator& gen, std::uint64_t seed,
                            const AdOptions& options = {}) {
  Rng rng(seed);
  for (std::size_t c = 0; c < 5; ++c) {
    const ad::Shape shape = c == 0 ? ad::Shape{} : random_shape(rng, 1, 3, 3);
    expect_ad(
        op, [=](const Vars& v) { return f(v[0]); },
        [=](const Tensors& t) { return reduce_all(t[0], line); }, {gen(rng, shape)}, options);
  }
}

}  // namespace

// ---- logsumexp --------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(logsumexp_whole_and_along_axes) {
  expect_whole_reduction(
      "logsumexp", [](const ad::Var& x) { return ad::logsumexp(x); }, line_logsumexp, any, 1001);
  expect_axis_reduction(
      "logsumexp",
      [](const ad::Var& x, std::ptrdiff_t a, bool k) { return ad::logsumexp(x, a, k); },
      line_logsumexp, any, 1002);
}

BOOST_AUTO_TEST_CASE(logsumexp_does_not_overflow) {
  FreshTape t;
  const ad::Var x = ad::variable(ad::Tensor{1000.0, 1000.0, -1000.0});
  const ad::Var y = ad::logsumexp(x);
  BOOST_TEST(y.item() == 1000.0 + std::log(2.0), boost::test_tools::tolerance(1e-14));
  y.backward();
  BOOST_TEST(matches(x.grad(), ad::Tensor{0.5, 0.5, 0.0}));
  const ad::Var all_minus_inf = ad::variable(ad::Tensor{-INFINITY, -INFINITY});
  BOOST_TEST(ad::logsumexp(all_minus_inf).item() == -INFINITY);
}

// ---- max, min, argmax, argmin -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(max_and_min_whole_and_along_axes) {
  const Generator gen = distinct;
  expect_whole_reduction(
      "max", [](const ad::Var& x) { return ad::max(x); }, line_max, gen, 1011);
  expect_whole_reduction(
      "min", [](const ad::Var& x) { return ad::min(x); }, line_min, gen, 1012);
  expect_axis_reduction(
      "max", [](const ad::Var& x, std::ptrdiff_t a, bool k) { return ad::max(x, a, k); }, line_max,
      gen, 1013);
  expect_axis_reduction(
      "min", [](const ad::Var& x, std::ptrdiff_t a, bool k) { return ad::min(x, a, k); }, line_min,
      gen, 1014);
}

BOOST_AUTO_TEST_CASE(max_and_min_ties_share_the_gradient) {
  FreshTape t;
  const ad::Var x = ad::variable(ad::Tensor{{1.0, 3.0, 3.0}, {2.0, 2.0, 2.0}});
  ad::sum(ad::max(x, -1)).backward();
  BOOST_TEST(matches(x.grad(), ad::Tensor{{0.0, 0.5, 0.5}, {1.0 / 3, 1.0 / 3, 1.0 / 3}}));
  x.zero_grad();
  ad::min(x).backward();  // 1.0 is the unique minimum
  BOOST_TEST(matches(x.grad(), ad::Tensor{{1.0, 0.0, 0.0}, {0.0, 0.0, 0.0}}));
  x.zero_grad();
  ad::max(x).backward();
  BOOST_TEST(matches(x.grad(), ad::Tensor{{0.0, 0.5, 0.5}, {0.0, 0.0, 0.0}}));
  // The share is a constant: the second derivative of a max is 0.
  const ad::Var g = ad::grad(ad::max(x), {x}, {.create_graph = true})[0];
  BOOST_TEST(matches(ad::grad(ad::sum(g * x), {x})[0].value(), g.value()));
}

BOOST_AUTO_TEST_CASE(max_propagates_nan) {
  FreshTape t;
  const ad::Var x = ad::variable(ad::Tensor{1.0, NAN, 3.0});
  const ad::Var y = ad::max(x);
  BOOST_TEST(std::isnan(y.item()));
  y.backward();
  BOOST_TEST(matches(x.grad(), ad::Tensor{0.0, 1.0, 0.0}));
  BOOST_TEST(ad::argmax(x, 0)() == 1.0);
}

BOOST_AUTO_TEST_CASE(argmax_and_argmin_are_first_positions) {
  FreshTape t;
  Rng rng(1015);
  for (std::size_t c = 0; c < 6; ++c) {
    const ad::Shape shape = random_shape(rng, 1, 3, 4);
    // Few distinct values: ties are common, and the first position must win.
    const ad::Tensor x = one_of({-1.0, 0.0, 2.0})(rng, shape);
    const ad::Var v = ad::variable(x);
    for (const std::ptrdiff_t axis : all_axes(shape.size())) {
      const auto first = [](const std::vector<double>& l, bool largest) {
        std::size_t best = 0;
        for (std::size_t k = 1; k < l.size(); ++k) {
          if (largest ? l[k] > l[best] : l[k] < l[best]) best = k;
        }
        return static_cast<double>(best);
      };
      BOOST_TEST(matches(ad::argmax(v, axis),
                         reduce_along(x, axis, false, [&](auto& l) { return first(l, true); })));
      BOOST_TEST(matches(ad::argmin(v, axis),
                         reduce_along(x, axis, false, [&](auto& l) { return first(l, false); })));
    }
  }
}

BOOST_AUTO_TEST_CASE(extremes_of_nothing_are_errors) {
  FreshTape t;
  const ad::Var empty = ad::variable(xt::zeros<double>({2, 0}));
  expect_error<ad::ShapeError>([&] { return ad::max(empty); }, {"max", "(2, 0)", "empty"}, "max");
  expect_error<ad::ShapeError>([&] { return ad::min(empty, 1); }, {"min", "(2, 0)", "empty"},
                               "min axis");
  expect_error<ad::ShapeError>([&] { return ad::argmax(empty, -1); }, {"argmax", "(2, 0)"},
                               "argmax");
  expect_error<ad::ShapeError>([&] { return ad::argmin(empty, 1); }, {"argmin", "(2, 0)"},
                               "argmin");
  // Along the non-empty axis there is nothing to reduce per position, and no error.
  BOOST_TEST(ad::max(empty, 0).shape() == ad::Shape{0});
}

// ---- prod -------------------------------------------------------------------------------------

// Random values where `zeros` of the elements (chosen at random) are exactly 0.
Generator with_zeros(std::size_t zeros) {
  return [=](Rng& rng, const ad::Shape& shape) {
    ad::Tensor t = uniform(0.5, 1.5)(rng, shape);
    std::bernoulli_distribution negative(0.5);
    for (double& e : t) e = negative(rng) ? -e : e;
    std::vector<std::size_t> positions(t.size());
    std::iota(positions.begin(), positions.end(), 0);
    std::shuffle(positions.begin(), positions.end(), rng);
    for (std::size_t k = 0; k < std::min(zeros, positions.size()); ++k) {
      t.data()[positions[k]] = 0.0;
    }
    return t;
  };
}

BOOST_AUTO_TEST_CASE(prod_whole_and_along_axes_with_and_without_zeros) {
  for (const std::size_t zeros : {0, 1, 2, 3}) {
    const Generator gen = with_zeros(zeros);
    expect_whole_reduction(
        "prod with " + std::to_string(zeros) + " zeros",
        [](const ad::Var& x) { return ad::prod(x); }, line_prod, gen, 1020 + zeros);
    expect_axis_reduction(
        "prod with " + std::to_string(zeros) + " zeros",
        [](const ad::Var& x, std::ptrdiff_t a, bool k) { return ad::prod(x, a, k); }, line_prod,
        gen, 1030 + zeros, 3);
  }
}

BOOST_AUTO_TEST_CASE(prod_gradient_at_zeros_is_the_product_of_the_others) {
  FreshTape t;
  const ad::Var one_zero = ad::variable(ad::Tensor{2.0, 0.0, 3.0, 5.0, -1.0});
  ad::prod(one_zero).backward();
  BOOST_TEST(matches(one_zero.grad(), ad::Tensor{0.0, -30.0, 0.0, 0.0, 0.0}));
  const ad::Var two_zeros = ad::variable(ad::Tensor{2.0, 0.0, 3.0, 0.0, -1.0});
  ad::prod(two_zeros).backward();
  BOOST_TEST(matches(two_zeros.grad(), ad::Tensor{0.0, 0.0, 0.0, 0.0, 0.0}));
  // The Hessian at two zeros is not zero: ∂²/∂x₁∂x₃ = 2·3·(−1).
  const ad::Var g = ad::grad(ad::prod(two_zeros), {two_zeros}, {.create_graph = true})[0];
  const ad::Var h1 = ad::grad(ad::sum(ad::slice(g, 0, 1, 2)), {two_zeros})[0];
  BOOST_TEST(matches(h1.value(), ad::Tensor{0.0, 0.0, 0.0, -6.0, 0.0}));
  BOOST_TEST(ad::prod(ad::variable(xt::zeros<double>({0}))).item() == 1.0);
  BOOST_TEST(
      matches(ad::prod(ad::variable(xt::zeros<double>({2, 0})), 1).value(), ad::Tensor{1.0, 1.0}));
}

// ---- cumsum -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(cumsum_along_every_axis) {
  Rng rng(1040);
  for (std::size_t c = 0; c < 5; ++c) {
    const ad::Shape shape = random_shape(rng, 1, 3, 4);
    const ad::Tensor x = any(rng, shape);
    for (const std::ptrdiff_t axis : all_axes(shape.size())) {
      expect_ad(
          "cumsum(axis " + std::to_string(axis) + ")",
          [=](const Vars& v) { return ad::cumsum(v[0], axis); },
          [=](const Tensors& t) {
            return map_along(t[0], axis, [](const std::vector<double>& l) {
              std::vector<double> out(l.size());
              std::partial_sum(l.begin(), l.end(), out.begin());
              return out;
            });
          },
          {x});
    }
  }
}

// ---- norm -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(norm_values_and_gradients) {
  expect_whole_reduction(
      "norm", [](const ad::Var& x) { return ad::norm(x); },
      [](const std::vector<double>& l) {
        double total = 0.0;
        for (double e : l) total += e * e;
        return std::sqrt(total);
      },
      uniform_away(-2.0, 2.0, {0.0}, 0.1), 1050);
}

BOOST_AUTO_TEST_CASE(norm_at_zero_has_gradient_zero_and_large_values_do_not_overflow) {
  FreshTape t;
  const ad::Var zero = ad::variable(xt::zeros<double>({2, 3}));
  const ad::Var n = ad::norm(zero);
  BOOST_TEST(n.item() == 0.0);
  n.backward();
  BOOST_TEST(matches(zero.grad(), xt::zeros<double>({2, 3}), 0.0));
  const ad::Var g = ad::grad(ad::norm(zero), {zero}, {.create_graph = true})[0];
  const ad::Var h = ad::grad(ad::sum(g), {zero})[0];
  BOOST_TEST(matches(h.value(), xt::zeros<double>({2, 3}), 0.0));
  const ad::Var big = ad::variable(ad::Tensor{3e200, 4e200});
  const ad::Var nb = ad::norm(big);
  BOOST_TEST(nb.item() == 5e200, boost::test_tools::tolerance(1e-14));
  nb.backward();
  BOOST_TEST(matches(big.grad(), ad::Tensor{0.6, 0.8}));
  const ad::Var tiny = ad::variable(ad::Tensor{3e-200, 4e-200});
  BOOST_TEST(ad::norm(tiny).item() == 5e-200, boost::test_tools::tolerance(1e-14));
}

// ---- variance, stddev -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(variance_and_stddev_whole_and_along_axes) {
  expect_whole_reduction(
      "variance", [](const ad::Var& x) { return ad::variance(x); },
      [](const std::vector<double>& l) { return line_variance(l, 0); }, any, 1060);
  expect_whole_reduction(
      "stddev", [](const ad::Var& x) { return ad::stddev(x); },
      [](const std::vector<double>& l) { return std::sqrt(line_variance(l, 0)); }, distinct, 1061);
  for (const std::ptrdiff_t ddof : {0, 1, 2}) {
    // Lines too short for ddof throw in both versions (throw parity).
    expect_axis_reduction(
        "variance ddof " + std::to_string(ddof),
        [=](const ad::Var& x, std::ptrdiff_t a, bool k) { return ad::variance(x, a, k, ddof); },
        [=](const std::vector<double>& l) { return line_variance(l, ddof); }, any, 1062 + ddof, 3);
    expect_axis_reduction(
        "stddev ddof " + std::to_string(ddof),
        [=](const ad::Var& x, std::ptrdiff_t a, bool k) { return ad::stddev(x, a, k, ddof); },
        [=](const std::vector<double>& l) { return std::sqrt(line_variance(l, ddof)); }, distinct,
        1066 + ddof, 3);
  }
}

BOOST_AUTO_TEST_CASE(stddev_of_equal_elements_has_gradient_zero) {
  FreshTape t;
  const ad::Var x = ad::variable(ad::Tensor{{2.0, 2.0, 2.0}, {1.0, 2.0, 3.0}});
  const ad::Var s = ad::stddev(x, 1);
  BOOST_TEST(matches(s.value(), ad::Tensor{0.0, std::sqrt(2.0 / 3.0)}));
  ad::sum(s).backward();
  const double d = 1.0 / (3.0 * std::sqrt(2.0 / 3.0));
  BOOST_TEST(matches(x.grad(), ad::Tensor{{0.0, 0.0, 0.0}, {-d, 0.0, d}}));
  const ad::Var same = ad::variable(ad::Tensor{5.0, 5.0});
  ad::stddev(same).backward();
  BOOST_TEST(matches(same.grad(), ad::Tensor{0.0, 0.0}, 0.0));
  expect_error<ad::ShapeError>([&] { return ad::variance(x, 1, false, 3); },
                               {"variance", "ddof 3", "(2, 3)"}, "ddof too large");
  expect_error<ad::ShapeError>([&] { return ad::variance(ad::variable(xt::zeros<double>({0}))); },
                               {"variance", "(0,)"}, "variance of nothing");
}

// ---- the axis argument of every reduction ----------------------------------------------------

BOOST_AUTO_TEST_CASE(every_reduction_takes_negative_axes_and_names_a_bad_one) {
  FreshTape t;
  Rng rng(1070);
  const ad::Tensor value = distinct(rng, ad::Shape{2, 3, 4});
  const ad::Var x = ad::variable(value);
  const std::vector<std::pair<std::string, AxisOp>> ops = {
      {"sum", [](const ad::Var& v, std::ptrdiff_t a, bool k) { return ad::sum(v, a, k); }},
      {"mean", [](const ad::Var& v, std::ptrdiff_t a, bool k) { return ad::mean(v, a, k); }},
      {"logsumexp",
       [](const ad::Var& v, std::ptrdiff_t a, bool k) { return ad::logsumexp(v, a, k); }},
      {"max", [](const ad::Var& v, std::ptrdiff_t a, bool k) { return ad::max(v, a, k); }},
      {"min", [](const ad::Var& v, std::ptrdiff_t a, bool k) { return ad::min(v, a, k); }},
      {"prod", [](const ad::Var& v, std::ptrdiff_t a, bool k) { return ad::prod(v, a, k); }},
      {"variance",
       [](const ad::Var& v, std::ptrdiff_t a, bool k) { return ad::variance(v, a, k); }},
      {"stddev", [](const ad::Var& v, std::ptrdiff_t a, bool k) { return ad::stddev(v, a, k); }},
      {"cumsum", [](const ad::Var& v, std::ptrdiff_t a, bool) { return ad::cumsum(v, a); }},
      {"argmax",
       [](const ad::Var& v, std::ptrdiff_t a, bool) { return ad::constant(ad::argmax(v, a)); }},
      {"argmin",
       [](const ad::Var& v, std::ptrdiff_t a, bool) { return ad::constant(ad::argmin(v, a)); }},
  };
  for (const auto& [name, op] : ops) {
    for (std::ptrdiff_t axis = 0; axis < 3; ++axis) {
      const ad::Tensor positive = op(x, axis, axis == 1).value();
      const ad::Tensor negative = op(x, axis - 3, axis == 1).value();
      BOOST_TEST(matches(negative, positive, 0.0), name << " axis " << axis << " vs " << axis - 3);
    }
    for (const std::ptrdiff_t axis : bad_axes(3)) {
      expect_error<ad::ShapeError>([&] { return op(x, axis, false); },
                                   {name + ":", "axis " + std::to_string(axis), "(2, 3, 4)"},
                                   name + " with axis " + std::to_string(axis));
    }
  }
  // A 0-d Var has no axis at all.
  expect_error<ad::ShapeError>([&] { return ad::max(ad::variable(1.0), 0); },
                               {"max", "axis 0", "()"}, "max of a 0-d Var along axis 0");
}
