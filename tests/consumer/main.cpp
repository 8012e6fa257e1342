#include <chainrule/autodiff.hpp>
#include <chainrule/nn.hpp>
#include <chainrule/optim.hpp>
#include <iostream>

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;

int main() {
  // The gradient of f(x) = Σ x² sin x at x = (1, 2): 2x sin x + x² cos x.
  ad::Var x = ad::variable(ad::Tensor{1.0, 2.0});
  ad::sum(ad::square(x) * ad::sin(x)).backward();
  std::cout << "gradient: " << x.grad()(0) << ' ' << x.grad()(1) << '\n';

  // A 1-8-1 network learns y = x² from five points, one column per example.
  ad::Tensor xs = {{-1.0, -0.5, 0.0, 0.5, 1.0}};
  ad::Tensor ys = xs * xs;
  nn::Sequential net = nn::mlp({1, 8, 1}, nn::Activation::tanh, nn::init::glorot_uniform(),
                               /*seed=*/1, /*output_activation=*/nn::Activation::identity);
  chainrule::optim::Adam adam(net.parameters(), /*learning_rate=*/0.05);
  double first = 0.0, last = 0.0;
  for (int step = 0; step < 200; ++step) {
    ad::current_tape().clear();  // forget the previous step's recording (its memory is reused)
    adam.zero_grad();
    ad::Var loss = nn::mse(net(ad::constant(xs)), ys);
    loss.backward();  // fills every parameter's grad()
    adam.step();
    (step == 0 ? first : last) = loss.item();
  }
  std::cout << "loss: " << first << " -> " << last << '\n';
  return last < first / 10 ? 0 : 1;
}
