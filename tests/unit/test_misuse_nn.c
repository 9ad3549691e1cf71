// The misuse catalogue (tests/util/misuse.h): modules, layers, state dicts, nn.init, losses, optimizers.
#define _POSIX_C_SOURCE 200809L // mkdtemp
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "misuse.h"

// ---- nn: modules, layers, state dicts ----

static ct_tensor *bare_forward(ct_module *self, ct_tensor *input) {
  (void)self;
  return ct_clone(input);
}
static const ct_module_vtable bare_vtable = {"Bare", bare_forward, NULL, NULL};
static const ct_module_vtable no_forward_vtable = {"NoForward", NULL, NULL, NULL};
static const ct_module_vtable nameless_vtable = {NULL, bare_forward, NULL, NULL};

static void test_modules(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(1, 3), CT_FLOAT32), *bad = NULL;
  MISUSE(ct_module_new(sizeof(ct_module) - 1, &bare_vtable), "module size|is smaller than ct_module");
  MISUSE(ct_module_new(sizeof(ct_module), &nameless_vtable), "module vtable needs a name");
  MISUSE(ct_module_new(sizeof(ct_module), NULL), "module vtable needs a name");
  ct_module *no_forward = ct_module_new(sizeof(ct_module), &no_forward_vtable);
  MISUSE(ct_module_forward(no_forward, x), "Module [NoForward] is missing the required \"forward\" function");
  ct_module_free(no_forward);
  MISUSE(ct_module_forward(NULL, x), "forward: module is NULL");
  ct_module *m = ct_module_new(sizeof(ct_module), &bare_vtable);
  assert_non_null(ct_module_register_parameter(m, "w", ct_zeros(CT_SHAPE(2), CT_FLOAT32)));
  NULL_PASSES(ct_module_forward(m, bad));
  MISUSE(ct_module_register_parameter(m, "", ct_zeros(CT_SHAPE(2), CT_FLOAT32)),
         "parameter name can't be empty string \"\"");
  MISUSE(ct_module_register_parameter(m, "a.b", ct_zeros(CT_SHAPE(2), CT_FLOAT32)),
         "parameter name can't contain \".\"");
  MISUSE(ct_module_register_parameter(m, NULL, ct_zeros(CT_SHAPE(2), CT_FLOAT32)),
         "parameter name should be a string. Got NoneType");
  MISUSE(ct_module_register_parameter(m, "w", ct_zeros(CT_SHAPE(2), CT_FLOAT32)),
         "attribute 'w' already exists");
  MISUSE(ct_module_register_parameter(m, "i", ct_zeros(CT_SHAPE(2), CT_INT64)),
         "Only Tensors of floating point and complex dtype can require gradients");
  ct_tensor *leaf = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  MISUSE(ct_module_register_parameter(m, "v", ct_mul_scalar(leaf, 2)),
         "Cannot assign non-leaf Tensor to parameter "
         "'v'. Model parameters must be created "
         "explicitly.");
  MISUSE(ct_module_register_parameter(NULL, "w", ct_zeros(CT_SHAPE(2), CT_FLOAT32)),
         "register_parameter: module is "
         "NULL");
  NULL_PASSES(ct_module_register_parameter(m, "z", bad));
  ct_module *child = ct_module_register_module(m, "c", ct_relu_new());
  assert_non_null(child);
  MISUSE(ct_module_register_module(m, "a.b", ct_relu_new()), "module name can't contain \".\", got: a.b");
  MISUSE(ct_module_register_module(m, "", ct_relu_new()), "module name can't be empty string \"\"");
  MISUSE(ct_module_register_module(m, NULL, ct_relu_new()), "module name should be a string. Got NoneType");
  MISUSE(ct_module_register_module(m, "c", ct_relu_new()), "attribute 'c' already exists");
  MISUSE(ct_module_register_module(m, "d", child), "already registered in another module");
  MISUSE(ct_module_register_module(m, "self", m), "a module can't be registered inside itself");
  MISUSE(ct_module_register_module(NULL, "c", ct_relu_new()), "register_module: module is NULL");
  ct_module_free(child);
  MISUSE_IF(ct_last_status() != CT_OK, "registered in a parent module, which owns and frees it");
  MISUSE(ct_module_named_parameters(NULL), "module is NULL");
  MISUSE(ct_module_named_children(NULL), "named_children: module is NULL");
  MISUSE(ct_module_state_dict(NULL), "module is NULL");
  int count = 0;
  MISUSE(ct_module_parameters(NULL, &count), "module is NULL");
  char text[8];
  MISUSE_STATUS(ct_module_repr(m, text, sizeof text), "module repr needs");
  MISUSE_STATUS(ct_module_repr(m, NULL, 64), "module repr: NULL argument");
  MISUSE_STATUS(ct_module_repr(NULL, text, sizeof text), "module repr: NULL argument");
  ct_module_free(m);
  area_done(s);
}

static void test_layers(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(1, 3), CT_FLOAT32);
  MISUSE(ct_linear_new(-1, 2, true), "Trying to create tensor with negative dimension -1: [2, -1]");
  MISUSE(ct_linear_new(3, -2, false), "Trying to create tensor with negative dimension -2: [-2, 3]");
  MISUSE(ct_embedding_new(3, 2, 3), "Padding_idx must be within num_embeddings");
  MISUSE(ct_embedding_new(3, 2, -4), "Padding_idx must be within num_embeddings");
  MISUSE(ct_embedding_new(-3, 2, CT_NO_PADDING_IDX),
         "Trying to create tensor with negative dimension -3: [-3, 2]");
  MISUSE(ct_dropout_new(1.5), "dropout probability has to be between 0 and 1, but got 1.5");
  MISUSE(ct_dropout_new(-0.1), "dropout probability has to be between 0 and 1, but got -0.1");
  MISUSE(ct_sequential_new(-1, NULL), "Sequential: bad module list (n=-1)");
  MISUSE(ct_sequential_new(2, NULL), "Sequential: bad module list (n=2)");
  MISUSE(ct_sequential_new(2, (ct_module *[]){ct_relu_new(), NULL}), "Sequential: a module argument is NULL");
  ct_module *linear = ct_linear_new(2, 2, true), *softmax = ct_softmax_new(2),
            *flatten = ct_flatten_new(3, 1);
  ct_module *emb = ct_embedding_new(3, 2, CT_NO_PADDING_IDX),
            *seq = ct_sequential_new(2, (ct_module *[]){ct_relu_new(), ct_linear_new(4, 1, true)});
  MISUSE(ct_module_forward(linear, x), "mat1 and mat2 shapes cannot be multiplied (1x3 and 2x2)");
  MISUSE(ct_module_forward(softmax, x),
         "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  MISUSE(ct_module_forward(flatten, ct_ones(CT_SHAPE(1, 2, 3, 4), CT_FLOAT32)),
         "flatten() has invalid args: start_dim cannot come after end_dim");
  MISUSE(ct_module_forward(emb, x),
         "Expected tensor for argument #1 'indices' to have one of the following scalar "
         "types: Long, Int; but got torch.FloatTensor instead (while checking arguments "
         "for embedding)");
  MISUSE(ct_module_forward(emb, ct_tensor_parse("[3]")), "index out of range in self");
  MISUSE(ct_module_forward(seq, x), "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x1)");
  MISUSE(ct_module_forward(ct_module_child(seq, 0), ct_ones(CT_SHAPE(2), CT_BOOL)),
         "Boolean inputs not supported for "
         "relu");
  MISUSE(ct_module_forward(softmax, ct_ones(CT_SHAPE(1, 1, 2), CT_INT64)), "not implemented for 'Long'");
  ct_module_free(linear);
  ct_module_free(softmax);
  ct_module_free(flatten);
  ct_module_free(emb);
  ct_module_free(seq);
  area_done(s);
}

static void test_state_dicts(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_module *lin = ct_linear_new(2, 2, true);
  assert_non_null(lin);
  ct_tensor *w22 = ct_zeros(CT_SHAPE(2, 2), CT_FLOAT32), *w32 = ct_zeros(CT_SHAPE(3, 2), CT_FLOAT32);
  ct_tensor *b2 = ct_zeros(CT_SHAPE(2), CT_FLOAT32);
  ct_named_tensor only_weight[] = {{"weight", w22}};
  ct_named_tensor extra[] = {{"weight", w22}, {"bias", b2}, {"extra", b2}};
  ct_named_tensor resized[] = {{"weight", w32}, {"bias", b2}};
  ct_named_tensor null_value[] = {{"weight", NULL}, {"bias", b2}};
  MISUSE_STATUS(ct_module_load_state_dict(lin, &(ct_named_list){1, only_weight}, true),
                "Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: \"bias\". ");
  MISUSE_STATUS(ct_module_load_state_dict(lin, &(ct_named_list){3, extra}, true),
                "Error(s) in loading state_dict for Linear:\n\tUnexpected key(s) in state_dict: \"extra\". ");
  MISUSE_STATUS(
      ct_module_load_state_dict(lin, &(ct_named_list){2, resized}, true),
      "Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param with shape "
      "torch.Size([3, 2]) from checkpoint, the shape in current model is torch.Size([2, 2]).");
  MISUSE_STATUS(ct_module_load_state_dict(lin, &(ct_named_list){2, resized}, false),
                "size mismatch for weight");
  MISUSE_STATUS(
      ct_module_load_state_dict(lin, &(ct_named_list){2, null_value}, true),
      "While copying the parameter named \"weight\", expected torch.Tensor or Tensor-like object from "
      "checkpoint but received <class 'NoneType'>");
  ct_named_list bad = {.count = -1};
  MISUSE_STATUS(ct_module_load_state_dict(lin, &bad, true), "count is negative");
  bad.count = 2;
  MISUSE_STATUS(ct_module_load_state_dict(lin, &bad, true), "items are NULL");
  MISUSE_STATUS(ct_module_load_state_dict(lin, NULL, true), "state dict is NULL");
  MISUSE_STATUS(ct_module_load_state_dict(NULL, &bad, true), "module is NULL");
  ct_module_free(lin);
  area_done(s);
}

// ---- nn.init ----

static void test_init(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *v = ct_zeros(CT_SHAPE(3), CT_FLOAT32), *w = ct_zeros(CT_SHAPE(2, 3), CT_FLOAT32);
  ct_tensor *i = ct_zeros(CT_SHAPE(2, 3), CT_INT64), *bad = NULL;
  const char *fan = "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions";
  int64_t fan_in, fan_out;
  MISUSE_IF(isnan(ct_init_calculate_gain("softmax", NAN)), "Unsupported nonlinearity softmax");
  MISUSE_STATUS(ct_init_calculate_fan_in_and_fan_out(v, &fan_in, &fan_out), fan);
  MISUSE(ct_init_xavier_uniform_(v, 1), fan);
  MISUSE(ct_init_xavier_normal_(v, 1), fan);
  MISUSE(ct_init_kaiming_uniform_(v, 0, NULL, NULL), fan);
  MISUSE(ct_init_kaiming_uniform_(w, 0, "fan_avg", NULL), "Mode fan_avg not supported, please use one of "
                                                          "['fan_in', 'fan_out']");
  MISUSE(ct_init_kaiming_normal_(w, 0, NULL, "swish"), "Unsupported nonlinearity swish");
  MISUSE(ct_init_uniform_(i, 0, 1), "\"check_uniform_bounds\" not implemented for 'Long'");
  MISUSE(ct_init_uniform_(w, 1, 0), "uniform_ expects to return a [from, to) range, but found from=1 > to=0");
  MISUSE(ct_init_normal_(w, 0, -1), "normal expects std >= 0.0, but found std -1");
  MISUSE(ct_init_constant_(i, NAN), "value cannot be converted to type int64_t without overflow");
  MISUSE_STATUS(ct_init_linear_reset_(v, NULL), fan);
  MISUSE_STATUS(ct_init_embedding_reset_(w, 5), "Padding_idx must be within num_embeddings");
  NULL_STATUS(ct_init_calculate_fan_in_and_fan_out(bad, &fan_in, &fan_out), "calculate_fan_in_and_fan_out");
  NULL_STATUS(ct_init_linear_reset_(bad, NULL), "linear reset");
  NULL_STATUS(ct_init_embedding_reset_(bad, CT_NO_PADDING_IDX), "embedding reset");
  NULL_PASSES(ct_init_uniform_(bad, 0, 1));
  NULL_PASSES(ct_init_normal_(bad, 0, 1));
  NULL_PASSES(ct_init_constant_(bad, 1));
  NULL_PASSES(ct_init_zeros_(bad));
  NULL_PASSES(ct_init_ones_(bad));
  NULL_PASSES(ct_init_xavier_uniform_(bad, 1));
  NULL_PASSES(ct_init_kaiming_normal_(bad, 0, NULL, NULL));
  area_done(s);
}

// ---- losses ----

static void test_losses(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *p2 = ct_full(CT_SHAPE(2), 0.5, CT_FLOAT32), *p3 = ct_full(CT_SHAPE(3), 0.5, CT_FLOAT32);
  ct_tensor *over = ct_tensor_parse("[0.5, 1.5]"), *i2 = ct_ones(CT_SHAPE(2), CT_INT64);
  ct_tensor *logits = ct_zeros(CT_SHAPE(2, 3), CT_FLOAT32), *target = ct_tensor_parse("[0, 2]");
  const ct_reduction mean = CT_REDUCTION_MEAN;
  const int64_t ignore = CT_IGNORE_INDEX_DEFAULT;
  MISUSE(ct_binary_cross_entropy(p2, p3, NULL, mean),
         "Using a target size (torch.Size([3])) that is different to "
         "the input size (torch.Size([2])) is deprecated. Please ensure "
         "they have the same size.");
  MISUSE(ct_binary_cross_entropy(over, p2, NULL, mean), "all elements of input should be between 0 and 1");
  MISUSE(ct_binary_cross_entropy(p2, p2, p3, mean),
         "The size of tensor a (2) must match the size of tensor b (3) at "
         "non-singleton dimension 0");
  MISUSE(ct_binary_cross_entropy(i2, i2, NULL, mean), "\"binary_cross_entropy\" not implemented for 'Long'");
  MISUSE(ct_binary_cross_entropy_with_logits(p2, p3, NULL, NULL, mean),
         "Target size (torch.Size([3])) must be the "
         "same as input size (torch.Size([2]))");
  MISUSE(ct_binary_cross_entropy_with_logits(p2, p2, NULL, p3, mean),
         "The size of tensor a (3) must match the size "
         "of tensor b (2) at non-singleton dimension 0");
  MISUSE(ct_mse_loss(p2, p3, mean),
         "The size of tensor a (2) must match the size of tensor b (3) at non-singleton "
         "dimension 0");
  MISUSE(ct_mse_loss(i2, i2, mean), "\"mse_cpu\" not implemented for 'Long'");
  MISUSE(ct_l1_loss(i2, i2, mean), "mean(): could not infer output dtype. Input dtype must be either a floating point "
                                   "or complex dtype. Got: Long");
  MISUSE(ct_l1_loss(p2, p3, CT_REDUCTION_SUM),
         "The size of tensor a (2) must match the size of tensor b (3) at "
         "non-singleton dimension 0");
  MISUSE(ct_nll_loss(logits, ct_zeros(CT_SHAPE(2), CT_FLOAT32), NULL, ignore, mean),
         "expected scalar type Long but "
         "found Float");
  MISUSE(ct_nll_loss(logits, ct_tensor_parse("[0, 5]"), NULL, ignore, mean), "Target 5 is out of bounds.");
  MISUSE(ct_nll_loss(logits, ct_tensor_parse("[0, -1]"), NULL, ignore, mean), "Target -1 is out of bounds.");
  MISUSE(ct_nll_loss(logits, ct_tensor_parse("[0, 1, 2]"), NULL, ignore, mean),
         "Expected input batch_size (2) to "
         "match target batch_size (3).");
  MISUSE(ct_nll_loss(logits, target, p2, ignore, mean),
         "weight tensor should be defined either for all 3 classes or "
         "no classes but got weight tensor of shape: [2]");
  MISUSE(ct_nll_loss(ct_zeros(CT_SHAPE(2, 3, 2, 2, 2), CT_FLOAT32), target, NULL, ignore, mean),
         "Expected target size [2, 2, 2, 2], got [2]");
  MISUSE(ct_nll_loss(logits, target, NULL, ignore, (ct_reduction)7), "7 is not a valid value for reduction");
  MISUSE(ct_mse_loss(p2, p2, (ct_reduction)-1), "-1 is not a valid value for reduction");
  MISUSE(ct_cross_entropy(logits, target, NULL, ignore, 1.5, mean),
         "label_smoothing must be between 0.0 and 1.0. "
         "Got: 1.5");
  MISUSE(ct_cross_entropy(ct_zeros(CT_SHAPE(2, 3), CT_INT64), target, NULL, ignore, 0, mean),
         "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'");
  MISUSE(ct_cross_entropy(logits, ct_tensor_parse("[0, 3]"), NULL, ignore, 0, mean),
         "Target 3 is out of bounds.");
  MISUSE(ct_cross_entropy(logits, ct_tensor_parse("[0]"), NULL, ignore, 0, mean),
         "Expected input batch_size (2) to "
         "match target batch_size (1).");
  ct_tensor *bad = NULL;
  NULL_PASSES(ct_binary_cross_entropy(bad, p2, NULL, mean));
  NULL_PASSES(ct_binary_cross_entropy(p2, bad, NULL, mean));
  NULL_PASSES(ct_binary_cross_entropy_with_logits(bad, p2, NULL, NULL, mean));
  NULL_PASSES(ct_mse_loss(p2, bad, mean));
  NULL_PASSES(ct_l1_loss(bad, p2, mean));
  NULL_PASSES(ct_nll_loss(bad, target, NULL, ignore, mean));
  NULL_PASSES(ct_nll_loss(logits, bad, NULL, ignore, mean));
  NULL_PASSES(ct_cross_entropy(bad, target, NULL, ignore, 0, mean));
  NULL_PASSES(ct_cross_entropy(logits, bad, NULL, ignore, 0, mean));
  area_done(s);
}

// ---- optimizers ----

static ct_sgd_options sgd_with(double lr, double momentum, double dampening, double weight_decay,
                               bool nesterov) {
  ct_sgd_options o = ct_sgd_defaults(lr);
  o.momentum = momentum;
  o.dampening = dampening;
  o.weight_decay = weight_decay;
  o.nesterov = nesterov;
  return o;
}

static ct_adam_options adam_with(double lr, double beta1, double beta2, double eps, double weight_decay) {
  return (ct_adam_options){
      .lr = lr, .beta1 = beta1, .beta2 = beta2, .eps = eps, .weight_decay = weight_decay};
}

static void test_optimizers(void **state) {
  (void)state;
  ct_optim_state *st0 = ct_optim_state_new();
  ct_scope *s = ct_scope_open();
  ct_tensor *w = ct_requires_grad_(ct_ones(CT_SHAPE(2), CT_FLOAT32), true);
  ct_tensor *params[] = {w}, *non_leaf[] = {ct_mul_scalar(w, 2)}, *with_null[] = {w, NULL};
  MISUSE(ct_sgd_new(params, 1, ct_sgd_defaults(-0.1)), "Invalid learning rate: -0.1");
  MISUSE(ct_sgd_new(params, 1, sgd_with(0.1, -0.5, 0, 0, false)), "Invalid momentum value: -0.5");
  MISUSE(ct_sgd_new(params, 1, sgd_with(0.1, 0, 0, -1, false)), "Invalid weight_decay value: -1");
  MISUSE(ct_sgd_new(params, 1, sgd_with(0.1, 0, 0, 0, true)),
         "Nesterov momentum requires a momentum and zero "
         "dampening");
  MISUSE(ct_sgd_new(params, 1, sgd_with(0.1, 0.9, 0.1, 0, true)),
         "Nesterov momentum requires a momentum and zero "
         "dampening");
  MISUSE(ct_sgd_new(params, 0, ct_sgd_defaults(0.1)), "optimizer got an empty parameter list");
  MISUSE(ct_sgd_new(params, -1, ct_sgd_defaults(0.1)), "optimizer got an empty parameter list");
  MISUSE(ct_sgd_new(NULL, 1, ct_sgd_defaults(0.1)), "optimizer params is NULL");
  MISUSE(ct_sgd_new(with_null, 2, ct_sgd_defaults(0.1)),
         "optimizer can only optimize Tensors, but one of the params "
         "is NoneType");
  MISUSE(ct_sgd_new(non_leaf, 1, ct_sgd_defaults(0.1)), "can't optimize a non-leaf Tensor");
  NULL_PASSES(ct_sgd_new(with_null, 2, ct_sgd_defaults(0.1))); // a NULL made by a failed call keeps its cause
  NULL_STATUS(ct_optim_state_add(st0, 0, "momentum_buffer", NULL), "optim_state_add");
  MISUSE(ct_adam_new(params, 1, adam_with(-1, 0.9, 0.999, 1e-8, 0)), "Invalid learning rate: -1.0");
  MISUSE(ct_adam_new(params, 1, adam_with(1e-3, 1.5, 0.999, 1e-8, 0)),
         "Invalid beta parameter at index 0: 1.5");
  MISUSE(ct_adam_new(params, 1, adam_with(1e-3, -0.1, 0.999, 1e-8, 0)),
         "Invalid beta parameter at index 0: -0.1");
  MISUSE(ct_adam_new(params, 1, adam_with(1e-3, 0.9, 1.0, 1e-8, 0)),
         "Invalid beta parameter at index 1: 1.0");
  MISUSE(ct_adam_new(params, 1, adam_with(1e-3, 0.9, 0.999, -1e-8, 0)), "Invalid epsilon value: -1e-08");
  MISUSE(ct_adam_new(params, 1, adam_with(1e-3, 0.9, 0.999, 1e-8, -0.1)), "Invalid weight_decay value: -0.1");
  MISUSE(ct_adam_new(non_leaf, 1, ct_adam_defaults()), "can't optimize a non-leaf Tensor");
  MISUSE(ct_adamw_new(params, 1, adam_with(1e-3, 0.9, 2, 1e-8, 0.01)),
         "Invalid beta parameter at index 1: 2.0");
  MISUSE(ct_adamw_new(params, 1, adam_with(-1e-3, 0.9, 0.999, 1e-8, 0.01)), "Invalid learning rate: -0.001");
  MISUSE(ct_adamw_new(params, 0, ct_adamw_defaults()), "optimizer got an empty parameter list");
  ct_optimizer *sgd = ct_sgd_new(params, 1, sgd_with(0.1, 0.9, 0, 0, false));
  assert_non_null(sgd);
  MISUSE_STATUS(ct_optimizer_set_lr(sgd, -1), "Invalid learning rate: -1.0");
  MISUSE_STATUS(ct_optimizer_set_lr(sgd, NAN), "Invalid learning rate: nan");
  MISUSE_STATUS(ct_optimizer_set_lr(NULL, 0.1), "optimizer is NULL");
  MISUSE_STATUS(ct_optimizer_step(NULL), "optimizer is NULL");
  MISUSE_STATUS(ct_optimizer_zero_grad(NULL, true), "optimizer is NULL");
  MISUSE(ct_optimizer_state_dict(NULL), "optimizer is NULL");
  ct_optim_state_free(st0);
  ct_optim_state *st = ct_optim_state_new();
  MISUSE_STATUS(ct_optim_state_add(st, -1, "momentum_buffer", w), "negative parameter index -1");
  MISUSE_STATUS(ct_optim_state_add(st, 0, NULL, w), "key is NULL");
  MISUSE_STATUS(ct_optim_state_add(NULL, 0, "momentum_buffer", w), "state is NULL");
  int index;
  const char *key;
  ct_tensor *value;
  MISUSE_STATUS(ct_optim_state_entry(st, 3, &index, &key, &value), "optimizer state entry 3 out of range (0 "
                                                                   "entries)");
  assert_int_equal(ct_optim_state_add(st, 5, "momentum_buffer", w), CT_OK);
  MISUSE_STATUS(ct_optimizer_load_state_dict(sgd, st), "loaded state dict has state for parameter 5, but the "
                                                       "optimizer has 1");
  ct_optim_state_free(st);
  st = ct_optim_state_new();
  assert_int_equal(ct_optim_state_add(st, 0, "exp_avg", w), CT_OK);
  MISUSE_STATUS(ct_optimizer_load_state_dict(sgd, st),
                "loaded state dict has key 'exp_avg', which SGD does not use");
  ct_optim_state_free(st);
  st = ct_optim_state_new();
  assert_int_equal(ct_optim_state_add(st, 0, "momentum_buffer", ct_ones(CT_SHAPE(3), CT_FLOAT32)), CT_OK);
  MISUSE_STATUS(ct_optimizer_load_state_dict(sgd, st),
                "loaded state 'momentum_buffer' of parameter 0 has shape [3], "
                "the parameter has [2]");
  MISUSE_STATUS(ct_optimizer_load_state_dict(sgd, NULL), "load_state_dict: NULL argument");
  MISUSE_STATUS(ct_optimizer_load_state_dict(NULL, st), "load_state_dict: NULL argument");
  ct_optim_state_free(st);
  ct_optimizer *adam = ct_adam_new(params, 1, ct_adam_defaults());
  st = ct_optim_state_new();
  assert_int_equal(ct_optim_state_add(st, 0, "step", ct_ones(CT_SHAPE(2), CT_FLOAT32)), CT_OK);
  MISUSE_STATUS(ct_optimizer_load_state_dict(adam, st), "loaded state 'step' of parameter 0 is not a scalar");
  ct_optim_state_free(st);
  ct_optimizer_free(adam);
  ct_optimizer_free(sgd);
  area_done(s);
}

// nn_extra.h: activations and containers.
static void test_extra_activations(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *ints = ct_ones(CT_SHAPE(3), CT_INT64), *flags = ct_ones(CT_SHAPE(3), CT_BOOL);
  MISUSE(ct_silu(ints), "\"silu_cpu\" not implemented for 'Long'");
  MISUSE(ct_mish(flags), "\"mish_cpu\" not implemented for 'Bool'");
  MISUSE(ct_elu(ints, 1.0), "\"elu_cpu\" not implemented for 'Long'");
  MISUSE(ct_hardtanh(flags, -1, 1), "Bool inputs not supported for hardtanh");
  MISUSE(ct_hardtanh_new(1.0, 1.0), "max_val (1) must be greater than min_val (1)");
  MISUSE(ct_hardtanh_new(2.0, -1.0), "AssertionError");
  NULL_PASSES(ct_silu(NULL));
  NULL_PASSES(ct_hardtanh(NULL, 0, 1));
  ct_module *elu = ct_elu_new(1.0);
  MISUSE(ct_module_forward(elu, ints), "\"elu_cpu\" not implemented for 'Long'");
  ct_module_free(elu);
  area_done(s);
}

static void test_containers(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_module *list = ct_module_list_new(2, (ct_module *[]){ct_relu_new(), ct_tanh_new()});
  ct_module *dict = ct_module_dict_new(1, (const char *[]){"a"}, (ct_module *[]){ct_relu_new()});
  ct_module *linear = ct_linear_new(2, 2, true);
  MISUSE(ct_module_forward(list, ct_ones(CT_SHAPE(2), CT_FLOAT32)),
         "Module [ModuleList] is missing the required \"forward\" function");
  MISUSE(ct_module_forward(dict, ct_ones(CT_SHAPE(2), CT_FLOAT32)),
         "Module [ModuleDict] is missing the required \"forward\" function");
  MISUSE(ct_module_list_get(list, 2), "index 2 is out of range");
  MISUSE(ct_module_list_get(list, -3), "index -3 is out of range");
  MISUSE(ct_module_list_get(linear, 0), "the module is a Linear, not a ModuleList");
  MISUSE(ct_module_list_get(NULL, 0), "module is NULL");
  MISUSE_STATUS(ct_module_list_insert(list, -1, ct_relu_new()), "'-1'");
  MISUSE_STATUS(ct_module_list_insert(list, 3, ct_relu_new()), "index 3 is out of range");
  MISUSE_STATUS(ct_module_list_append(linear, ct_relu_new()), "not a ModuleList");
  MISUSE_STATUS(ct_module_list_append(list, ct_module_child(list, 0)), "already registered in another module");
  MISUSE_STATUS(ct_module_list_append(list, list), "can't be registered inside itself");
  MISUSE_STATUS(ct_module_list_extend(list, -1, NULL), "ModuleList.extend: bad module list (n=-1)");
  MISUSE(ct_module_list_new(1, (ct_module *[]){ct_linear_new(-1, 2, true)}), "negative dimension");
  MISUSE(ct_module_dict_get(dict, "b"), "'b'");
  MISUSE(ct_module_dict_get(list, "a"), "not a ModuleDict");
  MISUSE_STATUS(ct_module_dict_set(dict, "a.b", ct_relu_new()), "module name can't contain \".\", got: a.b");
  MISUSE_STATUS(ct_module_dict_set(dict, "", ct_relu_new()), "module name can't be empty string \"\"");
  MISUSE_STATUS(ct_module_dict_set(dict, "a", dict), "can't be registered inside itself");
  MISUSE(ct_module_dict_new(1, NULL, (ct_module *[]){ct_relu_new()}), "ModuleDict: bad module list (n=1)");
  MISUSE(ct_module_apply(list, NULL, NULL), "apply: fn is NULL");
  assert_int_equal(ct_module_list_len(list), 2); // failed calls changed nothing
  assert_int_equal(ct_module_dict_len(dict), 1);
  ct_module_free(list);
  ct_module_free(dict);
  ct_module_free(linear);
  area_done(s);
}

static void test_clip_grad(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *w = ct_requires_grad_(ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), true);
  ct_set_grad(w, ct_full(CT_SHAPE(2, 3), NAN, CT_FLOAT32));
  MISUSE(ct_clip_grad_norm_(&w, 1, 1.0, 2.0, true),
         "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped. "
         "To disable this error and scale the gradients by the non-finite norm anyway, set "
         "`error_if_nonfinite=False`");
  MISUSE(ct_clip_grad_norm_(&w, 1, 1.0, INFINITY, true), "The total norm of order inf");
  MISUSE(ct_clip_grad_norm_(NULL, 2, 1.0, 2.0, false), "clip_grad_norm_: bad parameter list (n=2)");
  MISUSE(ct_clip_grad_norm_((ct_tensor *[]){w, NULL}, 2, 1.0, 2.0, false), "clip_grad_norm_: parameter 1 is NULL");
  MISUSE_STATUS(ct_clip_grad_value_(&w, -1, 1.0), "clip_grad_value_: bad parameter list (n=-1)");
  MISUSE(ct_parameters_to_vector(&w, 0), "torch.cat(): expected a non-empty list of Tensors");
  MISUSE(ct_parameters_to_vector((ct_tensor *[]){ct_t(w)}, 1), "view size is not compatible");
  MISUSE_STATUS(ct_vector_to_parameters(ct_ones(CT_SHAPE(4), CT_FLOAT32), &w, 1),
                "shape '[2, 3]' is invalid for input of size 4");
  MISUSE_STATUS(ct_vector_to_parameters(NULL, &w, 1), "expected torch.Tensor, but got: NoneType");
  area_done(s);
}

static void test_extra_losses(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), *ints = ct_ones(CT_SHAPE(2, 3), CT_INT64);
  MISUSE(ct_smooth_l1_loss(x, x, CT_REDUCTION_MEAN, -1.0), "smooth_l1_loss does not support negative values for beta.");
  MISUSE(ct_huber_loss(x, x, CT_REDUCTION_MEAN, 0.0), "huber_loss does not support non-positive values for delta.");
  MISUSE(ct_smooth_l1_loss(ints, ints, CT_REDUCTION_MEAN, 1.0), "\"smooth_l1_cpu\" not implemented for 'Long'");
  MISUSE(ct_huber_loss(x, ct_ones(CT_SHAPE(3, 2), CT_FLOAT32), CT_REDUCTION_SUM, 1.0),
         "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1");
  MISUSE(ct_smooth_l1_loss(x, x, CT_REDUCTION_BATCHMEAN, 1.0), "is not a valid value for reduction");
  MISUSE(ct_kl_div(ints, x, CT_REDUCTION_SUM, false), "kl_div: Integral inputs not supported.");
  MISUSE(ct_kl_div(x, x, (ct_reduction)7, false), "is not a valid value for reduction");
  MISUSE(ct_cosine_similarity(ints, ints, 1, 1e-8),
         "expected common dtype to be floating point, yet common dtype is Long");
  MISUSE(ct_cosine_similarity(x, x, 2, 1e-8), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  NULL_PASSES(ct_kl_div(NULL, x, CT_REDUCTION_SUM, false));
  NULL_PASSES(ct_cosine_similarity(x, NULL, 1, 1e-8));
  NULL_PASSES(ct_smooth_l1_loss(NULL, x, CT_REDUCTION_SUM, 1.0));
  ct_module *bilinear = ct_bilinear_new(3, 2, 4, true);
  MISUSE(ct_module_forward(bilinear, x), "forward() missing 1 required positional argument: 'input2'");
  MISUSE(ct_bilinear_forward(bilinear, x, x), "bilinear(): input2 size does not match weight size: got 3 but expected 2");
  MISUSE(ct_bilinear_forward(ct_module_child(NULL, 0), x, x), "not a Bilinear module");
  MISUSE(ct_bilinear(x, ct_ones(CT_SHAPE(3), CT_FLOAT32), ct_ones(CT_SHAPE(4, 3, 3), CT_FLOAT32), NULL),
         "bilinear(): input dimensions do not match: got 2 and 1");
  MISUSE(ct_bilinear_new(0, 2, 3, true), "float division by zero");
  MISUSE(ct_bilinear_new(2, -2, 3, true), "Trying to create tensor with negative dimension -2: [3, 2, -2]");
  NULL_PASSES(ct_bilinear(x, x, NULL, NULL));
  ct_module_free(bilinear);
  area_done(s);
}

static void test_embedding_bag(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_module *bag = ct_embedding_bag_new(10, 3, CT_EMBEDDING_BAG_MEAN, false, CT_NO_PADDING_IDX);
  ct_tensor *w = ct_module_parameter(bag, "weight");
  ct_tensor *idx = ct_tensor_parse("[1, 2, 4, 5]"), *off = ct_tensor_parse("[0, 2]");
  MISUSE(ct_embedding_bag_forward(bag, idx, NULL, NULL), "offsets has to be a 1D Tensor but got None");
  MISUSE(ct_module_forward(bag, idx), "offsets has to be a 1D Tensor but got None");
  MISUSE(ct_embedding_bag_forward(bag, ct_reshape(idx, 2, (int64_t[]){2, 2}), off, NULL),
         "if input is 2D, then offsets has to be None");
  MISUSE(ct_embedding_bag_forward(bag, idx, off, ct_ones(CT_SHAPE(4), CT_FLOAT32)),
         "per_sample_weights is only supported for mode='sum' (got mode='mean')");
  MISUSE(ct_embedding_bag_forward(bag, idx, ct_tensor_parse("[1, 2]"), NULL), "offsets[0] has to be 0");
  MISUSE(ct_embedding_bag_forward(bag, idx, ct_tensor_parse("[0, 5]"), NULL),
         "offsets[-1] can not be greater than input's length 4 but got offsets[-1] of 5");
  MISUSE(ct_embedding_bag_forward(bag, ct_tensor_parse("[1, 12]"), ct_tensor_parse("[0]"), NULL),
         "Index 1 is out of bounds: 12, range 0 to 10");
  MISUSE(ct_embedding_bag(ct_tensor_parse("[1, 12]"), w, ct_tensor_parse("[0]"), CT_EMBEDDING_BAG_MAX, NULL, false,
                          CT_NO_PADDING_IDX),
         "embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to be 12");
  MISUSE(ct_embedding_bag(ct_tensor_parse("[1.0]"), w, ct_tensor_parse("[0]"), CT_EMBEDDING_BAG_SUM, NULL, false,
                          CT_NO_PADDING_IDX),
         "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int");
  MISUSE(ct_embedding_bag(idx, w, off, (ct_embedding_bag_mode)5, NULL, false, CT_NO_PADDING_IDX),
         "mode has to be one of sum, mean or max");
  MISUSE(ct_embedding_bag(idx, w, off, CT_EMBEDDING_BAG_SUM, NULL, false, 10),
         "padding_idx must be within the number of embeddings, -10 through 9, but got 10");
  MISUSE(ct_embedding_bag(idx, w, off, CT_EMBEDDING_BAG_SUM, ct_ones(CT_SHAPE(3), CT_FLOAT32), false, CT_NO_PADDING_IDX),
         "If per_sample_weights (torch.Size([3])) is not None, then it must have the same shape as the input "
         "(torch.Size([4]))");
  MISUSE(ct_embedding_bag_new(10, 3, CT_EMBEDDING_BAG_SUM, false, -11), "padding_idx must be within num_embeddings");
  MISUSE(ct_embedding_bag_forward(NULL, idx, off, NULL), "not an EmbeddingBag module");
  NULL_PASSES(ct_embedding_bag(NULL, w, off, CT_EMBEDDING_BAG_SUM, NULL, false, CT_NO_PADDING_IDX));
  ct_module_free(bag);
  area_done(s);
}

static void test_recurrent(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_rnn_options o = ct_rnn_defaults();
  ct_module *lstm = ct_lstm_new(4, 5, o), *gru = ct_gru_new(4, 5, o), *cell = ct_lstm_cell_new(10, 20, o);
  ct_tensor *x = ct_ones(CT_SHAPE(5, 3, 4), CT_FLOAT32), *h = ct_zeros(CT_SHAPE(1, 3, 5), CT_FLOAT32);
  ct_rnn_output r;
  ct_packed_sequence p;
  ct_tensor *hc = NULL, *cc = NULL;
  o.dropout = 1.5;
  MISUSE(ct_gru_new(4, 5, o), "dropout should be a number in range [0, 1] representing the probability");
  o = ct_rnn_defaults();
  o.nonlinearity = "sigmoid";
  MISUSE(ct_rnn_new(4, 5, o), "Unknown nonlinearity 'sigmoid'");
  o = ct_rnn_defaults();
  MISUSE(ct_lstm_new(4, 0, o), "hidden_size must be greater than zero");
  MISUSE(ct_gru_cell_new(4, INT64_MAX / 2, o), "hidden_size 4611686018427387903 is too large");
  o.num_layers = 0;
  MISUSE(ct_rnn_new(4, 5, o), "num_layers must be greater than zero");
  o = ct_rnn_defaults();
  o.dtype = CT_INT64;
  MISUSE(ct_lstm_new(4, 5, o), "float32 and float64");
  MISUSE_STATUS(ct_rnn_forward(lstm, ct_ones(CT_SHAPE(5, 3, 2), CT_FLOAT32), NULL, NULL, &r),
                "input.size(-1) must be equal to input_size. Expected 4, got 2");
  MISUSE_STATUS(ct_rnn_forward(lstm, ct_ones(CT_SHAPE(5, 3, 4, 1), CT_FLOAT32), NULL, NULL, &r),
                "input must have 3 dimensions, got 5");
  MISUSE_STATUS(ct_rnn_forward(lstm, x, ct_zeros(CT_SHAPE(1, 2, 5), CT_FLOAT32), h, &r),
                "Expected hidden[0] size (1, 3, 5), got [1, 2, 5]");
  MISUSE_STATUS(ct_rnn_forward(lstm, x, h, ct_zeros(CT_SHAPE(1, 3, 6), CT_FLOAT32), &r),
                "Expected hidden[1] size (1, 3, 5), got [1, 3, 6]");
  MISUSE_STATUS(ct_rnn_forward(lstm, x, ct_zeros(CT_SHAPE(3, 5), CT_FLOAT32), h, &r),
                "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 3-D) tensors");
  MISUSE_STATUS(ct_rnn_forward(lstm, x, h, NULL, &r), "give both h0 and c0");
  MISUSE_STATUS(ct_rnn_forward(gru, x, ct_zeros(CT_SHAPE(2, 3, 5), CT_FLOAT32), NULL, &r),
                "Expected hidden size (1, 3, 5), got [2, 3, 5]");
  MISUSE_STATUS(ct_rnn_forward(gru, x, ct_zeros(CT_SHAPE(3, 5), CT_FLOAT32), NULL, &r),
                "For batched 3-D input, hx should also be 3-D but got 2-D tensor");
  MISUSE_STATUS(ct_rnn_forward(gru, ct_ones(CT_SHAPE(0, 3, 4), CT_FLOAT32), NULL, NULL, &r),
                "Expected sequence length to be larger than 0 in RNN");
  MISUSE_STATUS(ct_rnn_forward(gru, ct_ones(CT_SHAPE(5, 3, 4), CT_FLOAT64), NULL, NULL, &r),
                "mat1 and mat2 must have the same dtype");
  MISUSE_STATUS(ct_rnn_forward(cell, x, NULL, NULL, &r), "rnn forward: LSTMCell is not an RNN, LSTM or GRU");
  MISUSE_STATUS(ct_rnn_forward(gru, x, NULL, NULL, NULL), "rnn forward: out is NULL");
  NULL_STATUS(ct_rnn_forward(gru, NULL, NULL, NULL, &r), "rnn forward");
  MISUSE_STATUS(
      ct_pack_padded_sequence(x, ct_tensor_from_i64((int64_t[]){3, 4, 1}, CT_SHAPE(3)), false, true, &p),
      "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True");
  MISUSE_STATUS(
      ct_pack_padded_sequence(x, ct_tensor_from_i64((int64_t[]){4, 3, 0}, CT_SHAPE(3)), false, false, &p),
      "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0");
  MISUSE_STATUS(
      ct_pack_padded_sequence(x, ct_tensor_from_i64((int64_t[]){4, 3}, CT_SHAPE(2)), false, true, &p),
      "Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)");
  MISUSE_STATUS(
      ct_pack_padded_sequence(x, ct_tensor_from_i64((int64_t[]){9, 3, 1}, CT_SHAPE(3)), false, true, &p),
      "length 9 exceeds the input's 5 time steps");
  MISUSE_STATUS(ct_pack_padded_sequence(x, ct_ones(CT_SHAPE(3), CT_FLOAT32), false, true, &p),
                "lengths must be an integer tensor");
  NULL_STATUS(ct_pack_padded_sequence(NULL, h, false, true, &p), "pack_padded_sequence");
  assert_int_equal(
      ct_pack_padded_sequence(x, ct_tensor_from_i64((int64_t[]){5, 3, 1}, CT_SHAPE(3)), false, true, &p),
      CT_OK);
  MISUSE(ct_pad_packed_sequence(&p, false, 0.0, 2, NULL),
         "Expected total_length to be at least the length of the longest sequence in input, but got "
         "total_length=2 and max sequence length being 5");
  MISUSE_STATUS(ct_rnn_forward_packed(gru, &p, ct_zeros(CT_SHAPE(1, 2, 5), CT_FLOAT32), NULL, &r),
                "Expected hidden size (1, 3, 5), got [1, 2, 5]");
  MISUSE_STATUS(ct_rnn_forward_packed(
                    gru,
                    &(ct_packed_sequence){
                        .data = p.data, .batch_sizes = ct_tensor_from_i64((int64_t[]){3, 4, 1}, CT_SHAPE(3))},
                    NULL, NULL, &r),
                "batch_sizes must be positive and non-increasing");
  NULL_PASSES(
      ct_pad_packed_sequence(&(ct_packed_sequence){.batch_sizes = p.batch_sizes}, false, 0.0, -1, NULL));
  MISUSE_STATUS(ct_rnn_cell_forward(cell, ct_ones(CT_SHAPE(3, 5), CT_FLOAT32), NULL, NULL, &hc, &cc),
                "input has inconsistent input_size: got 5 expected 10");
  MISUSE_STATUS(ct_rnn_cell_forward(cell, ct_ones(CT_SHAPE(3, 10), CT_FLOAT32),
                                    ct_zeros(CT_SHAPE(2, 20), CT_FLOAT32),
                                    ct_zeros(CT_SHAPE(2, 20), CT_FLOAT32), &hc, &cc),
                "Input batch size 3 doesn't match hidden0 batch size 2");
  MISUSE_STATUS(ct_rnn_cell_forward(cell, ct_ones(CT_SHAPE(3, 10), CT_FLOAT32),
                                    ct_zeros(CT_SHAPE(3, 20), CT_FLOAT32),
                                    ct_zeros(CT_SHAPE(3, 7), CT_FLOAT32), &hc, &cc),
                "hidden0 has inconsistent hidden_size: got 7, expected 20");
  MISUSE_STATUS(ct_rnn_cell_forward(cell, ct_ones(CT_SHAPE(3, 10, 2), CT_FLOAT32), NULL, NULL, &hc, &cc),
                "LSTMCell: Expected input to be 1-D or 2-D but received 3-D tensor");
  MISUSE_STATUS(ct_rnn_cell_forward(cell, ct_ones(CT_SHAPE(3, 10), CT_FLOAT32), NULL, NULL, &hc, NULL),
                "LSTMCell: c_out is NULL");
  o = ct_rnn_defaults();
  o.nonlinearity = "gelu";
  ct_module *bad_cell = ct_rnn_cell_new(3, 4, o); // PyTorch refuses it when called
  MISUSE_STATUS(ct_rnn_cell_forward(bad_cell, ct_ones(CT_SHAPE(2, 3), CT_FLOAT32), NULL, NULL, &hc, NULL),
                "Unknown nonlinearity: gelu");
  MISUSE_STATUS(ct_rnn_cell_forward(gru, x, NULL, NULL, &hc, NULL),
                "GRU is not an RNNCell, LSTMCell or GRUCell");
  ct_module_free(bad_cell);
  ct_module_free(lstm);
  ct_module_free(gru);
  ct_module_free(cell);
  area_done(s);
}

// ---- attention and transformers (include/ctorch/attention.h) ----

static void test_attention(void **state) {
  (void)state;
  ct_scope *s = ct_scope_open();
  ct_multihead_attention_options o = ct_multihead_attention_defaults();
  MISUSE(ct_multihead_attention_new(6, 4, o), "embed_dim must be divisible by num_heads");
  MISUSE(ct_multihead_attention_new(6, 0, o), "integer division or modulo by zero");
  ct_module *mha = ct_multihead_attention_new(6, 2, o);
  assert_non_null(mha);
  ct_tensor *q = ct_randn(CT_SHAPE(4, 2, 6), CT_FLOAT32), *bad = NULL;
  ct_multihead_attention_args a = ct_multihead_attention_forward_defaults();
  MISUSE(ct_multihead_attention_forward(mha, ct_randn(CT_SHAPE(4, 2, 5), CT_FLOAT32), q, q, &a, NULL),
         "was expecting embedding dimension of 6, but got 5");
  MISUSE(ct_module_forward(mha, ct_randn(CT_SHAPE(1, 4, 2, 6), CT_FLOAT32)),
         "query should be unbatched 2D or batched 3D tensor but received 4-D query tensor");
  ct_tensor *k2 = ct_randn(CT_SHAPE(4, 6), CT_FLOAT32);
  MISUSE(ct_multihead_attention_forward(mha, q, k2, k2, &a, NULL),
         "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found 2-D and 2-D tensors respectively");
  MISUSE(ct_multihead_attention_forward(mha, q, ct_randn(CT_SHAPE(5, 2, 6), CT_FLOAT32), q, &a, NULL),
         "key shape torch.Size([5, 2, 6]) does not match value shape torch.Size([4, 2, 6])");
  a.attn_mask = ct_zeros(CT_SHAPE(3, 4), CT_BOOL);
  MISUSE(ct_multihead_attention_forward(mha, q, q, q, &a, NULL),
         "The shape of the 2D attn_mask is torch.Size([3, 4]), but should be (4, 4).");
  a.attn_mask = ct_zeros(CT_SHAPE(3, 4, 4), CT_FLOAT32);
  MISUSE(ct_multihead_attention_forward(mha, q, q, q, &a, NULL),
         "The shape of the 3D attn_mask is torch.Size([3, 4, 4]), but should be (4, 4, 4).");
  a.attn_mask = ct_zeros(CT_SHAPE(4, 4), CT_INT64);
  MISUSE(ct_multihead_attention_forward(mha, q, q, q, &a, NULL),
         "Only float, byte, and bool types are supported for attn_mask, not torch.int64");
  a.attn_mask = ct_zeros(CT_SHAPE(1, 1, 4, 4), CT_BOOL);
  MISUSE(ct_multihead_attention_forward(mha, q, q, q, &a, NULL),
         "expected `attn_mask` to be `None`, 2-D or 3-D but found 4-D tensor instead");
  a.attn_mask = NULL;
  a.key_padding_mask = ct_zeros(CT_SHAPE(2, 4), CT_INT64);
  MISUSE(ct_multihead_attention_forward(mha, q, q, q, &a, NULL),
         "only bool and floating types of key_padding_mask are supported");
  a.key_padding_mask = ct_zeros(CT_SHAPE(2, 3), CT_BOOL);
  MISUSE(ct_multihead_attention_forward(mha, q, q, q, &a, NULL),
         "expecting key_padding_mask shape of (2, 4), but got torch.Size([2, 3])");
  a.key_padding_mask = ct_randn(CT_SHAPE(2, 4), CT_FLOAT32);
  a.attn_mask = ct_zeros(CT_SHAPE(4, 4), CT_FLOAT32);
  MISUSE(ct_multihead_attention_forward(mha, q, q, q, &a, NULL), "Mask tensor can take 0 and 1 values only");
  a = ct_multihead_attention_forward_defaults();
  MISUSE(ct_multihead_attention_forward(mha, ct_randn(CT_SHAPE(4, 6), CT_FLOAT32), k2, k2,
                                        &(ct_multihead_attention_args){.attn_mask = ct_zeros(CT_SHAPE(3, 4, 4), CT_BOOL)},
                                        NULL),
         "Expected `attn_mask` shape to be (2, 4, 4) but got torch.Size([3, 4, 4])");
  ct_tensor *w = q;
  MISUSE(ct_multihead_attention_forward(NULL, q, q, q, &a, &w), "expected a MultiheadAttention module");
  assert_null(w);
  MISUSE(ct_multihead_attention_forward(ct_module_child(mha, 0), q, q, q, &a, NULL),
         "expected a MultiheadAttention module");
  NULL_PASSES(ct_multihead_attention_forward(mha, bad, q, q, &a, NULL));
  NULL_PASSES(ct_multihead_attention_forward(mha, q, q, bad, &a, NULL));
  ct_transformer_encoder_layer_options lo = ct_transformer_encoder_layer_defaults();
  lo.activation = "tanh";
  MISUSE(ct_transformer_encoder_layer_new(6, 2, lo), "activation should be relu/gelu, not tanh");
  lo = ct_transformer_encoder_layer_defaults();
  lo.dim_feedforward = 8;
  MISUSE(ct_transformer_encoder_layer_new(6, 4, lo), "embed_dim must be divisible by num_heads");
  ct_module *layer = ct_transformer_encoder_layer_new(6, 2, lo);
  MISUSE(ct_transformer_encoder_layer_forward(layer, q, NULL, ct_zeros(CT_SHAPE(2, 4), CT_INT64)),
         "only bool and floating types of key_padding_mask are supported");
  MISUSE(ct_transformer_encoder_layer_forward(mha, q, NULL, NULL), "expected a TransformerEncoderLayer");
  NULL_PASSES(ct_transformer_encoder_layer_forward(layer, bad, NULL, NULL));
  MISUSE(ct_transformer_encoder_new(layer, 0, ct_layer_norm_new(1, (int64_t[]){6}, 1e-5, true)),
         "TransformerEncoder: expected a TransformerEncoderLayer and num_layers >= 1, got TransformerEncoderLayer and 0");
  MISUSE(ct_transformer_encoder_new(NULL, 2, NULL), "expected a TransformerEncoderLayer");
  ct_module *enc = ct_transformer_encoder_new(ct_transformer_encoder_layer_new(6, 2, lo), 2, NULL);
  assert_non_null(enc);
  MISUSE(ct_transformer_encoder_forward(enc, q, NULL, ct_zeros(CT_SHAPE(2, 4), CT_INT32)),
         "only bool and floating types of key_padding_mask are supported");
  MISUSE(ct_transformer_encoder_forward(enc, q, ct_zeros(CT_SHAPE(3, 3), CT_FLOAT32), NULL),
         "The shape of the 2D attn_mask is torch.Size([3, 3]), but should be (4, 4).");
  MISUSE(ct_transformer_encoder_forward(mha, q, NULL, NULL), "expected a TransformerEncoder");
  MISUSE(ct_module_forward(ct_module_child(enc, 0), q), "Module [ModuleList] is missing the required \"forward\" function");
  NULL_PASSES(ct_transformer_encoder_forward(enc, bad, NULL, NULL));
  ct_tensor *d = ct_randn(CT_SHAPE(2, 4, 6), CT_FLOAT64), *f = ct_randn(CT_SHAPE(2, 4, 6), CT_FLOAT32);
  MISUSE(ct_scaled_dot_product_attention(f, d, f, NULL, 0, false),
         "Expected query, key, and value to have the same dtype, but got query.dtype: float key.dtype: double and "
         "value.dtype: float instead.");
  MISUSE(ct_scaled_dot_product_attention(ct_randn(CT_SHAPE(6), CT_FLOAT32), f, f, NULL, 0, false),
         "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: 1 key.dim: 3 and "
         "value.dim: 3 instead.");
  MISUSE(ct_scaled_dot_product_attention(f, f, f, ct_zeros(CT_SHAPE(4, 4), CT_INT64), 0, false),
         "Expected attn_mask dtype to be bool or to match query dtype, but got attn_mask.dtype: long and  query.dtype: "
         "float instead.");
  MISUSE(ct_scaled_dot_product_attention(f, f, f, ct_ones(CT_SHAPE(4, 4), CT_BOOL), 0, true),
         "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True");
  MISUSE(ct_scaled_dot_product_attention(f, f, f, NULL, 1.5, false),
         "dropout probability has to be between 0 and 1, but got 1.5");
  MISUSE(ct_scaled_dot_product_attention(f, ct_randn(CT_SHAPE(2, 4, 5), CT_FLOAT32), f, NULL, 0, false),
         "Expected size for first two dimensions of batch2 tensor to be: [2, 6] but got: [2, 5].");
  NULL_PASSES(ct_scaled_dot_product_attention(f, bad, f, NULL, 0, false));
  MISUSE(ct_generate_square_subsequent_mask(-2), "Trying to create tensor with negative dimension -2: [-2, -2]");
  ct_module_free(enc);
  ct_module_free(mha);
  area_done(s);
}

static void test_catalogue_size(void **state) {
  (void)state;
  expect_cases_at_least(294);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_modules),
      cmocka_unit_test(test_layers),
      cmocka_unit_test(test_state_dicts),
      cmocka_unit_test(test_init),
      cmocka_unit_test(test_losses),
      cmocka_unit_test(test_optimizers),
      cmocka_unit_test(test_extra_activations),
      cmocka_unit_test(test_containers),
      cmocka_unit_test(test_clip_grad),
      cmocka_unit_test(test_extra_losses),
      cmocka_unit_test(test_embedding_bag),
      cmocka_unit_test(test_recurrent),
      cmocka_unit_test(test_attention),
      cmocka_unit_test(test_catalogue_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
