// Seed section "tensor 矩阵的拼接 cat".
#include <ctorch.h>

int main(void) {
  ct_manual_seed(0);
  ct_tensor *x = ct_arange(1, 7, 1, CT_INT64);
  ct_tensor *a = ct_mul_scalar(ct_view(x, CT_SHAPE(2, 3)), 1.0); // a = x.view(2,3) * 1.0
  ct_print(a);
  ct_print(ct_cat((ct_tensor *[]){a, a, a}, 3, 0)); // torch.cat([a, a, a], 0)
  ct_print(ct_cat((ct_tensor *[]){a, a, a}, 3, 1)); // torch.cat([a, a, a], 1)
  ct_print(ct_stack((ct_tensor *[]){a, a}, 2, 0));  // torch.stack([a, a], 0)
  return 0;
}
