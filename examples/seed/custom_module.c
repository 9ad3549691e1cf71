// Seed section "Custom Modules 自定义模块": a user module and its named parameters.
#include <stdio.h>
#include <ctorch.h>
#include "multilayer_perceptron.h"

int main(void) {
  ct_manual_seed(0);
  ct_module *model = MultilayerPerceptron_new(5, 3);
  ct_module_print(model);
  ct_named_list *params = ct_module_named_parameters(model); // model.named_parameters()
  for (int i = 0; i < params->count; i++) {
    printf("%s\n", params->items[i].name);
    ct_print(params->items[i].tensor);
  }
  ct_named_list_free(params);
  ct_print(ct_module_forward(model, ct_ones(CT_SHAPE(2, 5), CT_FLOAT32))); // model(input)
  ct_module_free(model);
  return 0;
}
