// Numerical edge cases (issue 8): sigmoid and softplus stay finite and accurate at |z| = 800;
// exp overflow and division by zero give the IEEE infinities, which anomaly detection reports
// naming the operation (and lets pass silently when off). log(0), 0/0 and sqrt(0)'s backward are
// in tests/autodiff/errors_test.cpp; here only what it does not check: the signs.
#define BOOST_TEST_MODULE hardening_numerics
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <chainrule/autodiff.hpp>

#include "test_support.hpp"

namespace ad = chainrule::ad;
namespace tt = boost::test_tools;
using chainrule::test::FreshTape;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// σ(z) and σ'(z) = σ(z)(1 − σ(z)) in long double (64-bit mantissa, exponent range to 1e-4951),
// rounded once to double: the correctly rounded reference, including subnormal results.
double sigmoid_reference(double z) {
  return static_cast<double>(1.0L / (1.0L + std::exp(-static_cast<long double>(z))));
}
double sigmoid_derivative_reference(double z) {
  const long double e = std::exp(-std::fabs(static_cast<long double>(z)));
  return static_cast<double>(e / ((1.0L + e) * (1.0L + e)));
}

// |computed − reference| within a relative tolerance, or (results below DBL_MIN, where double
// has fewer digits than the tolerance asks for) within the smallest normal double.
bool close(double computed, double reference, double relative) {
  const double error = std::fabs(computed - reference);
  return error <= relative * std::fabs(reference) || error <= std::numeric_limits<double>::min();
}

// Runs f, which must throw AnomalyError whose message names `op` and `what`.
void expect_anomaly(const std::function<void()>& f, const std::string& op,
                    const std::string& what) {
  try {
    f();
    BOOST_ERROR("no AnomalyError for " << op << " (" << what << ")");
  } catch (const ad::AnomalyError& e) {
    const std::string message = e.what();
    BOOST_TEST_INFO("message: " << message);
    BOOST_TEST(message.find("'" + op + "'") != std::string::npos);
    BOOST_TEST(message.find(what) != std::string::npos);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(sigmoid_is_finite_and_accurate_at_large_arguments) {
  const std::vector<double> zs = {-800, -745, -720, -708, -700, -300, -40, -1, 0,
                                  1,    40,   300,  700,  708,  720,  745, 800};
  FreshTape t;
  ad::Tensor values = ad::Tensor::from_shape({zs.size()});
  std::copy(zs.begin(), zs.end(), values.begin());
  const ad::Var z = ad::variable(values);
  // Every value and gradient is finite: anomaly detection must stay silent.
  ad::AnomalyGuard on;
  const ad::Var s = ad::sigmoid(z);
  ad::sum(s).backward();
  for (std::size_t i = 0; i < zs.size(); ++i) {
    const double value = s.value()(i);
    const double grad = z.grad()(i);
    BOOST_TEST_INFO("z = " << zs[i] << ": sigma " << value << ", sigma' " << grad);
    BOOST_TEST(std::isfinite(value));
    BOOST_TEST((value >= 0.0 && value <= 1.0));
    BOOST_TEST(std::isfinite(grad));
    BOOST_TEST((grad >= 0.0 && grad <= 0.25));
    // The value is accurate everywhere (a few ulps), subnormal results to within DBL_MIN.
    BOOST_TEST(close(value, sigmoid_reference(zs[i]), 1e-15));
    // So is the gradient, computed as σ(z)·σ(−z): σ(1 − σ) would cancel for z ≫ 0.
    BOOST_TEST(close(grad, sigmoid_derivative_reference(zs[i]), 1e-14));
  }
  BOOST_TEST(s.value()(0) == 0.0);              // σ(−800) ≈ 3.6e-348 rounds to 0
  BOOST_TEST(s.value()(zs.size() - 1) == 1.0);  // σ(800) rounds to 1
  BOOST_TEST(s.value()(8) == 0.5);              // σ(0)
  BOOST_TEST(z.grad()(8) == 0.25);              // σ'(0)
  BOOST_TEST(s.value()(4) > 0.0);               // σ(−700) ≈ 9.9e-305 is a normal double
}

BOOST_AUTO_TEST_CASE(softplus_is_finite_and_accurate_at_large_arguments) {
  FreshTape t;
  const ad::Var z = ad::variable(ad::Tensor{-800.0, -40.0, 0.0, 40.0, 800.0});
  ad::AnomalyGuard on;
  const ad::Var s = ad::softplus(z);
  ad::sum(s).backward();
  BOOST_TEST(s.value()(0) == 0.0);
  BOOST_TEST(s.value()(1) == std::exp(-40.0), tt::tolerance(1e-15));  // log1p(e⁻⁴⁰)
  BOOST_TEST(s.value()(2) == std::log(2.0), tt::tolerance(1e-15));
  BOOST_TEST(s.value()(3) == 40.0);
  BOOST_TEST(s.value()(4) == 800.0);
  // d softplus / dz = σ(z).
  BOOST_TEST(z.grad()(0) == 0.0);
  BOOST_TEST(z.grad()(1) == std::exp(-40.0), tt::tolerance(1e-14));
  BOOST_TEST(z.grad()(2) == 0.5);
  BOOST_TEST(z.grad()(4) == 1.0);
}

BOOST_AUTO_TEST_CASE(infinities_have_the_right_sign_without_anomaly_detection) {
  FreshTape t;
  BOOST_TEST_REQUIRE(!ad::detect_anomaly());
  const ad::Var zero = ad::variable(ad::Tensor{0.0});
  const ad::Var l = ad::log(zero);
  BOOST_TEST(l.item() == -inf);
  ad::sum(l).backward();
  BOOST_TEST(zero.grad()(0) == inf);  // d log x / dx = 1/x at 0⁺
  zero.zero_grad();
  const ad::Var r = ad::sqrt(zero);
  BOOST_TEST(r.item() == 0.0);
  ad::sum(r).backward();
  BOOST_TEST(zero.grad()(0) == inf);  // 1/(2√x) at 0⁺
}

BOOST_AUTO_TEST_CASE(exp_overflow_is_inf_and_reported_by_anomaly_detection) {
  FreshTape t;
  const ad::Var big = ad::variable(ad::Tensor{1.0, 710.0});  // e^710 > DBL_MAX ≈ e^709.78
  {
    BOOST_TEST_REQUIRE(!ad::detect_anomaly());
    ad::Var e;
    BOOST_CHECK_NO_THROW(e = ad::exp(big));
    BOOST_TEST(e.value()(1) == inf);
    BOOST_CHECK_NO_THROW(ad::sum(e).backward());
    BOOST_TEST(big.grad()(1) == inf);
  }
  ad::AnomalyGuard on;
  expect_anomaly([&] { (void)ad::exp(big); }, "exp", "value");
}

BOOST_AUTO_TEST_CASE(division_by_zero_is_signed_inf_and_reported_by_anomaly_detection) {
  FreshTape t;
  const ad::Var x = ad::variable(ad::Tensor{1.0, -1.0});
  const ad::Var zero = ad::variable(ad::Tensor{0.0, 0.0});
  {
    BOOST_TEST_REQUIRE(!ad::detect_anomaly());
    ad::Var q;
    BOOST_CHECK_NO_THROW(q = x / zero);
    BOOST_TEST(q.value()(0) == inf);
    BOOST_TEST(q.value()(1) == -inf);
    BOOST_CHECK_NO_THROW(ad::sum(q).backward());
    BOOST_TEST(x.grad()(0) == inf);      // ∂(x/y)/∂x = 1/y
    BOOST_TEST(zero.grad()(0) == -inf);  // ∂(x/y)/∂y = −x/y²
    BOOST_TEST(zero.grad()(1) == inf);
  }
  ad::AnomalyGuard on;
  expect_anomaly([&] { (void)(x / zero); }, "div", "value");
  // A finite quotient whose gradient overflows is reported in the backward, as the gradient.
  x.zero_grad();
  const ad::Var tiny = ad::variable(ad::Tensor{1e-200, 1e-200});
  const ad::Var q = ad::sum(x / tiny);  // ±1e200: finite; ∂/∂y = −x/y² = ∓1e400: overflows
  expect_anomaly([&] { q.backward(); }, "div", "gradient");
}
