#pragma once
/// @file
/// chainrule's reverse-mode automatic differentiation: everything in one include.
/// (The Boost.Graph view lives in <chainrule/autodiff/graph.hpp>, kept apart because
/// Boost.Graph headers are slow to compile.)

#include "chainrule/autodiff/calculus.hpp"
#include "chainrule/autodiff/check.hpp"
#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/function.hpp"
#include "chainrule/autodiff/functional.hpp"
#include "chainrule/autodiff/grad_mode.hpp"
#include "chainrule/autodiff/ops.hpp"
#include "chainrule/autodiff/parameter.hpp"
#include "chainrule/autodiff/print.hpp"
#include "chainrule/autodiff/solvers.hpp"
#include "chainrule/autodiff/tape.hpp"
#include "chainrule/autodiff/tensor.hpp"
#include "chainrule/autodiff/var.hpp"
