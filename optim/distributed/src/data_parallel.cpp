#include "chainrule/distributed/data_parallel.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include <chainrule/nn/checkpoint.hpp>
#include <chainrule/nn/flat.hpp>
#include <chainrule/optim/checkpoint.hpp>

namespace chainrule::distributed {
namespace {

// SplitMix64: a fixed, portable generator, so shards do not depend on the standard library's
// distributions (whose algorithms are unspecified).
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uniform in [0, bound) without modulo bias (rejection).
std::uint64_t below(std::uint64_t bound, std::uint64_t& state) {
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  std::uint64_t r = 0;
  do r = splitmix64(state);
  while (r >= limit);
  return r % bound;
}

}  // namespace

std::vector<std::size_t> shard(std::size_t n, int ranks, int rank, std::uint64_t seed) {
  if (ranks < 1) throw std::invalid_argument("chainrule: shard: ranks must be at least 1");
  if (rank < 0 || rank >= ranks) {
    throw std::invalid_argument("chainrule: shard: rank " + std::to_string(rank) +
                                " is not in [0, " + std::to_string(ranks) + ")");
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::uint64_t state = seed;
  for (std::size_t i = n; i > 1; --i) {  // Fisher–Yates
    std::swap(order[i - 1], order[below(i, state)]);
  }
  const auto r = static_cast<std::size_t>(rank), k = static_cast<std::size_t>(ranks);
  const std::size_t base = n / k, extra = n % k;
  const std::size_t begin = r * base + std::min(r, extra);
  const std::size_t end = begin + base + (r < extra ? 1 : 0);
  std::vector<std::size_t> mine(order.begin() + static_cast<std::ptrdiff_t>(begin),
                                order.begin() + static_cast<std::ptrdiff_t>(end));
  std::sort(mine.begin(), mine.end());
  return mine;
}

GradientAverager::GradientAverager(std::vector<ad::Parameter> params, const Communicator& comm)
    : params_(std::move(params)), comm_(&comm), buffer_(nn::flat_size(params_) + 1) {
  // Mismatched buffers would make MPI_Allreduce read past one rank's end: refuse up front.
  double sizes[2] = {static_cast<double>(buffer_.size()), -static_cast<double>(buffer_.size())};
  comm.allreduce_max(sizes);
  if (sizes[0] != -sizes[1]) {
    throw std::invalid_argument(
        "chainrule: GradientAverager: the ranks' models differ in size (this rank has " +
        std::to_string(buffer_.size() - 1) + " gradient elements)");
  }
}

double GradientAverager::average(double weight, double local_cost) {
  const std::span<double> gradients = std::span<double>(buffer_).first(buffer_.size() - 1);
  nn::flatten_grad_into(params_, gradients);
  for (double& g : gradients) g *= weight;
  buffer_.back() = weight * local_cost;
  comm_->allreduce_sum(buffer_);  // the step's one message
  nn::unflatten_grad(gradients, params_);
  return buffer_.back();
}

double average_gradients(const std::vector<ad::Parameter>& params, const Communicator& comm,
                         double weight, double local_cost) {
  return GradientAverager(params, comm).average(weight, local_cost);
}

void broadcast_parameters(const std::vector<ad::Parameter>& params, const Communicator& comm,
                          int root) {
  std::vector<double> buffer(nn::flat_size(params));
  nn::flatten_into(params, buffer);
  comm.broadcast(buffer, root);
  nn::unflatten(std::span<const double>(buffer), params);
}

void save_checkpoint(const std::filesystem::path& dir, const nn::Module& module,
                     const optim::Optimizer& optimizer,
                     const std::map<std::string, std::string>& metadata, const Communicator& comm) {
  double failed = 0.0;
  std::string message;
  if (comm.is_root()) {
    try {
      optim::save_checkpoint(dir, module, optimizer, metadata);
    } catch (const std::exception& e) {
      failed = 1.0;
      message = e.what();
    }
  }
  comm.broadcast(std::span<double>(&failed, 1));
  if (failed != 0.0) {
    if (comm.is_root()) throw nn::CheckpointError(message);
    throw nn::CheckpointError("chainrule: rank 0 could not write the checkpoint '" + dir.string() +
                              "'");
  }
}

}  // namespace chainrule::distributed
