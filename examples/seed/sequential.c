// Seed section "putting the layers together": nn.Sequential.
#include <ctorch.h>

int main(void) {
  ct_manual_seed(0);
  ct_module *block = ct_sequential_new(2, (ct_module *[]){ct_linear_new(4, 2, true), ct_sigmoid_new()});
  ct_module_print(block);
  ct_tensor *input = ct_ones(CT_SHAPE(2, 3, 4), CT_FLOAT32);
  ct_print(ct_module_forward(block, input));
  ct_module_free(block);
  return 0;
}
