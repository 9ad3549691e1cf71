// Seed section "索引indexing" and "获得标量 item".
#include <stdio.h>
#include <ctorch.h>

int main(void) {
  ct_manual_seed(0);
  ct_tensor *x = ct_Tensor_parse("[[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[9, 10], [11, 12]]]");
  ct_print(x);
  ct_print_shape(x);
  ct_print(ct_select(x, 0, 0)); // x[0]
  ct_print(ct_select(ct_select(x, 2, 0), 1, 0)); // x[:, 0, 0]
  ct_tensor *i = ct_tensor_parse("[0, 0, 1, 1]");
  ct_print(ct_index(x, i)); // x[i]: x[0], x[0], x[1], x[1]
  ct_tensor *x000 = ct_select(ct_select(ct_select(x, 0, 0), 0, 0), 0, 0); // x[0, 0, 0]
  ct_print(x000);
  double item;
  ct_item(x000, &item); // x[0, 0, 0].item()
  char text[64];
  ct_format_float(item, text, sizeof text);
  printf("%s\n", text);
  ct_print(ct_slice(ct_slice(x, 0, 1, CT_END, 1), 2, 0, CT_END, 2)); // x[1:, :, ::2]
  return 0;
}
