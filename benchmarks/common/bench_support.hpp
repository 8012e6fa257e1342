#pragma once
// What every benchmark program shares: the problems' data as plain row-major matrices (so the
// LibTorch programs need no xtensor), start-up cross-checks that abort on a mismatch, the
// BLAS thread count, and a main() that adds `--threads=N` to Google Benchmark's flags.

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chainrule::bench {

/// A dense row-major matrix of doubles: the exchange format between the implementations.
struct Matrix {
  std::size_t rows = 0, cols = 0;
  std::vector<double> data;

  Matrix() = default;
  Matrix(std::size_t r, std::size_t c, double fill = 0.0) : rows(r), cols(c), data(r * c, fill) {}
  double& operator()(std::size_t r, std::size_t c) { return data[r * cols + c]; }
  double operator()(std::size_t r, std::size_t c) const { return data[r * cols + c]; }
  std::size_t size() const { return data.size(); }
};

/// A sigmoid MLP sizes[0] → … → sizes.back() on a batch: W_l (out × in), b_l (out × 1),
/// inputs x (sizes[0] × batch, one column per sample), targets y (sizes.back() × batch).
/// The cost is C = Σ(a_L − y)² / batch.
struct MlpData {
  std::vector<std::size_t> sizes;
  std::size_t batch = 0;
  std::vector<Matrix> weights, biases;
  Matrix x, y;
};

/// Assignment 1: the 1 → 6 → 7 → 2 network from benchmarks/data/curve_init.json (the course's
/// reference initial weights) on the heart curve, x_i = i/100, batch 100.
MlpData assignment_network();

/// A random network of the given sizes and batch (normal(0, 0.5) entries, fixed seed).
MlpData random_network(std::vector<std::size_t> sizes, std::size_t batch, unsigned seed = 42);

/// The scaling benchmarks' network: 64 inputs → width → width → 10 outputs, all sigmoid.
inline constexpr std::size_t scaling_inputs = 64;
inline constexpr std::size_t scaling_outputs = 10;
MlpData scaling_network(std::size_t width, std::size_t batch);

/// Assignment 2's data: the course's histogram of heights (100 bins of width 2.5, normalised
/// to unit area), from benchmarks/data/heights.csv.
struct HeightsData {
  std::vector<double> x, y;  // bin centres, frequencies
};
HeightsData heights_data();

/// Reference values (from /work/shared/reference, numpy float64 with glibc's libm).
namespace reference {
inline constexpr double assignment_initial_cost = 0.1390843899304227;
/// Cost after 100 deterministic steps (before the chaotic region: agreement ≤ 1e-13).
inline constexpr double assignment_cost_after_100 = 0.10429280125319725;
/// Cost after 10 000 deterministic steps (aggression 3.5); implementations agree to ~1e-4
/// relative only (the run passes a chaotic spike near step 2850), so compare at 1e-3.
inline constexpr double assignment_cost_after_10000 = 0.002064339020788359;
inline constexpr double heights_mu = 155.0, heights_sigma = 6.0;
inline constexpr double heights_dchi2_dmu = -0.0004630331756624138;
inline constexpr double heights_dchi2_dsigma = -0.003659434813205727;
}  // namespace reference

inline constexpr double assignment_aggression = 3.5;

/// The reference cost after `steps` deterministic training steps of assignment 1 (100 or
/// 10 000) and the relative tolerance to compare with; aborts for other step counts.
std::pair<double, double> assignment_reference_cost(std::size_t steps);

/// Prints "bench: CROSS-CHECK FAILED: <what>" to stderr and aborts: nothing is timed when two
/// implementations disagree.
[[noreturn]] void fail(const std::string& what);

/// Aborts (through fail) unless |a_k − b_k| ≤ tolerance · max(1, |b_k|) for every k.
void check_close(std::string_view what, std::span<const double> a, std::span<const double> b,
                 double tolerance);
void check_close(std::string_view what, double a, double b, double tolerance);
/// Aborts unless |a − b| ≤ tolerance · |b|.
void check_relative(std::string_view what, double a, double b, double tolerance);

/// OpenBLAS's thread count (0 when the BLAS in use is not OpenBLAS), and setting it. Both go
/// through dlsym, so they work with whichever BLAS the program was linked against.
int blas_threads();
void set_blas_threads(int threads);

/// Memory of this process from /proc/self/status: resident set now (VmRSS) and its peak
/// (VmHWM), in KiB. `reset_peak_rss()` sets the peak back to the current resident set
/// (writes 5 to /proc/self/clear_refs; Linux ≥ 4.0) and returns false if the kernel refused.
long rss_kib();
long peak_rss_kib();
bool reset_peak_rss();

/// main() of every benchmark program: takes `--threads=N` (default 1) off the command line,
/// sets OpenBLAS to N threads and calls `set_threads(N)` (LibTorch's set_num_threads), records
/// the thread counts in the JSON context, and runs Google Benchmark with the other flags.
int benchmark_main(int argc, char** argv, const std::function<void(int)>& set_threads = {});

}  // namespace chainrule::bench
