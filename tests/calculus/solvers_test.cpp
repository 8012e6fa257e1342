// Newton–Raphson, Taylor models and Lagrange multipliers on the course's examples.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>

#include <xtensor/xbuilder.hpp>

#include <chainrule/autodiff.hpp>

#include "close.hpp"

namespace ad = chainrule::ad;
using chainrule::test::expect_close;

namespace {

ad::Var at(const ad::Var& v, std::size_t i) { return ad::slice(v, 0, i, i + 1); }

// The course's example: x³ − 2x + 2, one real root near −1.7693.
ad::Var course_cubic(const ad::Var& x) { return ad::pow(x, 3.0) - 2.0 * x + 2.0; }
constexpr double course_root = -1.7692923542386314;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(newton_raphson)

BOOST_AUTO_TEST_CASE(course_example_converges_from_minus_two) {
  const ad::NewtonResult r = ad::newton_raphson(course_cubic, -2.0);
  BOOST_TEST_MESSAGE(r.message);
  BOOST_TEST(r.converged);
  BOOST_TEST(r.status == ad::NewtonStatus::converged);
  BOOST_TEST(r.x.dimension() == 0u);
  // Stopped once |f| ≤ 1e-12, so x is within about 1e-12 / |f'(x)| of the root.
  BOOST_TEST(r.x() == course_root, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(std::abs(r.fx()) <= 1e-12);
  BOOST_TEST(r.iterations >= 3u);
  BOOST_TEST(r.iterations <= 8u);
  BOOST_TEST_REQUIRE(r.history.size() == r.iterations + 1);
  BOOST_TEST(r.history.front()() == -2.0);
  // By hand: x₁ = −2 − f(−2)/f′(−2) = −2 − (−2)/10 = −1.8.
  BOOST_TEST(r.history[1]() == -1.8, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(contains(r.message, "converged"));

  // Asking for |f| = 0 exactly: reached at iteration 5 here, the root to the last bit.
  const ad::NewtonResult exact = ad::newton_raphson(course_cubic, -2.0, {.tolerance = 0.0});
  BOOST_TEST(exact.converged);
  BOOST_TEST(exact.x() == course_root, boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(course_example_cycles_from_zero) {
  const ad::NewtonResult r = ad::newton_raphson(course_cubic, 0.0, {.max_iterations = 20});
  BOOST_TEST_MESSAGE(r.message);
  BOOST_TEST(!r.converged);
  BOOST_TEST(r.status == ad::NewtonStatus::max_iterations);
  BOOST_TEST(r.iterations == 20u);
  BOOST_TEST_REQUIRE(r.history.size() == 21u);
  for (std::size_t k = 0; k < r.history.size(); ++k) {
    BOOST_TEST(r.history[k]() == (k % 2 == 0 ? 0.0 : 1.0));  // 0 → 1 → 0 → ... exactly
  }
  BOOST_TEST(contains(r.message, "20 iterations"));
}

BOOST_AUTO_TEST_CASE(iteration_budget_is_respected) {
  const ad::NewtonResult r = ad::newton_raphson(course_cubic, -2.0, {.max_iterations = 2});
  BOOST_TEST(r.status == ad::NewtonStatus::max_iterations);
  BOOST_TEST(r.iterations == 2u);
}

BOOST_AUTO_TEST_CASE(zero_derivative_is_a_singular_jacobian) {
  const ad::NewtonResult r =
      ad::newton_raphson([](const ad::Var& x) { return ad::square(x) - 1.0; }, 0.0);
  BOOST_TEST_MESSAGE(r.message);
  BOOST_TEST(!r.converged);
  BOOST_TEST(r.status == ad::NewtonStatus::singular_jacobian);
  BOOST_TEST(r.iterations == 0u);
  BOOST_TEST(r.x() == 0.0);
  BOOST_TEST(contains(r.message, "derivative is 0"));
  BOOST_TEST(std::string(ad::to_string(r.status)) == "singular_jacobian");
}

BOOST_AUTO_TEST_CASE(cube_root_diverges) {
  // f(x) = ∛x: the Newton step is x ↦ −2x, away from the root at 0.
  const auto cube_root = [](const ad::Var& x) {
    return ad::sign(x) * ad::pow(ad::abs(x), 1.0 / 3.0);
  };
  const ad::NewtonResult r = ad::newton_raphson(cube_root, 1.0);
  BOOST_TEST_MESSAGE(r.message);
  BOOST_TEST(r.status == ad::NewtonStatus::diverged);
  BOOST_TEST(std::abs(r.x()) > 1e10);
  BOOST_TEST(r.history[3]() == -8.0, boost::test_tools::tolerance(1e-12));
  const ad::NewtonResult small =
      ad::newton_raphson(cube_root, 1.0, {.divergence_threshold = 100.0});
  BOOST_TEST(small.status == ad::NewtonStatus::diverged);
  BOOST_TEST(small.iterations == 7u);  // |x₇| = 128
}

BOOST_AUTO_TEST_CASE(leaving_the_domain_is_non_finite) {
  // log from 3: x₁ = 3 − 3·log 3 < 0, where log is NaN.
  const ad::NewtonResult r = ad::newton_raphson([](const ad::Var& x) { return ad::log(x); }, 3.0);
  BOOST_TEST_MESSAGE(r.message);
  BOOST_TEST(r.status == ad::NewtonStatus::non_finite);
  BOOST_TEST(r.iterations == 1u);
  BOOST_TEST(std::isnan(r.fx()));
  // A start that is not a number is refused before f is called.
  const ad::NewtonResult nan = ad::newton_raphson(course_cubic, std::nan(""));
  BOOST_TEST(nan.status == ad::NewtonStatus::non_finite);
  BOOST_TEST(nan.iterations == 0u);
  BOOST_TEST(std::isnan(nan.fx()));
  // And from 0.5 it converges to 1.
  const ad::NewtonResult ok = ad::newton_raphson([](const ad::Var& x) { return ad::log(x); }, 0.5);
  BOOST_TEST(ok.converged);
  BOOST_TEST(ok.x() == 1.0, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(vector_system_keeps_the_shape_of_x0) {
  // x² + y² = 4, xy = 1, from a column (2, 1): root (1.9318516526, 0.5176380902).
  const auto system = [](const ad::Var& v) {
    const ad::Var x = ad::rows(v, 0, 1), y = ad::rows(v, 1, 2);
    return ad::concatenate({ad::square(x) + ad::square(y) - 4.0, x * y - 1.0});
  };
  ad::Tensor x0{2.0, 0.5};
  x0.reshape({2, 1});
  const ad::NewtonResult r = ad::newton_raphson(system, x0);
  BOOST_TEST_MESSAGE(r.message);
  BOOST_TEST(r.converged);
  BOOST_TEST((ad::shape_of(r.x) == ad::Shape{2, 1}));
  const double x = std::sqrt(2.0 + std::sqrt(3.0)), y = 1.0 / x;
  BOOST_TEST(r.x(0, 0) == x, boost::test_tools::tolerance(1e-13));
  BOOST_TEST(r.x(1, 0) == y, boost::test_tools::tolerance(1e-13));

  // Where the two gradients are parallel (x = y), the Jacobian is singular.
  ad::Tensor diagonal{1.0, 1.0};
  diagonal.reshape({2, 1});
  BOOST_TEST(ad::newton_raphson(system, diagonal).status == ad::NewtonStatus::singular_jacobian);
}

BOOST_AUTO_TEST_CASE(non_square_systems_are_refused) {
  const auto three_outputs = [](const ad::Var& v) { return ad::concatenate({v, at(v, 0)}); };
  try {
    ad::newton_raphson(three_outputs, ad::Tensor{1.0, 2.0});
    BOOST_ERROR("expected a ShapeError");
  } catch (const ad::ShapeError& e) {
    BOOST_TEST_MESSAGE(e.what());
    BOOST_TEST(contains(e.what(), "newton_raphson"));
    BOOST_TEST(contains(e.what(), "(2,)"));
    BOOST_TEST(contains(e.what(), "(3,)"));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(taylor)

// f(x, y) = eˣ sin y + x²y
ad::Var smooth(const ad::Var& v) {
  const ad::Var x = at(v, 0), y = at(v, 1);
  return ad::exp(x) * ad::sin(y) + ad::square(x) * y;
}

BOOST_AUTO_TEST_CASE(coefficients_are_value_gradient_and_hessian) {
  const double x = 0.3, y = 0.7;
  const ad::TaylorModel t = ad::taylor(smooth, ad::Tensor{x, y});
  BOOST_TEST(t.order == 2);
  BOOST_TEST(t.value == std::exp(x) * std::sin(y) + x * x * y, boost::test_tools::tolerance(1e-15));
  expect_close(t.gradient,
               ad::Tensor{std::exp(x) * std::sin(y) + 2 * x * y, std::exp(x) * std::cos(y) + x * x},
               1e-14, "gradient");
  const double xy = std::exp(x) * std::cos(y) + 2 * x;
  expect_close(
      t.hessian,
      ad::Tensor{{std::exp(x) * std::sin(y) + 2 * y, xy}, {xy, -std::exp(x) * std::sin(y)}}, 1e-14,
      "hessian");
  BOOST_TEST(t(ad::Tensor{x, y}) == t.value);

  const ad::TaylorModel first = ad::taylor(smooth, ad::Tensor{x, y}, 1);
  BOOST_TEST(first.hessian.size() == 0u);
  BOOST_CHECK_THROW(first.evaluate(ad::Tensor{x, y}, 2), ad::Error);
  BOOST_CHECK_THROW(ad::taylor(smooth, ad::Tensor{x, y}, 3), ad::Error);
}

BOOST_AUTO_TEST_CASE(one_variable_model_of_cosine) {
  const ad::TaylorModel t = ad::taylor([](const ad::Var& v) { return ad::cos(v); }, 0.0);
  BOOST_TEST(t.value == 1.0);
  BOOST_TEST(t.gradient() == 0.0, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(t.hessian(0, 0) == -1.0, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(t(0.1) == 1.0 - 0.005, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(t.evaluate(0.1, 1) == 1.0, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(t.evaluate(0.1, 0) == 1.0);
}

BOOST_AUTO_TEST_CASE(error_shrinks_like_step_to_the_order_plus_one) {
  const ad::Tensor a{0.3, 0.7};
  const ad::Tensor direction{0.8, -0.6};
  const ad::TaylorModel t = ad::taylor(smooth, a);
  const auto f = [](const ad::Tensor& p) {
    return std::exp(p(0)) * std::sin(p(1)) + p(0) * p(0) * p(1);
  };
  for (int order : {0, 1, 2}) {
    double previous = 0.0;
    for (double h : {0.08, 0.04, 0.02, 0.01}) {
      const ad::Tensor p = a + h * direction;
      const double error = std::abs(f(p) - t.evaluate(p, order));
      if (previous > 0.0) {
        // Halving the step divides the error by about 2^(order + 1).
        const double ratio = previous / error;
        const double expected = std::pow(2.0, order + 1);
        BOOST_TEST_MESSAGE("order " << order << ", h " << h << ": ratio " << ratio);
        BOOST_TEST(ratio > 0.8 * expected);
        BOOST_TEST(ratio < 1.2 * expected);
      }
      previous = error;
    }
  }
}

BOOST_AUTO_TEST_CASE(shapes_are_checked) {
  const ad::TaylorModel t = ad::taylor(smooth, ad::Tensor{0.3, 0.7});
  BOOST_CHECK_THROW(t(ad::Tensor{1.0, 2.0, 3.0}), ad::ShapeError);
  BOOST_CHECK_THROW(t(0.5), ad::ShapeError);  // a number for a two-variable model
  try {
    ad::taylor([](const ad::Var& v) { return v * 2.0; }, ad::Tensor{1.0, 2.0});
    BOOST_ERROR("expected a ShapeError");
  } catch (const ad::ShapeError& e) {
    BOOST_TEST(contains(e.what(), "taylor"));
    BOOST_TEST(contains(e.what(), "(2,)"));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lagrange)

// Course example: extremise x²y on the circle x² + y² = a².
ad::Var x2y(const ad::Var& v) { return ad::square(at(v, 0)) * at(v, 1); }
ad::Function1 circle(double radius) {
  return [radius](const ad::Var& v) { return ad::sum(ad::square(v)) - radius * radius; };
}

BOOST_AUTO_TEST_CASE(course_example_on_the_unit_circle) {
  const double a = 1.0;
  const ad::LagrangeResult max = ad::lagrange_multipliers(x2y, circle(a), ad::Tensor{0.8, 0.5});
  BOOST_TEST_MESSAGE(max.message);
  BOOST_TEST_REQUIRE(max.converged);
  BOOST_TEST(max.x(0) == std::sqrt(2.0 / 3.0), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(max.x(1) == 1.0 / std::sqrt(3.0), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(max.value == 2.0 / (3.0 * std::sqrt(3.0)), boost::test_tools::tolerance(1e-12));
  BOOST_TEST_REQUIRE(max.lambda.size() == 1u);
  BOOST_TEST(max.lambda(0) == 1.0 / std::sqrt(3.0), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(std::abs(max.constraint(0)) < 1e-12);
  // ∇f = λ∇g, checked with the library's own gradients.
  expect_close(ad::jacobian(x2y, max.x), max.lambda(0) * ad::jacobian(circle(a), max.x), 1e-12,
               "grad f = lambda grad g");

  // From the opposite quadrant: the minimum −2/(3√3) at (−√(2/3), −1/√3).
  const ad::LagrangeResult min = ad::lagrange_multipliers(x2y, circle(a), ad::Tensor{-0.8, -0.5});
  BOOST_TEST_REQUIRE(min.converged);
  BOOST_TEST(min.x(1) == -1.0 / std::sqrt(3.0), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(min.value == -2.0 / (3.0 * std::sqrt(3.0)), boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(course_example_scales_with_the_radius) {
  const double a = 2.0;
  const ad::LagrangeResult r =
      ad::lagrange_multipliers(x2y, circle(a), ad::Tensor{1.5, 1.0}, {.lambda0 = {1.0}});
  BOOST_TEST_REQUIRE(r.converged);
  BOOST_TEST(r.x(0) == a * std::sqrt(2.0 / 3.0), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.x(1) == a / std::sqrt(3.0), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.value == 2.0 * a * a * a / (3.0 * std::sqrt(3.0)),
             boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(two_constraints) {
  // min |x|² subject to x₀ + x₁ + x₂ = 1 and x₀ = x₁: x = (1/3, 1/3, 1/3), λ = (2/3, 0).
  const auto norm2 = [](const ad::Var& v) { return ad::sum(ad::square(v)); };
  const auto constraints = [](const ad::Var& v) {
    return ad::concatenate({ad::reshape(ad::sum(v) - 1.0, {1}), at(v, 0) - at(v, 1)});
  };
  const ad::LagrangeResult r =
      ad::lagrange_multipliers(norm2, constraints, ad::Tensor{1.0, -2.0, 0.5});
  BOOST_TEST_MESSAGE(r.message);
  BOOST_TEST_REQUIRE(r.converged);
  expect_close(r.x, ad::Tensor{1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-12, "x");
  expect_close(r.lambda, ad::Tensor{2.0 / 3, 0.0}, 1e-12, "lambda");
  BOOST_TEST(r.iterations <= 2u);  // a quadratic with linear constraints: one Newton step
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused) {
  BOOST_CHECK_THROW(
      ad::lagrange_multipliers(x2y, circle(1.0), ad::Tensor{0.8, 0.5}, {.lambda0 = {1.0, 2.0}}),
      ad::ShapeError);
  BOOST_CHECK_THROW(ad::lagrange_multipliers([](const ad::Var& v) { return v; }, circle(1.0),
                                             ad::Tensor{0.8, 0.5}),
                    ad::ShapeError);
}

BOOST_AUTO_TEST_SUITE_END()
