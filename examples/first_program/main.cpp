#include <iostream>

#include <chainrule/autodiff.hpp>
namespace ad = chainrule::ad;

int main() {
  ad::Var W = ad::variable(ad::Tensor{{0.5, -1.0}, {2.0, 0.25}});  // requires a gradient
  // x holds a column per example; constants need no gradient
  ad::Var x = ad::constant(ad::Tensor{{1.0, 0.0, 2.0}, {0.5, 1.0, -1.0}});
  ad::Var cost = ad::sum(ad::square(ad::sigmoid(ad::matmul(W, x))));
  cost.backward();  // d cost / dW accumulates into W.grad()
  std::cout << cost << "\nd cost / dW =\n" << W.grad() << '\n';

  ad::Tensor H = ad::hessian([](const ad::Var& v) { return ad::sum(ad::exp(v) * v); },
                             ad::Tensor{0.1, 0.2});  // exact second derivatives
  std::cout << "Hessian of sum(exp(v) * v) at (0.1, 0.2) =\n" << H << '\n';
}
