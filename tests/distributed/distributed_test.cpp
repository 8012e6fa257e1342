// chainrule::distributed under mpirun (-np 2: equal shards, -np 3: unequal): shards partition
// the data deterministically; broadcast makes every rank identical; one all-reduce per step
// turns size-weighted shard gradients into the full-batch gradient (1e-12 relative); training
// data-parallel retraces the single-process cost trajectory; rank 0 alone writes checkpoints.
// Every rank checks; the exit code is non-zero when any rank failed. argv[1]: a scratch dir.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <set>
#include <string>

#include <chainrule/autodiff.hpp>
#include <chainrule/distributed.hpp>
#include <chainrule/nn.hpp>
#include <chainrule/optim.hpp>
#include <xtensor/xview.hpp>

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;
namespace optim = chainrule::optim;
namespace distributed = chainrule::distributed;

namespace {

int failures = 0;
int my_rank = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    ++failures;
    std::cerr << "rank " << my_rank << ": FAILED: " << what << '\n';
  }
}

constexpr std::size_t N = 101;  // odd: the shards differ in size for 2 ranks too

// A fixed regression set: 3 inputs, 2 outputs, N examples (columns).
void data(ad::Tensor& x, ad::Tensor& y) {
  x = ad::Tensor::from_shape({3, N});
  y = ad::Tensor::from_shape({2, N});
  for (std::size_t i = 0; i < N; ++i) {
    const double t = static_cast<double>(i) / N;
    x(0, i) = std::sin(7 * t);
    x(1, i) = std::cos(3 * t);
    x(2, i) = t - 0.5;
    y(0, i) = 0.5 + 0.4 * std::sin(11 * t);
    y(1, i) = 0.5 * t * t;
  }
}

ad::Tensor columns(const ad::Tensor& t, const std::vector<std::size_t>& keep) {
  return xt::view(t, xt::all(), xt::keep(keep));
}

double cost_and_gradient(const nn::Sequential& net, const ad::Tensor& x, const ad::Tensor& y) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var cost = nn::squared_error_cost(net(ad::constant(x)), y);
  for (ad::Parameter p : net.parameters()) p.zero_grad();
  cost.backward();
  return cost.item();
}

double relative_difference(const std::vector<ad::Parameter>& a, const std::vector<ad::Tensor>& b) {
  double diff = 0.0, scale = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    diff = std::max(diff, static_cast<double>(xt::amax(xt::abs(a[k].grad() - b[k]))()));
    scale = std::max(scale, static_cast<double>(xt::amax(xt::abs(b[k]))()));
  }
  return diff / scale;
}

void test_shard(const distributed::Communicator& comm) {
  for (int ranks : {1, 2, 3, 7}) {
    std::vector<std::size_t> all;
    for (int r = 0; r < ranks; ++r) {
      const auto mine = distributed::shard(N, ranks, r, 42);
      expect(mine == distributed::shard(N, ranks, r, 42), "shard is deterministic");
      expect(std::is_sorted(mine.begin(), mine.end()), "shard is ascending");
      const std::size_t size = mine.size();
      expect(size == N / ranks || size == N / ranks + 1, "shard sizes differ by at most one");
      all.insert(all.end(), mine.begin(), mine.end());
    }
    std::sort(all.begin(), all.end());
    std::vector<std::size_t> expected(N);
    std::iota(expected.begin(), expected.end(), std::size_t{0});
    expect(all == expected, "shards partition 0..N-1 for " + std::to_string(ranks) + " ranks");
  }
  expect(distributed::shard(N, 2, 0, 1) != distributed::shard(N, 2, 0, 2), "the seed matters");
  bool threw = false;
  try {
    distributed::shard(N, 2, 2, 0);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  expect(threw, "rank out of range is refused");
  expect(distributed::shard(N, comm.size(), comm.rank(), 7).size() >= N / comm.size(),
         "this rank has a shard");
}

void test_broadcast(const distributed::Communicator& comm) {
  // Different seeds: every rank starts different until the broadcast.
  nn::Sequential net = nn::mlp({3, 8, 2}, nn::Activation::tanh, nn::init::normal(0.5),
                               static_cast<std::uint64_t>(comm.rank()) + 1);
  const nn::Sequential reference =
      nn::mlp({3, 8, 2}, nn::Activation::tanh, nn::init::normal(0.5), 1);
  distributed::broadcast_parameters(net.parameters(), comm);
  const auto mine = net.parameters(), theirs = reference.parameters();
  for (std::size_t k = 0; k < mine.size(); ++k) {
    expect(mine[k].value() == theirs[k].value(), "parameters equal rank 0's after broadcast");
  }
}

void test_average(const distributed::Communicator& comm) {
  ad::Tensor x, y;
  data(x, y);
  nn::Sequential net = nn::mlp({3, 8, 2}, nn::Activation::tanh, nn::init::normal(0.5), 3);
  const double full_cost = cost_and_gradient(net, x, y);
  std::vector<ad::Tensor> full;
  for (const ad::Parameter& p : net.parameters()) full.push_back(p.grad());

  const auto mine = distributed::shard(N, comm.size(), comm.rank(), 5);
  const double local = cost_and_gradient(net, columns(x, mine), columns(y, mine));
  distributed::GradientAverager averager(net.parameters(), comm);
  const std::size_t before = comm.allreduce_calls();
  const double cost = averager.average(static_cast<double>(mine.size()) / N, local);
  expect(comm.allreduce_calls() == before + 1, "one all-reduce per step");
  const double rel = relative_difference(net.parameters(), full);
  expect(rel <= 1e-12, "averaged gradient equals the full-batch one (" + std::to_string(rel) + ")");
  expect(std::abs(cost - full_cost) <= 1e-12 * full_cost, "averaged cost equals the full one");

  // The one-shot function agrees.
  cost_and_gradient(net, columns(x, mine), columns(y, mine));
  distributed::average_gradients(net.parameters(), comm, static_cast<double>(mine.size()) / N);
  expect(relative_difference(net.parameters(), full) <= 1e-12, "average_gradients agrees");
}

void test_training(const distributed::Communicator& comm, const std::string& scratch) {
  ad::Tensor x, y;
  data(x, y);
  optim::OptimizerOptions o;
  o.learning_rate = 0.5;
  o.noise = 0.0;  // the noisy steps are chaotic: last-bit differences would grow (see below)
  o.seed = 9;
  // Reference: this rank trains alone on all N examples.
  nn::Sequential single = nn::mlp({3, 8, 2}, nn::Activation::tanh, nn::init::normal(0.5), 4);
  auto single_opt = optim::make_optimizer("stochastic", single.parameters(), o);
  nn::Sequential net = nn::mlp({3, 8, 2}, nn::Activation::tanh, nn::init::normal(0.5), 4);
  auto opt = optim::make_optimizer("stochastic", net.parameters(), o);
  const auto mine = distributed::shard(N, comm.size(), comm.rank(), 11);
  const ad::Tensor xs = columns(x, mine), ys = columns(y, mine);
  distributed::broadcast_parameters(net.parameters(), comm);
  distributed::GradientAverager averager(net.parameters(), comm);
  const double weight = static_cast<double>(mine.size()) / N;
  const std::size_t before = comm.allreduce_calls();
  double worst = 0.0;
  for (int step = 0; step < 200; ++step) {
    const double expected = cost_and_gradient(single, x, y);
    single_opt->step();
    const double got = averager.average(weight, cost_and_gradient(net, xs, ys));
    opt->step();
    worst = std::max(worst, std::abs(got - expected) / expected);
  }
  expect(comm.allreduce_calls() == before + 200, "200 steps, 200 all-reduces");

  // With noise, every rank still takes the very same steps (the same ξ from the same seed):
  // the ranks' parameters stay bitwise identical.
  o.noise = 1.0;
  auto noisy = optim::make_optimizer("stochastic", net.parameters(), o);
  for (int step = 0; step < 50; ++step) {
    averager.average(weight, cost_and_gradient(net, xs, ys));
    noisy->step();
  }
  std::vector<double> values;
  for (const ad::Parameter& p : net.parameters()) {
    values.insert(values.end(), p.value().begin(), p.value().end());
  }
  std::vector<double> high = values, low = values;
  for (double& v : low) v = -v;
  comm.allreduce_max(high);
  comm.allreduce_max(low);
  bool identical = true;
  for (std::size_t k = 0; k < values.size(); ++k) identical = identical && high[k] == -low[k];
  expect(identical, "with noise, every rank's parameters stay bitwise identical");
  expect(worst <= 1e-12,
         "cost trajectory equals the single-process one (" + std::to_string(worst) + ")");

  // Checkpoints: rank 0 writes, everyone returns; a failure reaches every rank.
  const std::filesystem::path dir = std::filesystem::path(scratch) / "checkpoint";
  distributed::save_checkpoint(dir, net, *opt, {{"step", "200"}}, comm);
  comm.barrier();
  expect(std::filesystem::exists(dir / "manifest.json"), "rank 0 wrote the checkpoint");
  bool threw = false;
  try {
    distributed::save_checkpoint(dir / "manifest.json" / "inside", net, *opt, {}, comm);
  } catch (const nn::CheckpointError&) {
    threw = true;
  }
  expect(threw, "a failed rank-0 checkpoint throws on every rank");
}

}  // namespace

int main(int argc, char** argv) {
  distributed::Environment env(argc, argv);
  const distributed::Communicator comm;
  my_rank = comm.rank();
  if (argc != 2) {
    std::cerr << "usage: mpirun -np K distributed_test <scratch-dir>\n";
    return 2;
  }
  try {
    if (comm.is_root()) {
      std::filesystem::remove_all(argv[1]);
      std::filesystem::create_directories(argv[1]);
    }
    comm.barrier();
    test_shard(comm);
    test_broadcast(comm);
    test_average(comm);
    test_training(comm, argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "rank " << my_rank << ": unexpected exception: " << e.what() << '\n';
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  double failed[1] = {static_cast<double>(failures)};
  comm.allreduce_max(failed);
  if (comm.is_root()) {
    std::cout << (failed[0] == 0 ? "all checks passed" : "FAILED") << " on " << comm.size()
              << " ranks\n";
  }
  return failed[0] == 0 ? 0 : 1;
}
