// Seed section "创建torch": tensors from data, from a NumPy-style buffer, *_like, random.
#include <ctorch.h>

int main(void) {
  ct_manual_seed(0);
  // data = [[0, 1], [2, 3], [4, 5]]; x_python = torch.tensor(data)
  ct_tensor *x_python = ct_tensor_parse("[[0, 1], [2, 3], [4, 5]]");
  ct_print(x_python);

  // npArray = np.array(data); x_tensor = torch.from_numpy(npArray)  (no copy)
  int64_t np_array[] = {0, 1, 2, 3, 4, 5};
  ct_tensor *x_tensor = ct_from_blob(np_array, CT_INT64, CT_SHAPE(3, 2), NULL, NULL, NULL);
  ct_print(x_tensor);

  // x = torch.tensor([[1., 2], [3, 4]])
  ct_tensor *x = ct_tensor_parse("[[1., 2], [3, 4]]");
  ct_print(x);
  ct_print(ct_zeros_like(x));
  ct_print(ct_ones_like(x));
  ct_print(ct_rand_like(x));  // uniform on [0, 1)
  ct_print(ct_randn_like(x)); // standard normal

  ct_print(ct_Tensor_parse("[[1, 2], [3, 4]]")); // torch.Tensor(data) is always float
  ct_print(ct_arange(0, 5, 1, CT_INT64));
  ct_print(ct_arange(0.5, 2.5, 0.5, CT_FLOAT32));
  ct_print(ct_full(CT_SHAPE(2, 3), 7.0, CT_FLOAT32));
  ct_print(ct_eye(3, -1, CT_FLOAT32));
  ct_print(ct_rand(CT_SHAPE(2, 3), CT_FLOAT32));
  ct_print(ct_randn(CT_SHAPE(2, 3), CT_FLOAT32));
  ct_print(ct_randint(0, 10, CT_SHAPE(2, 4)));
  return 0;
}
