// The all-reduce share of a data-parallel training step: the 1 → w → w → 2 sigmoid network on
// the 100-point batch, sharded over the ranks, for hidden widths w = 128 … 1024. Per step, each
// rank times its forward + backward on its shard, the GradientAverager's one MPI_Allreduce
// (w² + 5w + 2 gradient elements and the cost), and the optimizer step; the slowest rank's
// times count (a step waits for it). A barrier before the all-reduce (benchmark only) keeps
// the time spent waiting for the slower rank out of the all-reduce column.
//   mpirun -np 2 bench_allreduce [steps=200] [widths...]
// With --sizes, it times MPI_Allreduce alone over message sizes from 8 B to 32 MB and fits
// t(n) = A + B·n (least squares on relative error) to the medians and to the minima: the
// latency and bandwidth terms of the cost model (benchmarks/MPI.md):
//   mpirun -np 2 bench_allreduce --sizes [repetitions=30]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include <chainrule/autodiff.hpp>
#include <chainrule/distributed.hpp>
#include <chainrule/nn.hpp>
#include <chainrule/optim.hpp>
#include <xtensor/xview.hpp>

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;
namespace optim = chainrule::optim;
namespace distributed = chainrule::distributed;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Timing {
  double median, fastest;  // seconds
};

// The slowest rank's time for one in-place MPI_Allreduce (sum) of `count` doubles, over
// `repetitions` calls started together (barrier): median and minimum. On a shared machine the
// noise (a rank not scheduled) only adds, so the minimum is closest to the transport's cost.
Timing allreduce_seconds(const distributed::Communicator& comm, std::size_t count,
                         int repetitions) {
  std::vector<double> data(count, 1.0), times;
  for (int r = -2; r < repetitions; ++r) {  // 2 warm-up calls (connections, buffers)
    comm.barrier();
    const auto start = Clock::now();
    comm.allreduce_sum(data);
    double t = seconds_since(start);
    comm.allreduce_max(std::span<double>(&t, 1));
    if (r >= 0) times.push_back(t);
  }
  std::sort(times.begin(), times.end());
  return {times[times.size() / 2], times.front()};
}

// t(bytes) = A + B·bytes minimising the squared relative errors (so the small messages, which
// carry A, count as much as the large ones, which carry B).
struct Fit {
  double s00 = 0, s01 = 0, s11 = 0, r0 = 0, r1 = 0;  // normal equations, weight 1/t²
  void add(double bytes, double t) {
    const double w = 1.0 / (t * t);
    s00 += w, s01 += w * bytes, s11 += w * bytes * bytes, r0 += w * t, r1 += w * bytes * t;
  }
  void print(const char* which) const {
    const double det = s00 * s11 - s01 * s01;
    const double a = (r0 * s11 - r1 * s01) / det, b = (s00 * r1 - s01 * r0) / det;
    std::printf("fit of the %s: t = A + B*bytes, A = %.1f us, B = %.4f ns/byte (%.3f GB/s)\n",
                which, a * 1e6, b * 1e9, 1e-9 / b);
  }
};

int sweep_sizes(const distributed::Communicator& comm, int repetitions) {
  const std::size_t counts[] = {1, 16, 128, 1024, 8192, 65536, 524288, 4194304};
  Fit medians, minima;
  if (comm.is_root()) {
    std::printf("%d ranks, %d all-reduces per size up to 64 kB, fewer above\n%12s %11s %11s %10s\n",
                comm.size(), repetitions, "bytes", "median_us", "min_us", "GB/s(min)");
  }
  for (const std::size_t count : counts) {
    // Fewer repetitions of the large messages: their noise is relatively smaller.
    const double bytes = 8.0 * static_cast<double>(count);
    const int reps = std::max(5, static_cast<int>(repetitions * std::min(1.0, 65536.0 / bytes)));
    const Timing t = allreduce_seconds(comm, count, reps);
    medians.add(bytes, t.median);
    minima.add(bytes, t.fastest);
    if (comm.is_root()) {
      std::printf("%12.0f %11.1f %11.1f %10.3f\n", bytes, t.median * 1e6, t.fastest * 1e6,
                  bytes / t.fastest / 1e9);
    }
  }
  if (comm.is_root()) {
    medians.print("medians");
    minima.print("minima");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  distributed::Environment env(argc, argv);
  const distributed::Communicator comm;
  if (argc > 1 && std::string(argv[1]) == "--sizes") {
    const int repetitions = argc > 2 ? std::atoi(argv[2]) : 30;
    if (repetitions < 1) {
      std::fprintf(stderr, "usage: mpirun -np K bench_allreduce --sizes [repetitions >= 1]\n");
      return 2;
    }
    return sweep_sizes(comm, repetitions);
  }
  const int steps = argc > 1 ? std::atoi(argv[1]) : 200;
  std::vector<std::size_t> widths;
  for (int i = 2; i < argc; ++i) widths.push_back(std::strtoul(argv[i], nullptr, 10));
  if (widths.empty()) widths = {128, 256, 512, 1024};
  if (steps < 1) {
    std::fprintf(stderr, "usage: mpirun -np K bench_allreduce [steps >= 1] [widths...]\n");
    return 2;
  }

  constexpr std::size_t N = 100;
  ad::Tensor x = ad::Tensor::from_shape({1, N}), y = ad::Tensor::from_shape({2, N});
  for (std::size_t i = 0; i < N; ++i) {
    const double t = static_cast<double>(i) / N;
    x(0, i) = t;
    y(0, i) = 0.5 + 0.4 * std::sin(2 * std::numbers::pi * t);
    y(1, i) = 0.5 + 0.4 * std::cos(2 * std::numbers::pi * t);
  }
  const auto mine = distributed::shard(N, comm.size(), comm.rank(), 0);
  const ad::Tensor xs = xt::view(x, xt::all(), xt::keep(mine));
  const ad::Tensor ys = xt::view(y, xt::all(), xt::keep(mine));
  const double weight = static_cast<double>(mine.size()) / N;

  if (comm.is_root()) {
    std::printf("%d ranks, %d steps per width, %zu points (%zu on rank 0)\n", comm.size(), steps, N,
                mine.size());
    std::printf("%6s %10s %9s %11s %13s %10s %8s %8s %9s\n", "width", "elements", "MB/step",
                "compute_us", "allreduce_us", "step_us", "share", "GB/s", "wait_us");
  }
  for (const std::size_t w : widths) {
    nn::Sequential net = nn::mlp({1, w, w, 2}, nn::Activation::sigmoid, nn::init::normal(0.1), 1);
    optim::OptimizerOptions o;
    o.learning_rate = 0.1;
    auto opt = optim::make_optimizer("steepest", net.parameters(), o);
    distributed::broadcast_parameters(net.parameters(), comm);
    distributed::GradientAverager averager(net.parameters(), comm);
    ad::Tape tape;
    double t[4] = {0, 0, 0, 0};          // compute, all-reduce, optimizer step, barrier wait
    for (int s = -10; s < steps; ++s) {  // 10 warm-up steps
      const auto t0 = Clock::now();
      tape.clear();
      double cost = 0.0;
      {
        ad::TapeScope scope(tape);
        const ad::Var c = nn::squared_error_cost(net(ad::constant(xs)), ys);
        opt->zero_grad();
        c.backward();
        cost = c.item();
      }
      const auto t0b = Clock::now();
      comm.barrier();  // the benchmark only: separates waiting for the slower rank from the sum
      const auto t1 = Clock::now();
      averager.average(weight, cost);
      const auto t2 = Clock::now();
      opt->step();
      if (s >= 0) {
        t[0] += std::chrono::duration<double>(t1 - t0).count();
        t[1] += std::chrono::duration<double>(t2 - t1).count();
        t[2] += seconds_since(t2);
        t[3] += std::chrono::duration<double>(t1 - t0b).count();
      }
    }
    comm.allreduce_max(t);
    if (comm.is_root()) {
      const double per = 1e6 / steps;
      const double total = t[0] + t[1] + t[2];  // without the benchmark's barrier
      const double bytes = 8.0 * static_cast<double>(averager.elements() + 1);
      std::printf("%6zu %10zu %9.3f %11.1f %13.1f %10.1f %7.1f%% %8.2f %9.1f\n", w,
                  averager.elements(), bytes / 1e6, t[0] * per, t[1] * per, total * per,
                  100.0 * t[1] / total, bytes / (t[1] / steps) / 1e9, t[3] * per);
    }
  }
  return 0;
}
