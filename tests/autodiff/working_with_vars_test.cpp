// Everyday handling of Vars: element access, stopping gradients (NoGradGuard, detach, frozen
// parameters), the course's column and row vectors, and printing.
#define BOOST_TEST_MODULE working_with_vars
#include <boost/test/unit_test.hpp>

#include <sstream>

#include <xtensor/xbuilder.hpp>
#include <xtensor/xview.hpp>

#include <chainrule/autodiff.hpp>

#include "expect_ad.hpp"
#include "test_support.hpp"

namespace ad = chainrule::ad;
using namespace chainrule::test;

BOOST_FIXTURE_TEST_SUITE(working_with_vars, FreshTape)

BOOST_AUTO_TEST_CASE(at_is_a_differentiable_element) {
  const ad::Var W = ad::variable(ad::Tensor{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  const ad::Var w = W.at({1, -1});  // negative: from the end
  BOOST_TEST(w.dimension() == 0u);
  BOOST_TEST(w.item() == 6.0);
  (w * w).backward();
  BOOST_TEST((W.grad() == ad::Tensor{{0.0, 0.0, 0.0}, {0.0, 0.0, 12.0}}));

  const std::size_t i = 0;  // unsigned indices work as well as int literals
  BOOST_TEST(W.at({i, std::size_t{2}}).item() == 3.0);
  const ad::Var s = ad::variable(ad::Tensor(7.0));
  BOOST_TEST(s.at({}).item() == 7.0);  // a 0-d Var: no index

  // Orders 1–3 against finite differences, on random shapes and positions.
  Rng rng(5);
  for (const ad::Shape& shape : Shapes{{4}, {3, 2}, {2, 3, 2}}) {
    std::vector<std::ptrdiff_t> index;
    for (std::size_t e : shape) index.push_back(static_cast<std::ptrdiff_t>(rng() % e));
    expect_ad(
        "at",
        [&](const Vars& v) {
          if (index.size() == 1) return v[0].at({index[0]});
          if (index.size() == 2) return v[0].at({index[0], -1});
          return v[0].at({index[0], index[1], index[2]});
        },
        [&](const Tensors& t) {
          std::vector<std::size_t> position(index.begin(), index.end());
          if (position.size() == 2) position[1] = t[0].shape()[1] - 1;
          return ad::Tensor(t[0].element(position.begin(), position.end()));
        },
        {uniform(-2.0, 2.0)(rng, shape)});
  }
}

BOOST_AUTO_TEST_CASE(at_rejects_bad_indices_naming_index_and_shape) {
  const ad::Var W = ad::variable(xt::zeros<double>({2, 3}));
  BOOST_TEST(message_of([&] {
               (void)W.at({2, 0});
             }) == "chainrule: at: index (2, 0) is out of range for shape (2, 3)");
  BOOST_TEST(message_of([&] {
               (void)W.at({0, -4});
             }) == "chainrule: at: index (0, -4) is out of range for shape (2, 3)");
  BOOST_TEST(message_of([&] { (void)W.at({1}); }) ==
             "chainrule: at: index (1) has 1 entries for a Var of shape (2, 3) (one per "
             "dimension)");
  BOOST_TEST(message_of([&] {
               (void)W.at({SIZE_MAX, 0u});
             }) ==
             "chainrule: at: index (18446744073709551615, 0) is out of range for shape (2, 3)");
  BOOST_CHECK_THROW((void)ad::Var{}.at({0}), ad::TapeError);
}

BOOST_AUTO_TEST_CASE(no_grad_guard_records_constants_and_nests) {
  const ad::Var x = ad::variable(ad::Tensor{1.0, 2.0});
  BOOST_TEST(ad::grad_enabled());
  {
    ad::NoGradGuard no_grad;
    BOOST_TEST(!ad::grad_enabled());
    const ad::Var y = ad::sum(ad::exp(x));
    BOOST_TEST(!y.requires_grad());
    BOOST_TEST(ad::variable(ad::Tensor{1.0}).requires_grad());  // leaves keep theirs
    {
      ad::EnableGradGuard enable;
      BOOST_TEST(ad::sum(x).requires_grad());
      ad::NoGradGuard inner;
      BOOST_TEST(!ad::sum(x).requires_grad());
    }
    BOOST_TEST(!ad::grad_enabled());
    // The calculus functions differentiate what they record, whatever the caller's mode.
    const ad::Tensor h =
        ad::hessian([](const ad::Var& v) { return ad::sum(v * v * v); }, ad::Tensor{1.0, 2.0});
    BOOST_TEST((h == ad::Tensor{{6.0, 0.0}, {0.0, 12.0}}));
    BOOST_TEST(ad::gradcheck([](const ad::Var& v) { return ad::sin(v); }, {ad::Tensor{0.3}}));
  }
  BOOST_TEST(ad::grad_enabled());
  const ad::Var y = ad::sum(ad::exp(x));
  BOOST_TEST(y.requires_grad());
  y.backward();
  // exp runs a vector kernel: within 2 ulp of glibc, not always bit for bit.
  BOOST_TEST(x.grad()(0) == std::exp(1.0), boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(detach_stops_the_gradient_there) {
  const ad::Var x = ad::variable(ad::Tensor{3.0});
  const ad::Var fixed = ad::detach(x * x);  // 9, a constant
  BOOST_TEST(!fixed.requires_grad());
  BOOST_TEST(fixed.item() == 9.0);
  const ad::Var y = ad::sum(x * fixed);  // d/dx = 9, not 3x² = 27
  BOOST_TEST(ad::grad(y, {x})[0].value()(0) == 9.0);
  BOOST_CHECK_THROW(ad::detach(ad::Var{}), ad::TapeError);
}

BOOST_AUTO_TEST_CASE(a_frozen_parameter_gets_no_gradient) {
  ad::Parameter w(ad::Tensor{2.0}, "w");
  ad::Parameter b(ad::Tensor{1.0}, "b");
  BOOST_TEST(w.requires_grad());
  w.set_requires_grad(false);
  BOOST_TEST(!w.requires_grad());
  const ad::Var x = ad::constant(ad::Tensor{5.0});
  ad::sum(w.var() * x + b.var()).backward();
  BOOST_TEST(w.grad()(0) == 0.0);
  BOOST_TEST(b.grad()(0) == 1.0);
  w.set_requires_grad(true);
  ad::sum(w.var() * x).backward();
  BOOST_TEST(w.grad()(0) == 5.0);
}

BOOST_AUTO_TEST_CASE(columns_and_rows_have_the_course_shapes) {
  BOOST_TEST((ad::shape_of(ad::column({1.0, 2.0, 3.0})) == ad::Shape{3, 1}));
  BOOST_TEST((ad::shape_of(ad::row({1.0, 2.0, 3.0})) == ad::Shape{1, 3}));
  const ad::Tensor c = ad::column({1.0, 2.0});  // Tensor{{1.0}, {2.0}} would be ambiguous
  BOOST_TEST((c(0, 0) == 1.0 && c(1, 0) == 2.0));
  BOOST_TEST((ad::row(std::vector<double>{4.0, 5.0}) == ad::Tensor{{4.0, 5.0}}));
  BOOST_TEST((ad::shape_of(ad::column(std::vector<double>{})) == ad::Shape{0, 1}));
}

BOOST_AUTO_TEST_CASE(vars_print_their_operation_shape_and_values) {
  std::ostringstream out;
  out << ad::sigmoid(ad::variable(ad::column({0.0, 2.0})));
  BOOST_TEST(starts_with(out.str(), "Var sigmoid (2, 1), requires grad\n"), out.str());
  BOOST_TEST(contains(out.str(), "0.5"), out.str());
  BOOST_TEST(contains(out.str(), "0.880797"), out.str());

  std::ostringstream constant;
  constant << ad::constant(ad::Tensor{1.0, 2.0});
  BOOST_TEST(starts_with(constant.str(), "Var constant (2,)\n"), constant.str());

  std::ostringstream empty;
  empty << ad::Var{};
  BOOST_TEST(empty.str() == "Var (none: empty, or its tape was cleared or destroyed)");

  std::ostringstream tensor;  // Tensors print from chainrule's headers too
  tensor << ad::row({1.0, 2.0});
  BOOST_TEST(contains(tensor.str(), "1."), tensor.str());
}

BOOST_AUTO_TEST_SUITE_END()
