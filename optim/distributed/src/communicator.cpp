#include "chainrule/distributed/communicator.hpp"

#include <climits>

namespace chainrule::distributed {
namespace {

void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw MpiError(std::string("chainrule: ") + call + ": " + std::string(text, text + length));
}

int count_of(std::span<double> data, const char* call) {
  if (data.size() > static_cast<std::size_t>(INT_MAX)) {
    throw MpiError(std::string("chainrule: ") + call + ": buffer of " +
                   std::to_string(data.size()) + " doubles exceeds MPI's int count");
  }
  return static_cast<int>(data.size());
}

}  // namespace

Environment::Environment(int& argc, char**& argv) {
  int initialised = 0;
  check(MPI_Initialized(&initialised), "MPI_Initialized");
  if (initialised) return;
  check(MPI_Init(&argc, &argv), "MPI_Init");
  owned_ = true;
  // Report errors as return codes (thrown as MpiError) rather than aborting the job.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

Environment::~Environment() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (owned_ && !finalised) MPI_Finalize();
}

Communicator::Communicator() : Communicator(MPI_COMM_WORLD) {}

Communicator::Communicator(MPI_Comm comm) : comm_(comm) {
  check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
}

void Communicator::allreduce_sum(std::span<double> data) const {
  const int count = count_of(data, "MPI_Allreduce");
  ++allreduce_calls_;
  check(MPI_Allreduce(MPI_IN_PLACE, data.data(), count, MPI_DOUBLE, MPI_SUM, comm_),
        "MPI_Allreduce");
}

void Communicator::allreduce_max(std::span<double> data) const {
  const int count = count_of(data, "MPI_Allreduce");
  ++allreduce_calls_;
  check(MPI_Allreduce(MPI_IN_PLACE, data.data(), count, MPI_DOUBLE, MPI_MAX, comm_),
        "MPI_Allreduce");
}

void Communicator::broadcast(std::span<double> data, int root) const {
  check(MPI_Bcast(data.data(), count_of(data, "MPI_Bcast"), MPI_DOUBLE, root, comm_), "MPI_Bcast");
}

void Communicator::barrier() const { check(MPI_Barrier(comm_), "MPI_Barrier"); }

}  // namespace chainrule::distributed
