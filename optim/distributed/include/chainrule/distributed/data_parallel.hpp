#pragma once
/// @file
/// Data-parallel training: every rank holds the same model, computes the gradient of its own
/// shard of the batch, and the ranks combine those gradients into the full-batch gradient with
/// one MPI_Allreduce over a single flat buffer per step.
///
///     distributed::Environment env(argc, argv);
///     distributed::Communicator comm;
///     auto mine = distributed::shard(n, comm.size(), comm.rank(), seed);   // my examples
///     distributed::broadcast_parameters(net.parameters(), comm);           // identical start
///     distributed::GradientAverager averager(net.parameters(), comm);
///     for (...) {
///       optimizer.zero_grad();
///       cost_of(net, mine).backward();                  // a mean over my shard
///       averager.average(double(mine.size()) / n);      // now the full-batch gradient
///       optimizer.step();                               // identical on every rank
///     }
///
/// Weighting: with a cost that is a mean over examples, J = (1/N) Σ_i ℓ_i, a rank holding n_r
/// examples computes ∇J_r = (1/n_r) Σ_{i∈r} ∇ℓ_i; with weights w_r = n_r / N,
/// Σ_r w_r ∇J_r = (1/N) Σ_i ∇ℓ_i = ∇J exactly, also when the shards differ in size.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <chainrule/autodiff/parameter.hpp>
#include <chainrule/nn/module.hpp>
#include <chainrule/optim/optimizer.hpp>

#include "chainrule/distributed/communicator.hpp"
#include "chainrule/distributed/export.hpp"

namespace chainrule::distributed {

/// The indices of `rank`'s shard of n examples among `ranks`: a permutation of 0..n-1 drawn
/// from `seed` (a fixed algorithm, the same on every platform), cut into `ranks` contiguous
/// blocks whose sizes differ by at most one (the first n mod ranks get one more); each shard
/// is returned in ascending order. The shards partition 0..n-1; the same (n, ranks, rank, seed)
/// gives the same shard everywhere. std::invalid_argument when ranks < 1 or rank is out of
/// range.
CHAINRULE_DISTRIBUTED_EXPORT std::vector<std::size_t> shard(std::size_t n, int ranks, int rank,
                                                            std::uint64_t seed);

/// Averages gradients across ranks with one MPI_Allreduce per call over a flat buffer that it
/// keeps (no allocation per step): packs w·grad of every parameter and w·cost, sums over ranks,
/// unpacks. The constructor checks (collectively) that every rank has the same number of
/// gradient elements.
class CHAINRULE_DISTRIBUTED_EXPORT GradientAverager {
 public:
  GradientAverager(std::vector<ad::Parameter> params, const Communicator& comm);

  /// Every parameter's grad() becomes Σ_r weight_r · grad_r; returns Σ_r weight_r · cost_r
  /// (the full-batch cost when cost_r is rank r's local mean and weight_r = n_r / N).
  double average(double weight, double local_cost = 0.0);

  std::size_t elements() const { return buffer_.size() - 1; }

 private:
  std::vector<ad::Parameter> params_;
  const Communicator* comm_;
  std::vector<double> buffer_;
};

/// One-shot GradientAverager(params, comm).average(weight, local_cost) (allocates its buffer).
CHAINRULE_DISTRIBUTED_EXPORT double average_gradients(const std::vector<ad::Parameter>& params,
                                                      const Communicator& comm, double weight,
                                                      double local_cost = 0.0);

/// Copies `root`'s parameter values to every rank: one MPI_Bcast over a flat buffer. Call it
/// once before training so every rank starts identical.
CHAINRULE_DISTRIBUTED_EXPORT void broadcast_parameters(const std::vector<ad::Parameter>& params,
                                                       const Communicator& comm, int root = 0);

/// optim::save_checkpoint by rank 0 only (atomic, as always); collective: every rank waits for
/// it and throws nn::CheckpointError when rank 0 failed, so no rank runs on alone.
CHAINRULE_DISTRIBUTED_EXPORT void save_checkpoint(
    const std::filesystem::path& dir, const nn::Module& module, const optim::Optimizer& optimizer,
    const std::map<std::string, std::string>& metadata, const Communicator& comm);

}  // namespace chainrule::distributed
