// The smallest useful chainrule program: one sigmoid layer, its cost, and the gradient of
// the cost with respect to the weights, compared with the derivative worked out by hand.
#include <cmath>
#include <iostream>

#include <chainrule/autodiff.hpp>
#include <cli.hpp>

namespace ad = chainrule::ad;

int demo() {
  // Layer a1 = σ(W·a0 + b) on a batch of three examples (one column each), cost C = Σ(a1 − y)².
  ad::Tensor w_value{{0.5, -1.0}, {2.0, 0.25}};
  ad::Tensor b_value{0.1, -0.2};
  b_value.reshape({2, 1});
  const ad::Tensor a0{{0.0, 0.5, 1.0}, {1.0, -0.5, 0.2}};
  const ad::Tensor y{{1.0, 0.0, 1.0}, {0.0, 1.0, 0.0}};

  ad::Var W = ad::variable(w_value);
  ad::Var b = ad::variable(b_value);
  ad::Var a1 = ad::sigmoid(ad::matmul(W, ad::constant(a0)) + b);
  ad::Var cost = ad::sum(ad::square(a1 - ad::constant(y)));
  cost.backward();

  std::cout << "cost C = " << cost.item() << "\n\n";
  std::cout << "dC/dW by autodiff   vs  by hand: Σ_batch 2(a1 − y)·σ'(z)·a0\n";
  for (std::size_t i = 0; i < 2; ++i) {
    for (std::size_t j = 0; j < 2; ++j) {
      double by_hand = 0.0;
      for (std::size_t k = 0; k < 3; ++k) {
        const double a = a1.value()(i, k);
        by_hand += 2.0 * (a - y(i, k)) * a * (1.0 - a) * a0(j, k);
      }
      std::cout << "  W[" << i << "][" << j << "]: " << W.grad()(i, j) << "  vs  " << by_hand
                << "\n";
      if (std::abs(W.grad()(i, j) - by_hand) > 1e-12) {
        throw std::runtime_error("autodiff and the hand derivation disagree");
      }
    }
  }
  std::cout << "dC/db = [" << b.grad()(0, 0) << ", " << b.grad()(1, 0) << "]\n";
  std::cout << "recorded " << ad::current_tape().size() << " nodes on the tape\n";
  return 0;
}

int main(int argc, char** argv) {
  CLI::App app{
      "One sigmoid layer: dC/dW by autodiff against the derivative worked out by hand.\n"
      "Exit codes: 0 they agree, 1 they disagree, 2 a usage error.",
      "gradient_demo"};
  return chainrule::examples::run("gradient_demo", app, argc, argv, demo);
}
