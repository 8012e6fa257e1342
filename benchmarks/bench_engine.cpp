// Engine benchmarks: the assignment network's gradient, autodiff vs tuned manual backprop,
// and the overhead of recording one operation.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include <chainrule/autodiff.hpp>

#include "manual_network.hpp"

namespace ad = chainrule::ad;
using chainrule::bench::ManualNetwork;

namespace {

ad::Tensor random_tensor(std::vector<std::size_t> shape, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 0.5);
  ad::Tensor t(shape);
  for (double& v : t) v = normal(rng);
  return t;
}

struct Problem {
  std::vector<std::size_t> sizes;
  std::size_t batch;
  std::vector<ad::Parameter> weights, biases;
  ad::Tensor x, y;

  Problem(std::vector<std::size_t> s, std::size_t n) : sizes(std::move(s)), batch(n) {
    std::mt19937_64 rng(42);
    for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
      weights.emplace_back(random_tensor({sizes[l + 1], sizes[l]}, rng));
      biases.emplace_back(random_tensor({sizes[l + 1], 1}, rng));
    }
    x = random_tensor({sizes.front(), batch}, rng);
    y = random_tensor({sizes.back(), batch}, rng);
  }

  ad::Var cost() const {
    ad::Var a = ad::constant(x);
    for (std::size_t l = 0; l < weights.size(); ++l) {
      a = ad::sigmoid(ad::matmul(weights[l].var(), a) + biases[l].var());
    }
    return ad::sum(ad::square(a - ad::constant(y))) / static_cast<double>(batch);
  }

  ManualNetwork manual() const {
    ManualNetwork net(sizes, batch);
    std::vector<ad::Tensor> w, b;
    for (std::size_t l = 0; l < weights.size(); ++l) {
      w.push_back(weights[l].value());
      b.push_back(biases[l].value());
    }
    net.set_parameters(w, b);
    return net;
  }
};

// Refuses to time anything unless autodiff and the manual code agree to 1e-12.
void check_same_gradient(Problem& p) {
  ManualNetwork net = p.manual();
  net.gradient(p.x.data(), p.y.data());
  ad::current_tape().clear();
  for (auto& w : p.weights) w.zero_grad();
  for (auto& b : p.biases) b.zero_grad();
  p.cost().backward();
  for (std::size_t l = 0; l < p.weights.size(); ++l) {
    for (std::size_t k = 0; k < net.grad_weights[l].size(); ++k) {
      const double a = p.weights[l].grad().data()[k];
      const double m = net.grad_weights[l][k];
      if (std::abs(a - m) > 1e-12 * std::max(1.0, std::abs(m))) {
        throw std::runtime_error("bench: autodiff and manual gradients differ");
      }
    }
  }
  ad::current_tape().clear();
}

void BM_AssignmentManualFused(benchmark::State& state) {
  Problem p({1, 6, 7, 2}, 100);
  check_same_gradient(p);
  ManualNetwork net = p.manual();
  for (auto _ : state) benchmark::DoNotOptimize(net.gradient(p.x.data(), p.y.data()));
}
BENCHMARK(BM_AssignmentManualFused);

void BM_AssignmentAutodiff(benchmark::State& state) {
  Problem p({1, 6, 7, 2}, 100);
  check_same_gradient(p);
  ad::Tape& tape = ad::current_tape();
  for (auto _ : state) {
    tape.clear();
    ad::Var c = p.cost();
    c.backward();
    benchmark::DoNotOptimize(c.item());
  }
  tape.clear();
}
BENCHMARK(BM_AssignmentAutodiff);

void BM_AssignmentAutodiffForward(benchmark::State& state) {
  Problem p({1, 6, 7, 2}, 100);
  ad::Tape& tape = ad::current_tape();
  for (auto _ : state) {
    tape.clear();
    benchmark::DoNotOptimize(p.cost().item());
  }
  tape.clear();
}
BENCHMARK(BM_AssignmentAutodiffForward);

// A chain of elementwise ops on a tiny tensor: ns per recorded op (record + backward + clear).
// Each step `v * 0.999 + 0.001` records two operations.
void BM_OpOverhead(benchmark::State& state) {
  const auto length = static_cast<std::size_t>(state.range(0));
  const auto width = static_cast<std::size_t>(state.range(1));
  ad::Tape& tape = ad::current_tape();
  ad::Parameter x(ad::Tensor(std::vector<std::size_t>{width}, 0.5));
  for (auto _ : state) {
    tape.clear();
    ad::Var v = x.var();
    for (std::size_t i = 0; i < length; ++i) v = v * 0.999 + 0.001;
    ad::sum(v).backward();
  }
  tape.clear();
  state.counters["ns_per_op"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2.0 * static_cast<double>(length),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_OpOverhead)->Args({1000, 1})->Args({1000, 16})->Args({100000, 1});

}  // namespace

BENCHMARK_MAIN();
