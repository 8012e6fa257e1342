// The examples of the chainrule::ad reference pages (pulled in with @snippet), each a function
// that checks what it computes; docs_examples_autodiff runs them all.
#include <chainrule/autodiff.hpp>
#include <chainrule/autodiff/graph.hpp>

#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "check.hpp"

namespace ad = chainrule::ad;
using docs::check;
using docs::close;

namespace {

void variable_and_backward() {
  // [variable]
  ad::Var x = ad::variable(ad::Tensor{1.0, 2.0, 3.0});  // a leaf that needs a gradient
  ad::Var y = ad::sum(ad::square(x));                   // y = Σ x², recorded on the tape
  y.backward();                                         // dy/dx accumulates into x.grad()
  // x.grad() == {2, 4, 6}
  // [variable]
  check(close(x.grad(), {2.0, 4.0, 6.0}), "variable: x.grad()");
}

void constant() {
  // [constant]
  ad::Var w = ad::variable(ad::Tensor{0.5, -1.0});
  ad::Var data = ad::constant(ad::Tensor{3.0, 4.0});  // recorded, but needs no gradient
  ad::sum(w * data).backward();
  // w.grad() == {3, 4}; data.requires_grad() == false
  // [constant]
  check(close(w.grad(), {3.0, 4.0}) && !data.requires_grad(), "constant");
}

void backward_with_seed() {
  // [backward]
  ad::Var x = ad::variable(ad::Tensor{1.0, 2.0});
  ad::Var y = 3.0 * ad::square(x);   // two elements: backward needs a seed shaped like y
  y.backward(ad::Tensor{1.0, 0.5});  // accumulates seed·∂y/∂x = {6·1·1, 6·2·0.5}
  // x.grad() == {6, 6}; a second backward() adds to it (zero_grad() resets)
  // [backward]
  check(close(x.grad(), {6.0, 6.0}), "backward: x.grad()");
}

void grad() {
  // [grad]
  ad::Var x = ad::variable(ad::Tensor{2.0});
  ad::Var y = x * x * x;                                     // y = x³
  ad::Var dy = ad::grad(y, {x}, {.create_graph = true})[0];  // 3x² = 12, differentiable
  ad::Var d2y = ad::grad(dy, {x})[0];                        // 6x = 12
  // dy.item() == 12, d2y.item() == 12; x.grad() is untouched (still zero)
  // [grad]
  check(close(dy.value(), {12.0}) && close(d2y.value(), {12.0}), "grad: values");
  check(close(x.grad(), {0.0}), "grad: leaves untouched");
}

void jacobian() {
  // [jacobian]
  // f(x) = x·Σx: J[i][j] = δᵢⱼ·Σx + xᵢ
  ad::Tensor J =
      ad::jacobian([](const ad::Var& x) { return x * ad::sum(x); }, ad::Tensor{1.0, 2.0});
  // J == {{4, 1}, {2, 5}}, shape (f(x).size(), x.size())
  // [jacobian]
  check(J.dimension() == 2 && close(J, {4.0, 1.0, 2.0, 5.0}), "jacobian");
}

void hessian_and_hvp() {
  // [hessian]
  auto g = [](const ad::Var& x) { return ad::sum(x * x * x); };  // g(x) = Σ xᵢ³
  ad::Tensor H = ad::hessian(g, ad::Tensor{1.0, 2.0});           // diag(6xᵢ)
  // H == {{6, 0}, {0, 12}}
  // [hessian]
  check(close(H, {6.0, 0.0, 0.0, 12.0}), "hessian");
  // [hvp]
  // H·u without forming H: one recorded sweep and one sweep over it
  ad::Tensor Hu = ad::hvp(g, ad::Tensor{1.0, 2.0}, ad::Tensor{1.0, 1.0});
  // Hu == {6, 12}
  // [hvp]
  check(close(Hu, {6.0, 12.0}), "hvp");
}

void jvp() {
  // [jvp]
  // J·u without forming J (f as in the jacobian example): here J's first column
  ad::Tensor Ju = ad::jvp([](const ad::Var& x) { return x * ad::sum(x); }, ad::Tensor{1.0, 2.0},
                          ad::Tensor{1.0, 0.0});
  // Ju == {4, 2}
  // [jvp]
  check(close(Ju, {4.0, 2.0}), "jvp");
}

void gradcheck() {
  // [gradcheck]
  // Your function's reverse-mode Jacobian against central finite differences
  bool ok = ad::gradcheck([](const ad::Var& x) { return ad::sum(ad::tanh(x) * x); },
                          {ad::Tensor{0.3, -1.2}, ad::Tensor{{1.0, 2.0}, {0.5, -0.5}}});
  // ok == true; ad::gradcheck_report says which entry disagrees when one does
  // [gradcheck]
  check(ok, "gradcheck");
}

void newton_raphson() {
  // [newton_raphson]
  // A ROOT of f (f(x) = 0) — to MINIMISE a function, see optim::Newton and optim::minimize
  ad::NewtonResult r = ad::newton_raphson([](const ad::Var& x) { return x * x - 2.0; }, 1.0);
  // r.status == ad::NewtonStatus::converged, r.x() ≈ √2 (r.iterations: the steps taken)
  // [newton_raphson]
  check(r.converged && std::abs(r.x() - std::sqrt(2.0)) < 1e-12, "newton_raphson: " + r.message);
}

// [function]
// y = x³ elementwise, as your own operation: forward on values, backward on Vars
struct Cube : ad::Function {
  std::string name() const override { return "cube"; }
  ad::Tensor forward(const std::vector<ad::Var>& in) override {
    return in[0].value() * in[0].value() * in[0].value();
  }
  std::vector<ad::Var> backward(const ad::Var& grad_output, const std::vector<ad::Var>& in,
                                const ad::Var& /*output*/) override {
    return {grad_output * 3.0 * ad::square(in[0])};  // differentiable: higher orders work
  }
};
// [function]

void function() {
  // [apply]
  ad::Var x = ad::variable(ad::Tensor{0.5, -2.0});
  ad::Var y = ad::apply(std::make_unique<Cube>(), {x});
  ad::sum(y).backward();
  // x.grad() == {0.75, 12}
  // [apply]
  check(close(x.grad(), {0.75, 12.0}), "Function: x.grad()");
  check(ad::gradcheck([](const ad::Var& v) { return ad::apply(std::make_unique<Cube>(), {v}); },
                      {ad::Tensor{0.5, -2.0}}),
        "Function: gradcheck");
}

void parameter() {
  // [parameter]
  ad::Parameter w(ad::Tensor{1.0, -1.0}, "w");  // value and gradient outlive tape clears
  for (int step = 0; step < 3; ++step) {
    ad::current_tape().clear();  // forget the last recording (w stays)
    w.zero_grad();
    ad::sum(ad::square(w.var())).backward();  // w.var(): w as a leaf; grad = 2w
    w.value() -= 0.25 * w.grad();             // w ← w/2
  }
  // w.value() == {0.125, -0.125}
  // [parameter]
  check(close(w.value(), {0.125, -0.125}), "Parameter: value");
}

void tape() {
  const std::size_t on_default_tape = ad::current_tape().size();
  ad::Tensor gradient;
  // [tape]
  ad::Tape tape;  // a tape of your own (the default is ad::current_tape(), one per thread)
  {
    ad::TapeScope scope(tape);  // new leaves are recorded on `tape` until the scope ends
    ad::Var x = ad::variable(ad::Tensor{0.0});
    ad::exp(x).backward();
    gradient = x.grad();  // {1}
  }
  std::size_t nodes = tape.size();  // 2: the leaf and exp
  tape.clear();  // forgets the nodes (their Vars become invalid), keeps the memory for reuse
  // [tape]
  check(close(gradient, {1.0}) && nodes == 2 && tape.size() == 0, "Tape: recording");
  check(ad::current_tape().size() == on_default_tape, "TapeScope: the default tape untouched");
}

void write_dot() {
  // [write_dot]
  ad::Var x = ad::variable(ad::Tensor{1.0, 2.0});
  ad::Var y = ad::sum(ad::sigmoid(x) * x);
  std::ostringstream dot;
  ad::write_dot(dot, y);  // Graphviz: save it as graph.dot, then `dot -Tsvg graph.dot`
  // dot.str() == "digraph computation { ... }": one vertex per operation
  // [write_dot]
  check(dot.str().find("digraph") != std::string::npos &&
            dot.str().find("sigmoid") != std::string::npos,
        "write_dot: " + dot.str());
}

}  // namespace

int main() {
  const std::vector<std::pair<const char*, void (*)()>> examples = {
      {"variable", variable_and_backward},
      {"constant", constant},
      {"backward", backward_with_seed},
      {"grad", grad},
      {"jacobian", jacobian},
      {"hessian/hvp", hessian_and_hvp},
      {"jvp", jvp},
      {"gradcheck", gradcheck},
      {"newton_raphson", newton_raphson},
      {"Function", function},
      {"Parameter", parameter},
      {"Tape/TapeScope", tape},
      {"write_dot", write_dot}};
  int failures = 0;
  for (const auto& [name, run] : examples) {
    ad::current_tape().clear();
    try {
      run();
      std::cout << "ok   " << name << '\n';
    } catch (const std::exception& e) {
      std::cout << "FAIL " << name << ": " << e.what() << '\n';
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
