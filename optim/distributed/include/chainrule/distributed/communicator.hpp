#pragma once
/// @file
/// `Environment` (MPI_Init / MPI_Finalize) and `Communicator`, the few collectives data-parallel
/// training needs, over contiguous double buffers.

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>

#include <mpi.h>

#include "chainrule/distributed/export.hpp"

namespace chainrule::distributed {

/// An MPI call failed; the message names the call and MPI's error string.
class CHAINRULE_DISTRIBUTED_EXPORT MpiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Initialises MPI for the process's lifetime of this object and finalises it at the end —
/// unless MPI was already initialised by someone else, whom finalising is then left to.
/// Errors of communicators are returned (and thrown as MpiError), not fatal.
class CHAINRULE_DISTRIBUTED_EXPORT Environment {
 public:
  Environment(int& argc, char**& argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

 private:
  bool owned_ = false;
};

/// A non-owning handle to an MPI communicator (MPI_COMM_WORLD by default). Collectives must be
/// called by every rank in the same order, with buffers of the same size.
class CHAINRULE_DISTRIBUTED_EXPORT Communicator {
 public:
  Communicator();  ///< MPI_COMM_WORLD
  explicit Communicator(MPI_Comm comm);

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }
  MPI_Comm native() const { return comm_; }

  /// In place: every rank's `data` becomes the element-wise sum over ranks. One MPI_Allreduce.
  void allreduce_sum(std::span<double> data) const;
  /// In place: the element-wise maximum over ranks (one MPI_Allreduce).
  void allreduce_max(std::span<double> data) const;
  /// `root`'s `data` copied to every rank. One MPI_Bcast.
  void broadcast(std::span<double> data, int root = 0) const;
  void barrier() const;

  /// How many all-reduces this handle (and its copies) has issued: one per training step.
  std::size_t allreduce_calls() const { return allreduce_calls_; }

 private:
  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
  mutable std::size_t allreduce_calls_ = 0;
};

}  // namespace chainrule::distributed
