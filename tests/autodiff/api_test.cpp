// The public API as the core issue writes it, through the one umbrella header.
#define BOOST_TEST_MODULE autodiff_api
#include <boost/test/unit_test.hpp>

#include <chainrule/autodiff.hpp>

namespace ad = chainrule::ad;

BOOST_AUTO_TEST_CASE(api_as_documented_compiles_and_runs) {
  ad::current_tape().clear();
  ad::Var x = ad::variable(ad::Tensor{{1.0, 2.0}});  // a row: (1, 2)
  ad::Tensor column{0.5, -1.0, 2.0};
  column.reshape({3, 1});
  ad::Var W = ad::variable(column);                 // (3, 1)
  ad::Var b = ad::variable(ad::Tensor{0.1, -0.2});  // broadcasts along rows
  ad::Var c = ad::constant(ad::Tensor{3.0});
  BOOST_TEST(x.value()(0, 1) == 2.0);
  BOOST_TEST(x.grad().size() == 2u);
  BOOST_TEST((x.shape() == ad::Shape{1, 2}));

  ad::Var y = ad::sum(ad::sigmoid(ad::matmul(W, x) + b) * c);
  y.backward();
  std::vector<ad::Var> g = ad::grad(y, {x, W});
  auto g2 = ad::grad(y, {x}, {.create_graph = true});
  BOOST_TEST(g.size() == 2u);
  BOOST_TEST(g2.size() == 1u);
  for (std::size_t i = 0; i < 2; ++i) {
    BOOST_TEST(g[0].value()(0, i) == x.grad()(0, i), boost::test_tools::tolerance(1e-15));
  }

  ad::Tape& tape = ad::current_tape();
  BOOST_TEST(tape.size() > 0u);
  BOOST_TEST(tape.bytes() > 0u);
  tape.clear();
  BOOST_TEST(tape.size() == 0u);

  ad::Tape mine;
  {
    ad::TapeScope use(mine);
    ad::Var z = ad::variable(ad::Tensor{1.0, 2.0});
    BOOST_TEST(&z.tape() == &mine);
  }
  BOOST_TEST(mine.size() == 1u);
  BOOST_TEST(&ad::current_tape() == &tape);
}

BOOST_AUTO_TEST_CASE(gradient_of_sigmoid_layer_matches_hand_derivation) {
  ad::current_tape().clear();
  const ad::Tensor wv{{0.5, -1.0}, {2.0, 0.25}};
  ad::Tensor xv{1.0, 2.0};
  xv.reshape({2, 1});
  ad::Var W = ad::variable(wv);
  ad::Var x = ad::variable(xv);
  ad::Var y = ad::sum(ad::sigmoid(ad::matmul(W, x)));
  y.backward();
  for (std::size_t i = 0; i < 2; ++i) {
    const double z = wv(i, 0) * xv(0, 0) + wv(i, 1) * xv(1, 0);
    const double s = 1.0 / (1.0 + std::exp(-z));
    for (std::size_t j = 0; j < 2; ++j) {
      BOOST_TEST(W.grad()(i, j) == s * (1 - s) * xv(j, 0), boost::test_tools::tolerance(1e-14));
    }
  }
}
