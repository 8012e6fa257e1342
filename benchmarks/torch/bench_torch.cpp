// Measurement 5: LibTorch autograd (float64) on measurements 1, 3, 4 and 7, with the same data,
// networks and benchmark names as the chainrule programs (suffix `_Torch`), so the report can
// pair them. `--threads=N` sets LibTorch's and OpenBLAS's threads alike. Every network's
// gradient is compared with the fused manual code to 1e-12 before it is timed.
#include <benchmark/benchmark.h>

#include <cmath>
#include <set>
#include <span>
#include <utility>

#include "bench_support.hpp"
#include "manual_network.hpp"
#include "torch_network.hpp"

namespace bench = chainrule::bench;

namespace {

std::span<const double> view(const torch::Tensor& t) {
  return {t.data_ptr<double>(), static_cast<std::size_t>(t.numel())};
}

void cross_check(const bench::MlpData& data, const std::string& config) {
  bench::ManualNetwork manual(data);
  const double manual_cost = manual.gradient(data.x.data.data(), data.y.data.data());
  bench::TorchNetwork net(data);
  bench::check_close(config + ": LibTorch cost", net.gradient(), manual_cost, 1e-12);
  for (std::size_t l = 0; l < net.weights.size(); ++l) {
    bench::check_close(config + ": LibTorch dC/dW" + std::to_string(l + 1),
                       view(net.weights[l].grad().contiguous()), manual.grad_weights[l], 1e-12);
    bench::check_close(config + ": LibTorch dC/db" + std::to_string(l + 1),
                       view(net.biases[l].grad().contiguous()), manual.grad_biases[l], 1e-12);
  }
}

// --- 1: the assignment network ---------------------------------------------------------------
void BM_Assignment_Torch(benchmark::State& state) {
  bench::TorchNetwork net(bench::assignment_network());
  for (auto _ : state) benchmark::DoNotOptimize(net.gradient());
}
BENCHMARK(BM_Assignment_Torch);

void BM_AssignmentForward_Torch(benchmark::State& state) {
  bench::TorchNetwork net(bench::assignment_network());
  for (auto _ : state) benchmark::DoNotOptimize(net.forward());
}
BENCHMARK(BM_AssignmentForward_Torch);

// --- 3: scaling -----------------------------------------------------------------------------
bench::MlpData network_of(const benchmark::State& state) {
  return bench::scaling_network(static_cast<std::size_t>(state.range(0)),
                                static_cast<std::size_t>(state.range(1)));
}

void BM_Scaling_Torch(benchmark::State& state) {
  const bench::MlpData data = network_of(state);
  static std::set<std::pair<std::size_t, std::size_t>> checked;
  if (checked.insert({data.sizes[1], data.batch}).second) {
    cross_check(data, "scaling width " + std::to_string(data.sizes[1]) + " batch " +
                          std::to_string(data.batch));
  }
  bench::TorchNetwork net(data);
  for (auto _ : state) benchmark::DoNotOptimize(net.gradient());
}

void BM_ScalingForward_Torch(benchmark::State& state) {
  bench::TorchNetwork net(network_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(net.forward());
}

void scaling_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"width", "batch"})->ArgsProduct({{8, 32, 128, 512, 1024}, {1, 32, 256}});
  b->Unit(benchmark::kMicrosecond);
}
BENCHMARK(BM_Scaling_Torch)->Apply(scaling_args);
BENCHMARK(BM_ScalingForward_Torch)->Apply(scaling_args);

// --- 4: per-operation overhead ---------------------------------------------------------------
void BM_OpOverhead_Torch(benchmark::State& state) {
  const auto ops = static_cast<std::size_t>(state.range(0));
  const std::size_t steps = ops / 2;
  const auto width = static_cast<std::int64_t>(state.range(1));
  torch::Tensor x = torch::full({width}, 0.5, torch::kFloat64).requires_grad_(true);
  const auto chain = [&] {
    x.mutable_grad().reset();
    torch::Tensor v = x;
    for (std::size_t i = 0; i < steps; ++i) v = v * 0.999 + 0.001;
    v.sum().backward();
  };
  chain();
  bench::check_relative("overhead (LibTorch): gradient", x.grad()[0].item<double>(),
                        std::pow(0.999, static_cast<double>(steps)), 1e-9);
  for (auto _ : state) chain();
  state.counters["ns_per_op"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(2 * steps),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_OpOverhead_Torch)
    ->ArgNames({"ops", "elements"})
    ->Args({1000, 1})
    ->Args({1000, 16})
    ->Args({100000, 1})
    ->Args({100000, 16})
    ->Unit(benchmark::kMicrosecond);

// --- 7: the whole training -------------------------------------------------------------------
void BM_Training_Torch(benchmark::State& state) {
  const auto steps = static_cast<std::size_t>(state.range(0));
  const bench::MlpData data = bench::assignment_network();
  const auto [expected, tolerance] = bench::assignment_reference_cost(steps);
  for (auto _ : state) {
    bench::TorchNetwork net(data);
    for (std::size_t i = 0; i < steps; ++i) {
      net.gradient();
      net.descend(bench::assignment_aggression);
    }
    const double cost = net.forward();
    benchmark::DoNotOptimize(cost);
    bench::check_relative("training (LibTorch): cost after " + std::to_string(steps) + " steps",
                          cost, expected, tolerance);
  }
}
BENCHMARK(BM_Training_Torch)->ArgName("steps")->Arg(100)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  cross_check(bench::assignment_network(), "assignment");
  return bench::benchmark_main(argc, argv, bench::set_torch_threads);
}
