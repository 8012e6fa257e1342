#include "autodiff_network.hpp"

#include <algorithm>

namespace chainrule::bench {

ad::Tensor to_tensor(const Matrix& m) {
  ad::Tensor t = ad::Tensor::from_shape({m.rows, m.cols});
  std::copy(m.data.begin(), m.data.end(), t.data());
  return t;
}

AutodiffNetwork::AutodiffNetwork(const MlpData& data)
    : x(to_tensor(data.x)), y(to_tensor(data.y)), batch(data.batch) {
  for (std::size_t l = 0; l < data.weights.size(); ++l) {
    weights.emplace_back(to_tensor(data.weights[l]));
    biases.emplace_back(to_tensor(data.biases[l]));
  }
}

ad::Var AutodiffNetwork::cost() const {
  ad::Var a = ad::constant(x);
  for (std::size_t l = 0; l < weights.size(); ++l) {
    a = ad::sigmoid(ad::linear(weights[l].var(), a, biases[l].var()));  // W·a + b
  }
  return ad::sum(ad::square(a - ad::constant(y))) / static_cast<double>(batch);
}

double AutodiffNetwork::gradient() {
  for (auto& w : weights) w.zero_grad();
  for (auto& b : biases) b.zero_grad();
  ad::current_tape().clear();
  const ad::Var c = cost();
  c.backward();
  return c.item();
}

double AutodiffNetwork::forward() {
  ad::current_tape().clear();
  return cost().item();
}

void AutodiffNetwork::descend(double rate) {
  const auto step = [rate](ad::Parameter& p) {
    double* v = p.value().data();
    const double* g = p.grad().data();
    for (std::size_t k = 0; k < p.size(); ++k) v[k] -= rate * g[k];
  };
  for (auto& w : weights) step(w);
  for (auto& b : biases) step(b);
}

}  // namespace chainrule::bench
