// The pkg-config half of the consumer test (run.cmake): compiled alone with
// `pkg-config --cflags --libs chainrule` and strict warnings, so every public header must compile
// warning-free in a user's program, and the flags must be enough to link and run. It also uses
// what only works when the right symbols are exported from a shared build: catching chainrule's
// exceptions, dynamic_cast to a layer type, deriving from ad::Function and nn::Module.
#include <chainrule/autodiff.hpp>
#include <chainrule/autodiff/graph.hpp>
#include <chainrule/nn.hpp>
#include <chainrule/optim.hpp>

#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;
namespace optim = chainrule::optim;

namespace {

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

struct Doubler : nn::Module {
  ad::Var forward(const ad::Var& input) const override { return 2.0 * input; }
  std::string name() const override { return "Doubler"; }
};

int failures = 0;

void check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok   " : "FAIL ") << what << '\n';
  if (!ok) ++failures;
}

}  // namespace

int main() {
  // A user-defined operation, its gradient and a gradient check.
  ad::Var x = ad::variable(ad::Tensor{0.5, -2.0});
  ad::sum(ad::apply(std::make_unique<Cube>(), {x})).backward();
  check(std::abs(x.grad()(1) - 12.0) < 1e-12, "d(x³)/dx through an ad::Function");
  check(ad::gradcheck([](const ad::Var& v) { return ad::sum(ad::tanh(v) * v); },
                      {ad::Tensor{0.3, -1.2}}),
        "gradcheck");

  // The graph view.
  std::ostringstream dot;
  ad::write_dot(dot, ad::sum(ad::exp(x)));
  check(dot.str().find("digraph") != std::string::npos, "write_dot");

  // Exceptions thrown inside the library, caught here by their own types.
  try {
    ad::matmul(ad::constant(ad::Tensor{1.0, 2.0}), ad::constant(ad::Tensor{{1.0, 2.0, 3.0}}));
    check(false, "ShapeError");
  } catch (const ad::ShapeError& e) {
    check(std::string(e.what()).find("matmul") != std::string::npos, "ShapeError caught");
  }
  try {
    nn::init::from_string("no-such-initializer");
    check(false, "NameError");
  } catch (const nn::NameError&) {
    check(true, "nn::NameError caught");
  }

  // Layers (one of them ours), a dynamic_cast through Sequential::at, an optimizer step.
  nn::Sequential net;
  net.emplace<nn::Linear>(2, 3, nn::init::glorot_uniform(), 7);
  net.emplace<Doubler>();
  net.emplace<nn::Tanh>();
  net.emplace<nn::Linear>(3, 1, nn::init::glorot_uniform(), 8);
  check(net.at<nn::Linear>(0).out_features() == 3, "Sequential::at<Linear>");
  const ad::Tensor input = {{1.0, 0.5}, {-1.0, 2.0}};  // two examples, one per column
  const ad::Tensor target = {{0.5, -0.5}};
  auto loss = [&] { return nn::mse(net(ad::constant(input)), target); };
  optim::SteepestDescent descent(net.parameters(), 0.1);
  const double before = loss().item();
  for (int step = 0; step < 20; ++step) {
    ad::current_tape().clear();
    descent.zero_grad();
    loss().backward();
    descent.step();
  }
  check(loss().item() < before, "steepest descent lowers the loss");

  return failures == 0 ? 0 : 1;
}
