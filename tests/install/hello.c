// The README's 10-line program, built against an installed ctorch.
#include <ctorch.h>
int main(void) {
  ct_manual_seed(0);
  ct_tensor *x = ct_tensor_parse("[2.]"); // owned by the thread's root scope
  ct_set_requires_grad(x, true);
  ct_tensor *y = ct_mul_scalar(ct_mul(x, x), 3); // 3x^2
  ct_backward(y, NULL);
  ct_print(ct_grad(x)); // tensor([12.])
  return 0;             // the root scope frees everything
}
