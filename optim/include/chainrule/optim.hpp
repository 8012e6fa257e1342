#pragma once
/// @file
/// chainrule::optim — first-order optimizers over any list of ad::Parameter, learning-rate
/// schedules, function-based solvers (Newton, Gauss–Newton, Levenberg–Marquardt, line search,
/// minimize) and checkpoints with optimizer state: everything in one include.

#include "chainrule/optim/checkpoint.hpp"
#include "chainrule/optim/optimizer.hpp"
#include "chainrule/optim/schedule.hpp"
#include "chainrule/optim/solvers.hpp"
