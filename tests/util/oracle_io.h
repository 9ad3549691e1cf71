// Plumbing shared by the live-oracle programs (tests/oracle/oracle_<area>.c): the case loop
// of tests/oracle/harness.py's protocol, tokens, tensor specs, and the answer formats that
// harness.py writes for the PyTorch side. Each oracle program keeps only its area's logic.
//
// Tensor spec (harness.spec / harness.tensor_spec write it):
//   <dtype> <ndim> <shape...> <strides...> <offset> <buflen> <value...>
// a view (shape, strides and offset in elements) of a buffer of buflen elements. dtype is
// a PyTorch name (float32 ...) or a short code (f32 f64 i32 i64 b). Values: integers in
// decimal, bools 0/1, floats as hex floats (Python's float.hex(), or inf/nan) or, to carry
// NaN payloads, as "0x" + the element's bit pattern (8 or 16 hex digits, no 'p').
#ifndef CTORCH_ORACLE_IO_H
#define CTORCH_ORACLE_IO_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "ctorch.h"

// ---- the case loop ----

/// Whether tu_oracle_main opens a scope around each case (TU_NO_SCOPE: cases run in the
/// thread's root scope, which keeps their tensors until the program exits).
typedef enum tu_case_scope { TU_SCOPE_PER_CASE, TU_NO_SCOPE } tu_case_scope;

/// Reads stdin line by line (newline stripped), runs each line through run_case, and ends
/// each answer with the harness's end-of-record line. Returns main's exit status.
int tu_oracle_main(void (*run_case)(char *line), tu_case_scope scope);
/// Calls run_command on each ';'-separated command of line (the command languages).
void tu_for_each_command(char *line, void (*run_command)(char *command));

// ---- tokens ----

/// A cursor over the whitespace-separated tokens of a line (the line is modified).
typedef struct tu_tokens {
  char *rest;
} tu_tokens;

/// A cursor at the start of line.
tu_tokens tu_tokens_of(char *line);
/// The next token, or NULL at the end of the line.
char *tu_next(tu_tokens *tok);
/// The next token; a missing one is a malformed case (exit status 2).
char *tu_need(tu_tokens *tok);
/// The next token as an integer / a double (strtod: decimal, hex floats, inf, nan).
long long tu_next_int(tu_tokens *tok);
double tu_next_double(tu_tokens *tok);
/// Splits text at whitespace into at most max tokens (text is modified); returns how many.
int tu_split(char *text, char **tokens, int max);
/// Reports a malformed case on stderr and exits with status 2 (a driver bug, not a result).
_Noreturn void tu_bad_case(const char *what, const char *token);

// ---- reading cases ----

/// The dtype a token names (PyTorch's name or a short code); anything else is a bad case.
ct_dtype tu_parse_dtype(const char *name);
/// Reads "<ndim> <size...>" into shape; returns ndim.
int tu_read_shape(tu_tokens *tok, int64_t *shape);
/// Parses a comma-separated shape ("2,3", "s" for 0-d) into shape; returns ndim.
int tu_parse_shape_list(const char *text, int64_t *shape);

/// How tu_read_tensor builds the tensor of a spec.
typedef enum tu_storage {
  TU_WRAP, ///< ct_from_blob over the parsed buffer, which the tensor frees: any layout
  TU_COPY, ///< a fresh row-major tensor (ct_empty) holding the view's elements
} tu_storage;

/// Reads a tensor spec (see the top of this file). The tensor goes to the innermost scope.
ct_tensor *tu_read_tensor(tu_tokens *tok, tu_storage how);

// ---- answers ----

/// How float elements are written.
typedef enum tu_float_format {
  TU_HEX,  ///< Python's float.hex() of the value; NaN as "nan" (its sign and payload dropped)
  TU_BITS, ///< the bit pattern, 8 (float32) or 16 (float64) lowercase hex digits
} tu_float_format;

/// Writes " <element>" for each element in row-major order: integers in decimal, bools as
/// their byte (0/1), floats in fmt. Nothing for NULL.
void tu_print_values(FILE *out, const ct_tensor *t, tu_float_format fmt);
/// Writes "<tag>" + tu_print_values + newline to stdout.
void tu_print_line(const char *tag, const ct_tensor *t, tu_float_format fmt);
/// Writes the graph below node as harness.graph() does: Name(next,...), "Leaf" for
/// AccumulateGrad, "None" for a missing edge; below `depth` levels only the names.
void tu_print_graph(const ct_node *node, int depth);
/// Writes "err <message>" for a NULL result, else "ok <dtype> <torch.Size>", "fn <graph>"
/// and "v <values>" (TU_HEX) lines: harness.result_answer. Returns out != NULL.
bool tu_print_result(const ct_tensor *out, int graph_depth);
/// Writes "<tag> <dtype> <shape>" (ct_shape_str) and the elements (TU_BITS) on one line.
void tu_print_tensor_bits(const char *tag, const ct_tensor *t);
/// Writes "<tag>" and the names of l on one line, then frees l (NULL: the tag alone).
void tu_print_names(const char *tag, ct_named_list *l);
/// Writes m's state dict: a tu_print_tensor_bits line tagged "key <name>" per entry.
void tu_print_state_dict(ct_module *m);

// ---- gradients ----

/// sum(t * w) in double over row-major elements; w NULL means ones.
double tu_weighted_sum(const ct_tensor *t, const ct_tensor *w);
/// x[idx] = value with grad mode off (a finite-difference step on a leaf that requires grad).
void tu_set_no_grad(ct_tensor *x, const int64_t *idx, double value);
/// Central differences of objective(ctx) with respect to each element of x, in row-major
/// order, into out[numel(x)]. Each element moves by h = rel_step * |v| + abs_step (h =
/// abs_step when rel_step is 0) and is restored afterwards.
void tu_central_differences(ct_tensor *x, double (*objective)(void *ctx), void *ctx, double rel_step,
                            double abs_step, double *out);

// ---- op cases: the elementwise, index and linalg oracles ----

#define TU_MAX_INPUTS 8

/// An op case: "<op> <the area's arguments> <n> (<requires_grad> <spec>)... (W <spec> | -) <fd>".
typedef struct tu_op_case {
  char op[32]; ///< the op's name
  int n;
  ct_tensor *in[TU_MAX_INPUTS];
  bool requires_grad[TU_MAX_INPUTS];
  ct_tensor *w; ///< gradient of the output (backward of sum(out * w)), or NULL: forward only
  bool fd;      ///< also check the gradients against central differences
  void *args;   ///< the area's own arguments
} tu_op_case;

/// An oracle's area: how to read and run its op cases and how to answer them.
typedef struct tu_op_area {
  /// Reads the area's arguments (after the op's name) into args.
  void (*read_args)(tu_tokens *tok, void *args);
  /// Runs the case's op on its inputs (NULL on error).
  ct_tensor *(*op)(const tu_op_case *c);
  int graph_depth; ///< depth of the "fn" line's graph (tu_print_graph)
  double fd_step;  ///< central differences: the step h
  double fd_tol;   ///< ... and the tolerance on |numeric - analytic| / (1 + |analytic|)
  /// The area's own lines after the forward answer (also after an error), or NULL.
  void (*after_forward)(const tu_op_case *c, const ct_tensor *out);
} tu_op_area;

/// Reads an op case (its own arguments into args, its inputs as TU_WRAP tensors), runs
/// it and prints the forward answer (tu_print_result) and the area's own lines. With an
/// output gradient w it then runs backward and prints "g<k> <values|None>" for each input
/// requiring grad (or "bwerr <message>"), and, when asked, "fd ok" if every gradient
/// element agrees with central differences of sum(op * w), else "fd bad <worst>".
void tu_run_op_case(char *line, const tu_op_area *area, void *args);

#endif
