// Seed section "tensor's shape" and "重塑tensor的方法 view".
#include <ctorch.h>

int main(void) {
  ct_manual_seed(0);
  ct_tensor *a = ct_mul_scalar(ct_ones(CT_SHAPE(4, 3), CT_FLOAT32), 6);
  ct_print_shape(a);        // a.shape
  ct_print_shape(ct_T(a));  // a.T.shape

  ct_tensor *x = ct_arange(1, 7, 1, CT_INT64); // x = torch.arange(1, 7)
  ct_print(ct_view(x, CT_SHAPE(2, 3)));        // x.view(2, 3)
  ct_print(ct_view(x, CT_SHAPE(2, -1)));       // x.view(2, -1): -1 is inferred
  ct_print(ct_view(x, CT_SHAPE(-1)));          // x.view(-1)
  ct_print(ct_view(ct_contiguous(ct_T(ct_view(x, CT_SHAPE(2, 3)))), CT_SHAPE(-1)));
  ct_print_shape(ct_reshape(x, CT_SHAPE(3, 2)));
  return 0;
}
