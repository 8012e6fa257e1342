// The residual Jacobian of Gauss–Newton and Levenberg–Marquardt on the heights fit (issue 14):
// r(μ, σ) = y − f(x; μ, σ) over the course's 100 bins, J (100 × 2) at (155, 6), built
//   - by reverse rows: one reverse sweep per residual (100 sweeps);
//   - by forward columns: one Jacobian–vector product per parameter (2 products over one
//     recording of r and of Jᵀv);
// and ten Gauss–Newton iterations' evaluations with each. The two Jacobians are compared
// (1e-13) before anything is timed. optim::JacobianMode::automatic picks the faster.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>

#include <xtensor/xadapt.hpp>

#include <chainrule/autodiff.hpp>
#include <chainrule/optim.hpp>

#include "bench_support.hpp"

namespace bench = chainrule::bench;
namespace ad = chainrule::ad;
namespace optim = chainrule::optim;

namespace {

optim::Problem heights_problem() {
  const bench::HeightsData h = bench::heights_data();
  const ad::Tensor x = xt::adapt(h.x, {h.x.size()});
  const ad::Tensor y = xt::adapt(h.y, {h.y.size()});
  return optim::Problem::least_squares([x, y](const ad::Var& theta) {
    const ad::Var mu = ad::slice(theta, 0, 0, 1);
    const ad::Var sigma = ad::slice(theta, 0, 1, 2);
    const ad::Var f = ad::exp(-ad::square(ad::constant(x) - mu) / (2.0 * ad::square(sigma))) /
                      (std::sqrt(2.0 * std::numbers::pi) * sigma);
    return ad::constant(y) - f;
  });
}

const ad::Tensor start{155.0, 6.0};

void cross_check() {
  optim::Evaluator rows(heights_problem(), optim::JacobianMode::reverse_rows);
  optim::Evaluator columns(heights_problem(), optim::JacobianMode::forward_columns);
  ad::Tensor r1, j1, r2, j2;
  rows.residual_and_jacobian(start, r1, j1);
  columns.residual_and_jacobian(start, r2, j2);
  for (std::size_t i = 0; i < j1.size(); ++i) {
    bench::check_relative("heights Jacobian entry", j2.data()[i], j1.data()[i], 1e-13);
  }
}

void BM_Jacobian(benchmark::State& state, optim::JacobianMode mode) {
  optim::Evaluator evaluator(heights_problem(), mode);
  ad::Tensor r, j;
  for (auto _ : state) {
    evaluator.residual_and_jacobian(start, r, j);
    benchmark::DoNotOptimize(j.data());
  }
}
BENCHMARK_CAPTURE(BM_Jacobian, ReverseRows, optim::JacobianMode::reverse_rows);
BENCHMARK_CAPTURE(BM_Jacobian, ForwardColumns, optim::JacobianMode::forward_columns);

// What ten Gauss–Newton iterations evaluate: a Jacobian and a cost with its gradient each.
void BM_GaussNewtonIterations(benchmark::State& state, optim::JacobianMode mode) {
  optim::Evaluator evaluator(heights_problem(), mode);
  ad::Tensor r, j, g;
  for (auto _ : state) {
    for (int k = 0; k < 10; ++k) {
      evaluator.residual_and_jacobian(start, r, j);
      benchmark::DoNotOptimize(evaluator.cost_and_gradient(start, g));
    }
  }
}
BENCHMARK_CAPTURE(BM_GaussNewtonIterations, ReverseRows, optim::JacobianMode::reverse_rows);
BENCHMARK_CAPTURE(BM_GaussNewtonIterations, ForwardColumns, optim::JacobianMode::forward_columns);

}  // namespace

int main(int argc, char** argv) {
  cross_check();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
