#pragma once
/// @file
/// chainrule::nn — modules, layers, losses, initialisers and checkpoints: everything in one
/// include.
///
/// Convention: activations are (features × batch), one column per example, and a dense layer
/// computes z = W·a + b with W (out × in) and b (out × 1), as the course writes it.

#include "chainrule/nn/batches.hpp"
#include "chainrule/nn/checkpoint.hpp"
#include "chainrule/nn/flat.hpp"
#include "chainrule/nn/init.hpp"
#include "chainrule/nn/json_depth.hpp"
#include "chainrule/nn/layers.hpp"
#include "chainrule/nn/loss.hpp"
#include "chainrule/nn/module.hpp"
#include "chainrule/nn/npy.hpp"
