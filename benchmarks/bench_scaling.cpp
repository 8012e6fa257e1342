// Measurement 3: how the cost grows. Sigmoid MLPs 64 → width → width → 10 (two hidden layers
// of `width`, a fixed 64 inputs, 10 outputs), widths {8, 32, 128, 512, 1024}, batches
// {1, 32, 256}: one gradient with chainrule autodiff and with the fused manual code, and the
// forward pass alone. Each configuration's two gradients are compared to 1e-12 before it is
// timed (abort on mismatch).
#include <benchmark/benchmark.h>

#include <set>
#include <span>
#include <utility>

#include "autodiff_network.hpp"
#include "bench_support.hpp"
#include "manual_network.hpp"

namespace bench = chainrule::bench;
namespace ad = chainrule::ad;

namespace {

bench::MlpData network_of(const benchmark::State& state) {
  return bench::scaling_network(static_cast<std::size_t>(state.range(0)),
                                static_cast<std::size_t>(state.range(1)));
}

void cross_check(const bench::MlpData& data) {
  static std::set<std::pair<std::size_t, std::size_t>> checked;
  if (!checked.insert({data.sizes[1], data.batch}).second) return;
  bench::ManualNetwork manual(data);
  const double manual_cost = manual.gradient(data.x.data.data(), data.y.data.data());
  bench::AutodiffNetwork autodiff(data);
  const double autodiff_cost = autodiff.gradient();
  const std::string config =
      "scaling width " + std::to_string(data.sizes[1]) + " batch " + std::to_string(data.batch);
  bench::check_close(config + ": cost", autodiff_cost, manual_cost, 1e-12);
  for (std::size_t l = 0; l < autodiff.weights.size(); ++l) {
    const ad::Tensor& gw = autodiff.weights[l].grad();
    const ad::Tensor& gb = autodiff.biases[l].grad();
    bench::check_close(config + ": dC/dW" + std::to_string(l + 1), {gw.data(), gw.size()},
                       manual.grad_weights[l], 1e-12);
    bench::check_close(config + ": dC/db" + std::to_string(l + 1), {gb.data(), gb.size()},
                       manual.grad_biases[l], 1e-12);
  }
  ad::current_tape().clear();
}

void BM_Scaling_ManualFused(benchmark::State& state) {
  const bench::MlpData data = network_of(state);
  cross_check(data);
  bench::ManualNetwork net(data);
  for (auto _ : state) {
    benchmark::DoNotOptimize(net.gradient(data.x.data.data(), data.y.data.data()));
  }
}

void BM_Scaling_Autodiff(benchmark::State& state) {
  const bench::MlpData data = network_of(state);
  cross_check(data);
  bench::AutodiffNetwork net(data);
  for (auto _ : state) benchmark::DoNotOptimize(net.gradient());
  ad::current_tape().clear();
}

void BM_ScalingForward_ManualFused(benchmark::State& state) {
  const bench::MlpData data = network_of(state);
  bench::ManualNetwork net(data);
  for (auto _ : state) {
    benchmark::DoNotOptimize(net.forward(data.x.data.data(), data.y.data.data()));
  }
}

void BM_ScalingForward_Autodiff(benchmark::State& state) {
  bench::AutodiffNetwork net(network_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(net.forward());
  ad::current_tape().clear();
}

void scaling_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"width", "batch"})->ArgsProduct({{8, 32, 128, 512, 1024}, {1, 32, 256}});
  b->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_Scaling_ManualFused)->Apply(scaling_args);
BENCHMARK(BM_Scaling_Autodiff)->Apply(scaling_args);
BENCHMARK(BM_ScalingForward_ManualFused)->Apply(scaling_args);
BENCHMARK(BM_ScalingForward_Autodiff)->Apply(scaling_args);

}  // namespace

int main(int argc, char** argv) { return bench::benchmark_main(argc, argv); }
