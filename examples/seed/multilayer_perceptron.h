// The seed's custom module, shared by custom_module.c and training.c:
//
//   class MultilayerPerceptron(nn.Module):
//     def __init__(self, input_size, hidden_size):
//       super(MultilayerPerceptron, self).__init__()
//       self.model = nn.Sequential(nn.Linear(input_size, hidden_size), nn.ReLU(),
//                                  nn.Linear(hidden_size, input_size), nn.Sigmoid())
//     def forward(self, x):
//       return self.model(x)
#ifndef SEED_MULTILAYER_PERCEPTRON_H
#define SEED_MULTILAYER_PERCEPTRON_H
#include <ctorch.h>

typedef struct MultilayerPerceptron {
  ct_module base; // "inherits" nn.Module: must come first
  int64_t input_size, hidden_size;
  ct_module *model;
} MultilayerPerceptron;

static ct_tensor *mlp_forward(ct_module *self, ct_tensor *x) {
  MultilayerPerceptron *mlp = (MultilayerPerceptron *)self;
  return ct_module_forward(mlp->model, x);
}

static const ct_module_vtable mlp_vtable = {"MultilayerPerceptron", mlp_forward, NULL, NULL};

static inline ct_module *MultilayerPerceptron_new(int64_t input_size, int64_t hidden_size) {
  MultilayerPerceptron *mlp = ct_module_new(sizeof *mlp, &mlp_vtable);
  if (!mlp) return NULL;
  mlp->input_size = input_size;
  mlp->hidden_size = hidden_size;
  mlp->model = ct_module_register_module(&mlp->base, "model",
                                         ct_sequential_new(4, (ct_module *[]){
                                                                  ct_linear_new(input_size, hidden_size, true),
                                                                  ct_relu_new(),
                                                                  ct_linear_new(hidden_size, input_size, true),
                                                                  ct_sigmoid_new(),
                                                              }));
  if (!mlp->model) {
    ct_module_free(&mlp->base);
    return NULL;
  }
  return &mlp->base;
}
#endif
