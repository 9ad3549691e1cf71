// Seed section "Liner layer" and the Sigmoid activation.
#include <stdlib.h>
#include <ctorch.h>

int main(void) {
  ct_manual_seed(0);
  ct_module *linear = ct_linear_new(4, 2, true); // nn.Linear(4, 2)
  ct_module *sigmoid = ct_sigmoid_new();
  ct_tensor *input = ct_ones(CT_SHAPE(2, 3, 4), CT_FLOAT32);
  ct_print(input);
  ct_tensor *linear_output = ct_module_forward(linear, input); // (2, 3, 4) -> (2, 3, 2)
  ct_print(linear_output);
  int n;
  ct_tensor **params = ct_module_parameters(linear, &n); // linear.parameters(): A and b
  for (int i = 0; i < n; i++) ct_print(params[i]);
  free(params);
  ct_print(ct_module_forward(sigmoid, linear_output));
  ct_module_free(sigmoid);
  ct_module_free(linear);
  return 0;
}
