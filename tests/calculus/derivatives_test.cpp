// Jacobians, Hessians, hvp and jvp of functions whose derivatives are known in closed form,
// and gradcheck catching a wrong derivative.
#define BOOST_TEST_MODULE calculus
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <memory>
#include <numbers>
#include <random>

#include <xtensor/xbuilder.hpp>
#include <xtensor/xview.hpp>

#include <chainrule/autodiff.hpp>

#include "close.hpp"

namespace ad = chainrule::ad;
using chainrule::test::expect_close;

namespace {

constexpr double tol = 1e-10;

// Element i of a 1-D Var, as a (1,) Var.
ad::Var at(const ad::Var& v, std::size_t i) { return ad::slice(v, 0, i, i + 1); }

// A matrix-vector product on plain numbers, for the reference values.
ad::Tensor times(const ad::Tensor& m, const ad::Tensor& u) {
  ad::Tensor out = xt::zeros<double>({m.shape()[0]});
  for (std::size_t i = 0; i < m.shape()[0]; ++i) {
    for (std::size_t j = 0; j < m.shape()[1]; ++j) out(i) += m(i, j) * u.data()[j];
  }
  return out;
}

ad::Tensor random_like(const ad::Tensor& x, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  ad::Tensor u = xt::zeros<double>(x.shape());
  for (double& v : u) v = normal(rng);
  return u;
}

// --- the functions and their derivatives, by hand --------------------------------------------

// p(x, y) = x³y² − 2xy + y⁴
ad::Var poly(const ad::Var& v) {
  const ad::Var x = at(v, 0), y = at(v, 1);
  return ad::pow(x, 3.0) * ad::square(y) - 2.0 * x * y + ad::pow(y, 4.0);
}
ad::Tensor poly_hessian(double x, double y) {
  return ad::Tensor{{6 * x * y * y, 6 * x * x * y - 2},
                    {6 * x * x * y - 2, 2 * x * x * x + 12 * y * y}};
}

// F(x, y) = (x²y + 3y³, x − 2xy²): a polynomial map ℝ² → ℝ².
ad::Var poly_map(const ad::Var& v) {
  const ad::Var x = at(v, 0), y = at(v, 1);
  return ad::concatenate({ad::square(x) * y + 3.0 * ad::pow(y, 3.0), x - 2.0 * x * ad::square(y)});
}
ad::Tensor poly_map_jacobian(double x, double y) {
  return ad::Tensor{{2 * x * y, x * x + 9 * y * y}, {1 - 2 * y * y, -4 * x * y}};
}

// g(x, y) = exp(sin(x)·y) + log(1 + x²)·cos(y)
ad::Var trig(const ad::Var& v) {
  const ad::Var x = at(v, 0), y = at(v, 1);
  return ad::exp(ad::sin(x) * y) + ad::log(1.0 + ad::square(x)) * ad::cos(y);
}
ad::Tensor trig_gradient(double x, double y) {
  const double e = std::exp(std::sin(x) * y), q = 1 + x * x;
  return ad::Tensor{e * std::cos(x) * y + 2 * x / q * std::cos(y),
                    e * std::sin(x) - std::log(q) * std::sin(y)};
}
ad::Tensor trig_hessian(double x, double y) {
  const double s = std::sin(x), c = std::cos(x), e = std::exp(s * y), q = 1 + x * x;
  const double xx = e * y * (c * c * y - s) + std::cos(y) * 2 * (1 - x * x) / (q * q);
  const double xy = e * c * (s * y + 1) - 2 * x / q * std::sin(y);
  const double yy = e * s * s - std::log(q) * std::cos(y);
  return ad::Tensor{{xx, xy}, {xy, yy}};
}

// G(x, y) = (eˣ sin y, log(x² + y²), tanh(xy)): exp/log/trig map ℝ² → ℝ³.
ad::Var trig_map(const ad::Var& v) {
  const ad::Var x = at(v, 0), y = at(v, 1);
  return ad::concatenate(
      {ad::exp(x) * ad::sin(y), ad::log(ad::square(x) + ad::square(y)), ad::tanh(x * y)});
}
ad::Tensor trig_map_jacobian(double x, double y) {
  const double r = x * x + y * y, sech2 = 1 - std::pow(std::tanh(x * y), 2);
  return ad::Tensor{{std::exp(x) * std::sin(y), std::exp(x) * std::cos(y)},
                    {2 * x / r, 2 * y / r},
                    {y * sech2, x * sech2}};
}

// The Gaussian of the heights fit, as a function of p = (μ, σ), at fixed data heights:
// f(x; μ, σ) = exp(−(x−μ)²/(2σ²)) / (√(2π) σ).
const ad::Tensor heights{1.62, 1.75, 1.81};

ad::Var gaussian(const ad::Var& p, double x) {
  const ad::Var mu = at(p, 0), sigma = at(p, 1);
  const double root_two_pi = std::sqrt(2.0 * std::numbers::pi);
  return ad::exp(-ad::square(x - mu) / (2.0 * ad::square(sigma))) / (root_two_pi * sigma);
}
// The densities at all heights, (3,).
ad::Var densities(const ad::Var& p) {
  std::vector<ad::Var> parts;
  for (double x : heights) parts.push_back(gaussian(p, x));
  return ad::concatenate(parts);
}
// Their sum, one element.
ad::Var density_sum(const ad::Var& p) { return ad::sum(densities(p)); }

double gaussian_value(double x, double mu, double sigma) {
  const double d = x - mu;
  return std::exp(-d * d / (2 * sigma * sigma)) / (std::sqrt(2 * std::numbers::pi) * sigma);
}
ad::Tensor densities_jacobian(double mu, double sigma) {
  ad::Tensor j = xt::zeros<double>({heights.size(), std::size_t{2}});
  for (std::size_t i = 0; i < heights.size(); ++i) {
    const double d = heights(i) - mu, f = gaussian_value(heights(i), mu, sigma);
    j(i, 0) = f * d / (sigma * sigma);
    j(i, 1) = f * (d * d / std::pow(sigma, 3) - 1 / sigma);
  }
  return j;
}
ad::Tensor density_sum_hessian(double mu, double sigma) {
  ad::Tensor h = xt::zeros<double>({2, 2});
  for (double x : heights) {
    const double d = x - mu, f = gaussian_value(x, mu, sigma), s = sigma;
    const double ds = d * d / std::pow(s, 3) - 1 / s;  // (∂f/∂σ) / f
    h(0, 0) += f * (d * d / std::pow(s, 4) - 1 / (s * s));
    h(0, 1) += f * d * (d * d / std::pow(s, 5) - 3 / std::pow(s, 3));
    h(1, 1) += f * (ds * ds - 3 * d * d / std::pow(s, 4) + 1 / (s * s));
  }
  h(1, 0) = h(0, 1);
  return h;
}

// A small sigmoid network in its input x ∈ ℝ³: h = σ(W x + b) ∈ ℝ⁴, y = σ(v·h + c).
const ad::Tensor W{{0.5, -1.0, 0.3}, {2.0, 0.25, -0.7}, {-1.2, 0.4, 0.9}, {0.1, 0.8, -0.5}};
const ad::Tensor b{0.1, -0.2, 0.3, 0.05};
const ad::Tensor v{1.5, -0.7, 0.9, -1.1};
const double c = 0.2;

double sigma(double a) { return 1.0 / (1.0 + std::exp(-a)); }

ad::Var hidden(const ad::Var& x) {
  return ad::sigmoid(ad::matmul(ad::constant(W), x) + ad::constant(b));
}
ad::Var network(const ad::Var& x) {
  return ad::sigmoid(ad::matmul(ad::constant(v), hidden(x)) + c);
}
ad::Tensor hidden_values(const ad::Tensor& x) {
  ad::Tensor h = times(W, x) + b;
  for (double& e : h) e = sigma(e);
  return h;
}
ad::Tensor hidden_jacobian(const ad::Tensor& x) {  // diag(h(1−h)) W
  const ad::Tensor h = hidden_values(x);
  ad::Tensor j = W;
  for (std::size_t k = 0; k < 4; ++k) {
    for (std::size_t i = 0; i < 3; ++i) j(k, i) *= h(k) * (1 - h(k));
  }
  return j;
}
ad::Tensor network_hessian(const ad::Tensor& x) {
  // y = σ(a), a = v·h: ∇a = Σ v_k h_k(1−h_k) W_k, ∇²a = Σ v_k h_k(1−h_k)(1−2h_k) W_k W_kᵀ,
  // ∇²y = σ''(a) ∇a ∇aᵀ + σ'(a) ∇²a.
  const ad::Tensor h = hidden_values(x);
  double a = c;
  for (std::size_t k = 0; k < 4; ++k) a += v(k) * h(k);
  const double y = sigma(a), d1 = y * (1 - y), d2 = y * (1 - y) * (1 - 2 * y);
  ad::Tensor grad_a = xt::zeros<double>({3});
  ad::Tensor hess_a = xt::zeros<double>({3, 3});
  for (std::size_t k = 0; k < 4; ++k) {
    const double s1 = v(k) * h(k) * (1 - h(k)), s2 = s1 * (1 - 2 * h(k));
    for (std::size_t i = 0; i < 3; ++i) {
      grad_a(i) += s1 * W(k, i);
      for (std::size_t j = 0; j < 3; ++j) hess_a(i, j) += s2 * W(k, i) * W(k, j);
    }
  }
  ad::Tensor hess = xt::zeros<double>({3, 3});
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 3; ++j) hess(i, j) = d2 * grad_a(i) * grad_a(j) + d1 * hess_a(i, j);
  }
  return hess;
}

// d/dx x² with a deliberately wrong backward (3x instead of 2x).
struct BrokenSquare : ad::Function {
  double factor;
  explicit BrokenSquare(double f) : factor(f) {}
  std::string name() const override { return "broken_square"; }
  ad::Tensor forward(const std::vector<ad::Var>& in) override {
    return in[0].value() * in[0].value();
  }
  std::vector<ad::Var> backward(const ad::Var& g, const std::vector<ad::Var>& in,
                                const ad::Var&) override {
    return {g * factor * in[0]};
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(derivatives)

BOOST_AUTO_TEST_CASE(polynomial_jacobian_and_hessian) {
  for (const auto& [x, y] : {std::pair{0.7, -1.3}, std::pair{-2.0, 0.5}, std::pair{0.0, 0.0}}) {
    const ad::Tensor p{x, y};
    expect_close(ad::jacobian(poly_map, p), poly_map_jacobian(x, y), tol, "jacobian of poly map");
    expect_close(ad::hessian(poly, p), poly_hessian(x, y), tol, "hessian of polynomial");
  }
}

BOOST_AUTO_TEST_CASE(exp_log_trig_compositions) {
  for (const auto& [x, y] : {std::pair{0.7, -1.3}, std::pair{-2.0, 0.5}, std::pair{1.1, 2.4}}) {
    const ad::Tensor p{x, y};
    ad::Tensor g = trig_gradient(x, y);
    g.reshape({1, 2});
    expect_close(ad::jacobian(trig, p), g, tol, "gradient of trig composition");
    expect_close(ad::hessian(trig, p), trig_hessian(x, y), tol, "hessian of trig composition");
    expect_close(ad::jacobian(trig_map, p), trig_map_jacobian(x, y), tol, "jacobian of trig map");
  }
}

BOOST_AUTO_TEST_CASE(gaussian_in_mean_and_width) {
  for (const auto& [mu, s] : {std::pair{1.7, 0.1}, std::pair{1.75, 0.07}, std::pair{1.6, 0.2}}) {
    const ad::Tensor p{mu, s};
    expect_close(ad::jacobian(densities, p), densities_jacobian(mu, s), tol,
                 "jacobian of the densities in (mu, sigma)");
    expect_close(ad::hessian(density_sum, p), density_sum_hessian(mu, s), tol,
                 "hessian of the summed density in (mu, sigma)");
  }
}

BOOST_AUTO_TEST_CASE(small_sigmoid_network) {
  for (unsigned seed : {1u, 2u, 3u}) {
    const ad::Tensor x = random_like(ad::Tensor{0.0, 0.0, 0.0}, seed);
    expect_close(ad::jacobian(hidden, x), hidden_jacobian(x), tol, "jacobian of hidden layer");
    const ad::Tensor H = ad::hessian(network, x);
    expect_close(H, network_hessian(x), tol, "hessian of the network output");
    expect_close(H, xt::transpose(H), 0.0, "hessian symmetry");
  }
}

BOOST_AUTO_TEST_CASE(hvp_and_jvp_equal_the_products_with_the_full_matrices) {
  const ad::Tensor p{0.7, -1.3};
  for (unsigned seed : {7u, 8u}) {
    const ad::Tensor u = random_like(p, seed);
    expect_close(ad::hvp(trig, p, u), times(ad::hessian(trig, p), u), tol, "hvp of trig");
    expect_close(ad::hvp(poly, p, u), times(poly_hessian(0.7, -1.3), u), tol, "hvp of poly");
    expect_close(ad::jvp(trig_map, p, u), times(ad::jacobian(trig_map, p), u), tol,
                 "jvp of trig map");
    const ad::Tensor q{1.7, 0.1};
    expect_close(ad::jvp(densities, q, u), times(densities_jacobian(1.7, 0.1), u), tol,
                 "jvp of densities");
    expect_close(ad::hvp(density_sum, q, u), times(density_sum_hessian(1.7, 0.1), u), tol,
                 "hvp of summed density");
    const ad::Tensor x = random_like(ad::Tensor{0.0, 0.0, 0.0}, seed);
    const ad::Tensor w = random_like(x, seed + 100);
    expect_close(ad::hvp(network, x, w), times(network_hessian(x), w), tol, "hvp of network");
    expect_close(ad::jvp(hidden, x, w), times(hidden_jacobian(x), w), tol, "jvp of hidden");
  }
}

// g(a, B) = Σ (B·a)² · a₀ with a (2,) and B (3, 2): mixed blocks, none of them zero.
ad::Var two_input_scalar(const std::vector<ad::Var>& v) {
  const ad::Var Ba = ad::matmul(v[1], ad::reshape(v[0], {2, 1}));
  return ad::sum(ad::square(Ba)) * at(v[0], 0);
}

// The same g as a function of one vector packing (a, B): the reference for the blocks.
ad::Var two_input_packed(const ad::Var& packed) {
  return two_input_scalar(
      {ad::slice(packed, 0, 0, 2), ad::reshape(ad::slice(packed, 0, 2, 8), {3, 2})});
}

// F(a, B) = B·a + sin(a)ᵀ·1: a vector of three, depending on both inputs.
ad::Var two_input_map(const std::vector<ad::Var>& v) {
  const ad::Var Ba = ad::reshape(ad::matmul(v[1], ad::reshape(v[0], {2, 1})), {3});
  return Ba + ad::sum(ad::sin(v[0]));
}

ad::Tensor pack(const ad::Tensor& a, const ad::Tensor& B) {
  ad::Tensor packed = xt::zeros<double>({a.size() + B.size()});
  std::copy(a.begin(), a.end(), packed.begin());
  std::copy(B.begin(), B.end(), packed.begin() + static_cast<std::ptrdiff_t>(a.size()));
  return packed;
}

// The rows [r0, r0 + rows) and columns [c0, c0 + cols) of m.
ad::Tensor block(const ad::Tensor& m, std::size_t r0, std::size_t rows, std::size_t c0,
                 std::size_t cols) {
  ad::Tensor out = xt::zeros<double>({rows, cols});
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) out(i, j) = m(r0 + i, c0 + j);
  }
  return out;
}

BOOST_AUTO_TEST_CASE(several_inputs_give_hessian_blocks_and_products_per_input) {
  const ad::Tensor a{0.7, -1.3};
  const ad::Tensor B = random_like(xt::zeros<double>({3, 2}), 11);
  const ad::Tensor full = ad::hessian(two_input_packed, pack(a, B));  // (8, 8)

  const auto blocks = ad::hessian(two_input_scalar, {a, B});
  BOOST_TEST_REQUIRE(blocks.size() == 2u);
  expect_close(blocks[0][0], block(full, 0, 2, 0, 2), tol, "block (a, a)");
  expect_close(blocks[0][1], block(full, 0, 2, 2, 6), tol, "block (a, B)");
  expect_close(blocks[1][0], block(full, 2, 6, 0, 2), tol, "block (B, a)");
  expect_close(blocks[1][1], block(full, 2, 6, 2, 6), tol, "block (B, B)");
  expect_close(blocks[1][0], xt::transpose(blocks[0][1]), 0.0, "blocks are exactly symmetric");

  for (unsigned seed : {21u, 22u}) {
    const ad::Tensor u = random_like(a, seed);
    const ad::Tensor U = random_like(B, seed + 50);
    const ad::Tensor product = times(full, pack(u, U));
    const auto hu = ad::hvp(two_input_scalar, {a, B}, {u, U});
    BOOST_TEST_REQUIRE(hu.size() == 2u);
    expect_close(hu[0], xt::view(product, xt::range(0, 2)), tol, "hvp, part along a");
    ad::Tensor along_B = xt::view(product, xt::range(2, 8));
    along_B.reshape({3, 2});
    expect_close(hu[1], along_B, tol, "hvp, part along B (shaped like B)");

    const auto J = ad::jacobian(two_input_map, {a, B});
    ad::Tensor expected = times(J[0], u) + times(J[1], U);
    expect_close(ad::jvp(two_input_map, {a, B}, {u, U}), expected, tol, "jvp of two inputs");
  }
}

BOOST_AUTO_TEST_CASE(several_inputs_misuse_names_the_direction) {
  const ad::Tensor a{0.7, -1.3};
  const ad::Tensor B = xt::ones<double>({3, 2});
  const auto message = [](auto&& call) {
    try {
      call();
    } catch (const ad::ShapeError& e) {
      return std::string(e.what());
    }
    return std::string("no ShapeError");
  };
  const std::string few = message([&] { ad::hvp(two_input_scalar, {a, B}, {a}); });
  BOOST_TEST(few.find("hvp: 1 directions given for 2 inputs") != std::string::npos, few);
  const std::string shape = message([&] { ad::jvp(two_input_map, {a, B}, {a, a}); });
  BOOST_TEST(
      shape.find("jvp: direction 1 has shape (2,), input 1 has shape (3, 2)") != std::string::npos,
      shape);
  BOOST_CHECK_THROW(ad::hessian(two_input_map, {a, B}), ad::ShapeError);  // three outputs
}

BOOST_AUTO_TEST_CASE(misuse_is_reported_with_shapes) {
  const ad::Tensor p{0.7, -1.3};
  BOOST_CHECK_THROW(ad::hessian(trig_map, p), ad::ShapeError);  // three outputs
  BOOST_CHECK_THROW(ad::hvp(trig, p, ad::Tensor{1.0, 2.0, 3.0}), ad::ShapeError);
  BOOST_CHECK_THROW(ad::jvp(trig_map, p, ad::Tensor{1.0}), ad::ShapeError);
  try {
    ad::hessian(trig_map, p);
  } catch (const ad::ShapeError& e) {
    BOOST_TEST(std::string(e.what()).find("hessian") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find("(3,)") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(gradcheck_accepts_right_and_rejects_wrong_derivatives) {
  const std::vector<ad::Tensor> points{ad::Tensor{0.7, -1.3}, ad::Tensor{1.1, 2.4}};
  BOOST_TEST(ad::gradcheck(trig, points));
  BOOST_TEST(ad::gradcheck(trig_map, points));
  BOOST_TEST(ad::gradcheck(densities, {ad::Tensor{1.7, 0.1}}));

  const auto square_with = [](double factor) {
    return [factor](const ad::Var& x) {
      return ad::apply(std::make_unique<BrokenSquare>(factor), {x});
    };
  };
  const std::vector<ad::Tensor> at_x{ad::Tensor{0.5, -1.5, 2.0}};
  BOOST_TEST(ad::gradcheck(square_with(2.0), at_x));   // the right derivative passes
  BOOST_TEST(!ad::gradcheck(square_with(3.0), at_x));  // the broken one is caught
  const ad::GradcheckReport report = ad::gradcheck_report(
      [&](const std::vector<ad::Var>& in) { return square_with(3.0)(in[0]); }, at_x);
  BOOST_TEST(!report.ok);
  BOOST_TEST(report.max_abs_error > 1.0);  // |3x − 2x| = 2 at x = 2
  BOOST_TEST(!report.message.empty());
  BOOST_TEST_MESSAGE("gradcheck on the broken square: " << report.message);
}

BOOST_AUTO_TEST_SUITE_END()
