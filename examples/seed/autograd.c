// Seed section "autograd 自动梯度计算": backward, gradient accumulation, backward(gradient).
#include <stdio.h>
#include <ctorch.h>

int main(void) {
  ct_manual_seed(0);
  // No scope is opened: the thread's root scope owns every tensor below until the program
  // ends (a loop would open one scope per iteration).
  ct_tensor *x = ct_tensor_parse("[2.]"); // x = torch.tensor([2.], requires_grad=True)
  ct_set_requires_grad(x, true);
  printf("None\n"); // x.grad is None before any backward
  if (ct_grad(x)) return 1;

  ct_tensor *y = ct_mul_scalar(ct_mul(x, x), 3); // y = x * x * 3
  ct_backward(y, NULL);
  ct_print(ct_grad(x)); // d(3x^2)/dx = 6x = 12

  ct_tensor *z = ct_mul_scalar(ct_mul(x, x), 3);
  ct_backward(z, NULL);
  ct_print(ct_grad(x)); // gradients accumulate: 12 + 12 = 24

  ct_tensor *x2 = ct_tensor_parse("[[1., 2.], [3., 4.]]");
  ct_set_requires_grad(x2, true);
  ct_tensor *y2 = ct_pow_scalar(x2, 2); // y = x ** 2
  ct_print(y2);
  ct_tensor *grad_tensor = ct_tensor_parse("[[1., 1.], [1., 1.]]");
  ct_backward(y2, grad_tensor); // y.backward(grad_tensor)
  ct_print(ct_grad(x2));        // 2x
  return 0;
}
