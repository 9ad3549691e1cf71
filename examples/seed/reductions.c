// Seed section "tensor内部运算": sum, std, mean along dims.
#include <stdio.h>
#include <ctorch.h>

// print("<label>{}".format(t)): a 0-d tensor formats as its Python float, others as str(t).
static void print_format(const char *label, ct_tensor *t) {
  char text[4096];
  double v;
  if (ct_dim(t) == 0 && ct_item(t, &v) == CT_OK) ct_format_float(v, text, sizeof text);
  else ct_repr(t, text, sizeof text);
  printf("%s%s\n", label, text);
}

int main(void) {
  ct_manual_seed(0);
  ct_tensor *x_view = ct_view(ct_arange(1, 7, 1, CT_INT64), CT_SHAPE(2, 3));
  ct_print(x_view);
  ct_print(ct_sum_dim(x_view, 0, false)); // x_view.sum(dim=0): column sums
  ct_print(ct_sum_dim(x_view, 1, false)); // x_view.sum(dim=1): row sums
  ct_tensor *xf = ct_to_dtype(x_view, CT_FLOAT32);
  ct_print(ct_std_dim(xf, 0, false)); // unbiased standard deviation
  ct_print(ct_std_dim(xf, 1, false));

  ct_tensor *m = ct_tensor_parse("[[1., 1.], [2., 2.], [3., 3.], [4., 4.]]");
  print_format("Mean: ", ct_mean(m));
  print_format("Mean in the 0th dimension: ", ct_mean_dim(m, 0, false));
  print_format("Mean in the 1st dimension: ", ct_mean_dim(m, 1, false));
  ct_print(ct_max(m));
  ct_print(ct_argmax(m));
  ct_print(ct_sum(m));
  return 0;
}
