#include "torch_network.hpp"

namespace chainrule::bench {

torch::Tensor to_torch(const Matrix& m) {
  return torch::from_blob(const_cast<double*>(m.data.data()),
                          {static_cast<std::int64_t>(m.rows), static_cast<std::int64_t>(m.cols)},
                          torch::kFloat64)
      .clone();
}

TorchNetwork::TorchNetwork(const MlpData& data)
    : x(to_torch(data.x)), y(to_torch(data.y)), batch(data.batch) {
  for (std::size_t l = 0; l < data.weights.size(); ++l) {
    weights.push_back(to_torch(data.weights[l]).requires_grad_(true));
    biases.push_back(to_torch(data.biases[l]).requires_grad_(true));
  }
}

torch::Tensor TorchNetwork::cost() const {
  torch::Tensor a = x;
  for (std::size_t l = 0; l < weights.size(); ++l) {
    a = torch::sigmoid(torch::addmm(biases[l], weights[l], a));  // W·a + b, one operation
  }
  return (a - y).square().sum() / static_cast<double>(batch);
}

double TorchNetwork::gradient() {
  for (auto& w : weights) w.mutable_grad().reset();
  for (auto& b : biases) b.mutable_grad().reset();
  const torch::Tensor c = cost();
  c.backward();
  return c.item<double>();
}

double TorchNetwork::forward() { return cost().item<double>(); }

void TorchNetwork::descend(double rate) {
  torch::NoGradGuard no_grad;
  for (auto& w : weights) w.sub_(w.grad(), rate);
  for (auto& b : biases) b.sub_(b.grad(), rate);
}

void set_torch_threads(int threads) {
  torch::set_num_threads(threads);
  static bool interop_set = false;  // may be set only once, before any inter-op work
  if (!interop_set) {
    torch::set_num_interop_threads(1);
    interop_set = true;
  }
}

}  // namespace chainrule::bench
