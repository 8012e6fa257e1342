#pragma once
/// @file
/// chainrule::distributed — data-parallel training over MPI: a communicator, deterministic
/// shards, gradient averaging in one all-reduce per step, parameter broadcast and rank-0
/// checkpoints. Optional: built only when MPI is found.

#include "chainrule/distributed/communicator.hpp"
#include "chainrule/distributed/data_parallel.hpp"
