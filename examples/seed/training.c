// Seed sections "optimization 优化" and "train": data, Adam, BCELoss, 10 epochs.
#include <stdio.h>
#include <stdlib.h>
#include <ctorch.h>
#include "multilayer_perceptron.h"

int main(void) {
  ct_manual_seed(0);
  // Tensors made outside the loop belong to the thread's root scope until the program ends;
  // each epoch opens a scope of its own, so memory does not grow with the epochs.
  // y = torch.ones(10, 5); x = y + torch.randn_like(y): the model should recover y.
  ct_tensor *y = ct_ones(CT_SHAPE(10, 5), CT_FLOAT32);
  ct_tensor *x = ct_add(y, ct_randn_like(y));
  ct_print(x);

  ct_module *model = MultilayerPerceptron_new(5, 3);
  int n_params;
  ct_tensor **params = ct_module_parameters(model, &n_params);
  ct_adam_options adam_options = ct_adam_defaults();
  adam_options.lr = 1e-1;
  ct_optimizer *adam = ct_adam_new(params, n_params, adam_options);
  free(params);

  char text[64];
  double loss_value;
  ct_tensor *y_pred = ct_module_forward(model, x);
  ct_item(ct_binary_cross_entropy(y_pred, y, NULL, CT_REDUCTION_MEAN), &loss_value); // loss_function(y_pred, y).item()
  ct_format_float(loss_value, text, sizeof text);
  printf("%s\n", text);

  for (int epoch = 0; epoch < 10; epoch++) {
    ct_scope *step = ct_scope_open();
    ct_optimizer_zero_grad(adam, true);       // adam.zero_grad()
    y_pred = ct_module_forward(model, x);     // y_pred = model(x)
    ct_tensor *loss = ct_binary_cross_entropy(y_pred, y, NULL, CT_REDUCTION_MEAN);
    ct_item(loss, &loss_value);
    ct_format_float(loss_value, text, sizeof text);
    printf("Epoch %d: traing loss: %s\n", epoch, text);
    ct_backward(loss, NULL);                  // loss.backward()
    ct_optimizer_step(adam);                  // adam.step()
    ct_scope_close(step);
  }

  ct_named_list *named = ct_module_named_parameters(model);
  for (int i = 0; i < named->count; i++) {
    char grad[4096];
    ct_repr(ct_grad(named->items[i].tensor), grad, sizeof grad);
    printf("Gradient of %s: %s\n", named->items[i].name, grad);
  }
  ct_named_list_free(named);

  ct_print(ct_module_forward(model, x)); // how the model does on the training data

  ct_optimizer_free(adam);
  ct_module_free(model);
  return 0;
}
