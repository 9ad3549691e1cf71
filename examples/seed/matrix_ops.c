// Seed section "tensor 矩阵之间运算": /, @, matmul, *, outer, dot, broadcasting.
#include <ctorch.h>

int main(void) {
  ct_manual_seed(0);
  ct_tensor *a = ct_mul_scalar(ct_ones(CT_SHAPE(4, 3), CT_FLOAT32), 6); // a = torch.ones((4,3)) * 6
  ct_print(a);
  ct_tensor *b = ct_mul_scalar(ct_ones(CT_SHAPE(3), CT_FLOAT32), 2); // b = torch.ones(3) * 2
  ct_print(b);
  ct_print(ct_div(a, b));        // a / b  (b broadcasts over the rows)
  ct_print(ct_matmul(a, b));     // a @ b
  ct_print(ct_matmul(a, b));     // a.matmul(b)
  ct_print(ct_mul(a, b));        // a * b  (elementwise)
  ct_print(ct_matmul(a, ct_T(a)));  // a @ a.T

  ct_tensor *u = ct_tensor_parse("[1., 2., 3.]");
  ct_tensor *v = ct_tensor_parse("[4., 5.]");
  ct_print(ct_outer(u, v));      // torch.outer(u, v)
  ct_print(ct_dot(u, u));        // torch.dot(u, u)
  ct_print(ct_add(a, b));        // a + b
  ct_print(ct_sub_scalar(a, 1)); // a - 1
  return 0;
}
