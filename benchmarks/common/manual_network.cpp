#include "manual_network.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>

namespace chainrule::bench {

ManualNetwork::ManualNetwork(std::vector<std::size_t> layer_sizes, std::size_t batch_size)
    : sizes(std::move(layer_sizes)), batch(batch_size) {
  const std::size_t layers = sizes.size() - 1;
  weights.resize(layers);
  biases.resize(layers);
  grad_weights.resize(layers);
  grad_biases.resize(layers);
  activations.resize(layers + 1);
  deltas.resize(layers + 1);
  for (std::size_t l = 0; l < layers; ++l) {
    weights[l].assign(sizes[l + 1] * sizes[l], 0.0);
    grad_weights[l].assign(sizes[l + 1] * sizes[l], 0.0);
    biases[l].assign(sizes[l + 1], 0.0);
    grad_biases[l].assign(sizes[l + 1], 0.0);
  }
  for (std::size_t l = 0; l <= layers; ++l) {
    activations[l].assign(sizes[l] * batch, 0.0);
    deltas[l].assign(sizes[l] * batch, 0.0);
  }
}

ManualNetwork::ManualNetwork(const MlpData& data) : ManualNetwork(data.sizes, data.batch) {
  set_parameters(data.weights, data.biases);
}

void ManualNetwork::set_parameters(const std::vector<Matrix>& w, const std::vector<Matrix>& b) {
  for (std::size_t l = 0; l < weights.size(); ++l) {
    std::copy(w[l].data.begin(), w[l].data.end(), weights[l].begin());
    std::copy(b[l].data.begin(), b[l].data.end(), biases[l].begin());
  }
}

void ManualNetwork::descend(double rate) {
  for (std::size_t l = 0; l < weights.size(); ++l) {
    for (std::size_t k = 0; k < weights[l].size(); ++k) weights[l][k] -= rate * grad_weights[l][k];
    for (std::size_t k = 0; k < biases[l].size(); ++k) biases[l][k] -= rate * grad_biases[l][k];
  }
}

double ManualNetwork::forward(const double* x, const double* y) {
  const int n = static_cast<int>(batch);
  std::copy(x, x + sizes[0] * batch, activations[0].begin());
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    const int out = static_cast<int>(sizes[l + 1]);
    const int in = static_cast<int>(sizes[l]);
    double* z = activations[l + 1].data();
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, out, n, in, 1.0, weights[l].data(), in,
                activations[l].data(), n, 0.0, z, n);
    for (int i = 0; i < out; ++i) {
      const double bias = biases[l][static_cast<std::size_t>(i)];
      double* row = z + static_cast<std::ptrdiff_t>(i) * n;
      for (int k = 0; k < n; ++k) row[k] = 1.0 / (1.0 + std::exp(-(row[k] + bias)));
    }
  }
  const std::vector<double>& a = activations.back();
  double cost = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) cost += (a[k] - y[k]) * (a[k] - y[k]);
  return cost / static_cast<double>(batch);
}

double ManualNetwork::gradient(const double* x, const double* y) {
  const double cost = forward(x, y);
  const int n = static_cast<int>(batch);
  const std::size_t last = sizes.size() - 1;
  {  // δ_L = 2(a − y)/N · σ'(z) = 2(a − y)/N · a(1 − a)
    const std::vector<double>& a = activations[last];
    std::vector<double>& d = deltas[last];
    const double scale = 2.0 / static_cast<double>(batch);
    for (std::size_t k = 0; k < a.size(); ++k) d[k] = scale * (a[k] - y[k]) * a[k] * (1.0 - a[k]);
  }
  for (std::size_t l = last; l-- > 0;) {
    const int out = static_cast<int>(sizes[l + 1]);
    const int in = static_cast<int>(sizes[l]);
    const double* d = deltas[l + 1].data();
    // J_W = δ·aᵀ, J_b = Σ_batch δ
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, out, in, n, 1.0, d, n,
                activations[l].data(), n, 0.0, grad_weights[l].data(), in);
    for (int i = 0; i < out; ++i) {
      double total = 0.0;
      for (int k = 0; k < n; ++k) total += d[static_cast<std::ptrdiff_t>(i) * n + k];
      grad_biases[l][static_cast<std::size_t>(i)] = total;
    }
    if (l == 0) break;
    // δ_{l} = (Wᵀ·δ_{l+1}) · a_l(1 − a_l)
    double* prev = deltas[l].data();
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, n, out, 1.0, weights[l].data(), in, d,
                n, 0.0, prev, n);
    const std::vector<double>& a = activations[l];
    for (std::size_t k = 0; k < a.size(); ++k) prev[k] *= a[k] * (1.0 - a[k]);
  }
  return cost;
}

}  // namespace chainrule::bench
