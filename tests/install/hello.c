// The README's 10-line program, built against an installed ctorch.
#include <ctorch.h>
int main(void) {
  ct_scope *s = ct_scope_open();
  ct_tensor *x = ct_tensor_parse("[2.]");
  ct_set_requires_grad(x, true);
  ct_tensor *y = ct_mul_scalar(ct_mul(x, x), 3); // 3x^2
  ct_backward(y, NULL);
  ct_print(ct_grad(x)); // tensor([12.])
  ct_scope_close(s);
  return 0;
}
