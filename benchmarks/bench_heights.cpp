// Measurement 2: the heights fit (assignment 2). The gradient of
//   χ²(μ, σ) = Σ (y − f(x; μ, σ))²,  f = exp(−(x − μ)² / (2σ²)) / (√(2π) σ)
// over the course's 100-bin histogram, at the course's start (μ, σ) = (155, 6):
//   - manual, assignment style: the notebook's f, dfdmu, dfdsig in plain xtensor
//     (J = [−2(y − f)·dfdμ, −2(y − f)·dfdσ], f evaluated four times);
//   - manual, fused: one loop over the bins computing f and both derivatives;
//   - chainrule autodiff: record χ², backward.
// All three are compared with the reference Jacobian to 1e-12 before anything is timed.
#include <benchmark/benchmark.h>

#include <cmath>
#include <numbers>

#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>

#include <chainrule/autodiff.hpp>

#include "bench_support.hpp"

namespace bench = chainrule::bench;
namespace ad = chainrule::ad;

namespace {

using Tensor = ad::Tensor;
const double sqrt_2pi = std::sqrt(2.0 * std::numbers::pi);

struct Gradient {
  double dmu = 0.0, dsigma = 0.0;
};

// --- manual, assignment style (the notebook, line by line) ---------------------------------
Tensor f(const Tensor& x, double mu, double sig) {
  return xt::exp(-xt::pow(x - mu, 2) / (2 * sig * sig)) / sqrt_2pi / sig;
}
Tensor dfdmu(const Tensor& x, double mu, double sig) {
  return f(x, mu, sig) * (x - mu) / (sig * sig);
}
Tensor dfdsig(const Tensor& x, double mu, double sig) {
  return f(x, mu, sig) * (-1 / sig + xt::pow(x - mu, 2) / (sig * sig * sig));
}
Gradient notebook_gradient(const Tensor& x, const Tensor& y, double mu, double sig) {
  const Tensor r1 = -2 * (y - f(x, mu, sig));
  const Tensor r2 = -2 * (y - f(x, mu, sig));
  return {xt::linalg::vdot(r1, dfdmu(x, mu, sig)), xt::linalg::vdot(r2, dfdsig(x, mu, sig))};
}

// --- manual, fused ---------------------------------------------------------------------------
Gradient fused_gradient(const bench::HeightsData& h, double mu, double sigma) {
  Gradient g;
  const double inv_s = 1.0 / sigma;
  const double norm = inv_s / sqrt_2pi;
  for (std::size_t i = 0; i < h.x.size(); ++i) {
    const double u = (h.x[i] - mu) * inv_s;
    const double fi = norm * std::exp(-0.5 * u * u);
    const double r = -2.0 * (h.y[i] - fi) * fi * inv_s;
    g.dmu += r * u;                 // df/dμ = f (x − μ)/σ²
    g.dsigma += r * (u * u - 1.0);  // df/dσ = f ((x − μ)²/σ³ − 1/σ)
  }
  return g;
}

// --- chainrule autodiff ----------------------------------------------------------------------
struct AutodiffFit {
  ad::Parameter mu{Tensor(bench::reference::heights_mu)};
  ad::Parameter sigma{Tensor(bench::reference::heights_sigma)};
  Tensor x, y;

  explicit AutodiffFit(const bench::HeightsData& h)
      : x(xt::adapt(h.x, {h.x.size()})), y(xt::adapt(h.y, {h.y.size()})) {}

  Gradient gradient() {
    mu.zero_grad();
    sigma.zero_grad();
    ad::current_tape().clear();
    const ad::Var m = mu.var(), s = sigma.var();
    const ad::Var fx =
        ad::exp(-ad::square(ad::constant(x) - m) / (2.0 * ad::square(s))) / sqrt_2pi / s;
    ad::sum(ad::square(ad::constant(y) - fx)).backward();
    return {mu.grad()(), sigma.grad()()};
  }
};

void cross_check() {
  const bench::HeightsData h = bench::heights_data();
  const double mu = bench::reference::heights_mu, sigma = bench::reference::heights_sigma;
  const double ref_mu = bench::reference::heights_dchi2_dmu;
  const double ref_sigma = bench::reference::heights_dchi2_dsigma;
  const Tensor x = xt::adapt(h.x, {h.x.size()}), y = xt::adapt(h.y, {h.y.size()});
  const Gradient notebook = notebook_gradient(x, y, mu, sigma);
  const Gradient fused = fused_gradient(h, mu, sigma);
  AutodiffFit fit(h);
  const Gradient autodiff = fit.gradient();
  ad::current_tape().clear();
  bench::check_relative("heights: notebook dχ²/dμ", notebook.dmu, ref_mu, 1e-12);
  bench::check_relative("heights: notebook dχ²/dσ", notebook.dsigma, ref_sigma, 1e-12);
  bench::check_relative("heights: fused dχ²/dμ", fused.dmu, ref_mu, 1e-12);
  bench::check_relative("heights: fused dχ²/dσ", fused.dsigma, ref_sigma, 1e-12);
  bench::check_relative("heights: autodiff dχ²/dμ", autodiff.dmu, ref_mu, 1e-12);
  bench::check_relative("heights: autodiff dχ²/dσ", autodiff.dsigma, ref_sigma, 1e-12);
}

void BM_Heights_ManualNotebook(benchmark::State& state) {
  const bench::HeightsData h = bench::heights_data();
  const Tensor x = xt::adapt(h.x, {h.x.size()}), y = xt::adapt(h.y, {h.y.size()});
  for (auto _ : state) {
    benchmark::DoNotOptimize(notebook_gradient(x, y, 155.0, 6.0));
  }
}
BENCHMARK(BM_Heights_ManualNotebook);

void BM_Heights_ManualFused(benchmark::State& state) {
  const bench::HeightsData h = bench::heights_data();
  for (auto _ : state) benchmark::DoNotOptimize(fused_gradient(h, 155.0, 6.0));
}
BENCHMARK(BM_Heights_ManualFused);

void BM_Heights_Autodiff(benchmark::State& state) {
  AutodiffFit fit(bench::heights_data());
  for (auto _ : state) benchmark::DoNotOptimize(fit.gradient());
  ad::current_tape().clear();
}
BENCHMARK(BM_Heights_Autodiff);

}  // namespace

int main(int argc, char** argv) {
  cross_check();
  return bench::benchmark_main(argc, argv);
}
