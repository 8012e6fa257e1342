#include "parallel.hpp"

#include <iostream>
#include <optional>
#include <span>

#include <spdlog/spdlog.h>
#include <cli.hpp>

#ifdef CHAINRULE_HAS_DISTRIBUTED
#include <chainrule/distributed.hpp>
#endif

namespace chainrule::curve {

#ifdef CHAINRULE_HAS_DISTRIBUTED
namespace distributed = chainrule::distributed;

struct Parallel::Mpi {
  distributed::Environment environment;
  distributed::Communicator comm;
  std::optional<distributed::GradientAverager> averager;
  Mpi(int& argc, char**& argv) : environment(argc, argv) {}
};

Parallel::Parallel(bool distributed, int& argc, char**& argv) {
  if (!distributed) return;
  mpi_ = std::make_unique<Mpi>(argc, argv);
  if (!mpi_->comm.is_root()) spdlog::set_level(spdlog::level::off);
}

void Parallel::shard(TrainOptions& o) const {
  if (mpi_) o.examples = distributed::shard(o.points, mpi_->comm.size(), mpi_->comm.rank(), o.seed);
}

void Parallel::synchronise(CurveTrainer& trainer) {
  if (!mpi_) return;
  const std::vector<ad::Parameter> params = trainer.optimizer().parameters();
  distributed::broadcast_parameters(params, mpi_->comm);
  mpi_->averager.emplace(params, mpi_->comm);
  const TrainOptions& o = trainer.options();
  const double weight = static_cast<double>(o.examples.size()) / static_cast<double>(o.points);
  trainer.set_gradient_hook(
      [this, weight](double cost) { return mpi_->averager->average(weight, cost); });
  spdlog::info("data-parallel over {} ranks: {} of {} points on rank 0", mpi_->comm.size(),
               o.examples.size(), o.points);
}

void Parallel::on_root(const std::function<void()>& write) const {
  if (!mpi_) return write();
  double failed = 0.0;
  std::string message;
  if (mpi_->comm.is_root()) {
    try {
      write();
    } catch (const std::exception& e) {
      failed = 1.0;
      message = e.what();
    }
  }
  mpi_->comm.broadcast(std::span<double>(&failed, 1));
  if (failed != 0.0) {
    throw std::runtime_error(mpi_->comm.is_root() ? message : "rank 0 could not write");
  }
}

int Parallel::run(const char* program, const std::function<int()>& body) const {
  if (!mpi_) return body();
  try {
    return body();
  } catch (const std::exception& e) {
    std::cerr << program << " (rank " << mpi_->comm.rank() << "): " << e.what() << '\n';
    MPI_Abort(MPI_COMM_WORLD, examples::exit_failure);
    return examples::exit_failure;
  }
}

bool Parallel::root() const { return !mpi_ || mpi_->comm.is_root(); }

#else  // a build without MPI

struct Parallel::Mpi {};

Parallel::Parallel(bool distributed, int&, char**&) {
  if (distributed) {
    throw examples::UsageError(
        "--distributed: this build has no MPI (chainrule::distributed is built when MPI is "
        "found)");
  }
}
void Parallel::shard(TrainOptions&) const {}
void Parallel::synchronise(CurveTrainer&) {}
void Parallel::on_root(const std::function<void()>& write) const { write(); }
int Parallel::run(const char*, const std::function<int()>& body) const { return body(); }
bool Parallel::root() const { return true; }

#endif

Parallel::~Parallel() = default;
bool Parallel::distributed() const { return mpi_ != nullptr; }

}  // namespace chainrule::curve
