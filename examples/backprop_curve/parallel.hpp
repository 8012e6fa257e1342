#pragma once
// --distributed: data-parallel training under mpirun. Every rank holds the whole network and
// trains on its shard of the points; one all-reduce per step turns the shard gradients
// (weighted by shard size) into the full-batch gradient, so every rank takes the same step
// (the stochastic optimizer's ξ too: every rank draws it from the same seed). Rank 0 alone
// logs and writes files. Without --distributed (or without MPI in the build) this is one
// process and every call is trivial.

#include <functional>
#include <memory>

#include "trainer.hpp"

namespace chainrule::curve {

class Parallel {
 public:
  /// Starts MPI when `distributed` (examples::UsageError if this build has no MPI).
  Parallel(bool distributed, int& argc, char**& argv);
  ~Parallel();
  Parallel(const Parallel&) = delete;
  Parallel& operator=(const Parallel&) = delete;

  bool distributed() const;
  /// Rank 0, or the only process: the one that logs and writes files.
  bool root() const;
  /// Gives this rank its shard of the points (before the trainer is built).
  void shard(TrainOptions& options) const;
  /// Every rank starts from rank 0's parameters and averages gradients at every step.
  void synchronise(CurveTrainer& trainer);
  /// Rank 0 runs `write` (a checkpoint); every rank waits and throws if it failed, so no rank
  /// runs on alone.
  void on_root(const std::function<void()>& write) const;
  /// Runs `body`; in a distributed run an exception is printed and ends the whole job
  /// (MPI_Abort: the other ranks may be waiting for this one in a collective).
  int run(const char* program, const std::function<int()>& body) const;

 private:
  struct Mpi;
  std::unique_ptr<Mpi> mpi_;
};

}  // namespace chainrule::curve
