// Matrix products (kernels/blas.h) on the device: float32/float64 GEMM through cuBLAS
// (strided-batched, one call per product or batch) whenever every operand's layout maps
// onto a leading dimension; integer products, other layouts and k == 0 through a plain
// kernel (one thread per output element, k in order). dot is a deterministic block
// reduction. cuBLAS is column-major: a row-major C is computed as C^T = B^T A^T.
#include <climits>
#include <cublas_v2.h>
#include <type_traits>
#include "kernels/blas.h"
#include "kernels/cuda/cuda_common.cuh"

namespace {

// One cuBLAS handle per host thread and device (cuBLAS forbids sharing a handle between
// threads at once), bound to the backend's stream. Handles are never destroyed: a
// destructor at thread or process exit may run after the CUDA runtime has shut down.
cublasHandle_t handle_for_current_device() {
  thread_local cublasHandle_t handles[64];
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess || device < 0 || device >= 64) return nullptr;
  cublasHandle_t &h = handles[device];
  if (!h && cublasCreate(&h) != CUBLAS_STATUS_SUCCESS) return h = nullptr;
  cublasSetStream(h, CT_CUDA_STREAM);
  return h;
}

// A rows x cols matrix with element strides (rs, cs) as cuBLAS sees its memory: either
// row-major (cuBLAS reads its transpose, ld = rs) or column-major (ld = cs). Size-1 dims
// may have any stride.
struct BlasView {
  bool row_major;
  int64_t ld;
};
bool blas_view(int64_t rows, int64_t cols, int64_t rs, int64_t cs, BlasView *v) {
  const int64_t r1 = rows > 1 ? rows : 1, c1 = cols > 1 ? cols : 1;
  if ((cs == 1 || cols == 1) && (rows == 1 || rs >= c1)) {
    *v = {true, rows == 1 ? c1 : rs};
    return true;
  }
  if ((rs == 1 || rows == 1) && (cols == 1 || cs >= r1)) {
    *v = {false, cols == 1 ? r1 : cs};
    return true;
  }
  return false;
}

bool fits_int(int64_t x) { return x >= 0 && x <= INT_MAX; }

cublasStatus_t gemm_call(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                         const float *alpha, const float *a, int lda, long long sa, const float *b, int ldb,
                         long long sb, const float *beta, float *c, int ldc, long long sc, int batch) {
  return cublasSgemmStridedBatched(h, ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batch);
}
cublasStatus_t gemm_call(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                         const double *alpha, const double *a, int lda, long long sa, const double *b, int ldb,
                         long long sb, const double *beta, double *c, int ldc, long long sc, int batch) {
  return cublasDgemmStridedBatched(h, ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batch);
}

// C = alpha A B + beta C through cuBLAS; false when the layout or sizes do not map.
template <typename T> bool cublas_gemm(const ct_gemm_args *g) {
  BlasView av, bv, cv;
  if (!blas_view(g->m, g->k, g->a_rs, g->a_cs, &av) || !blas_view(g->k, g->n, g->b_rs, g->b_cs, &bv) ||
      !blas_view(g->m, g->n, g->c_rs, g->c_cs, &cv))
    return false;
  if (!fits_int(g->m) || !fits_int(g->n) || !fits_int(g->k) || !fits_int(g->batch) || !fits_int(av.ld) ||
      !fits_int(bv.ld) || !fits_int(cv.ld) || g->c_bs < 0 || (g->batch > 1 && g->c_bs == 0))
    return false;
  cublasHandle_t h = handle_for_current_device();
  if (!h) return false;
  cublasSetPointerMode(h, CUBLAS_POINTER_MODE_HOST);
  const T alpha = (T)g->alpha, beta = (T)g->beta;
  const T *a = static_cast<const T *>(g->a), *b = static_cast<const T *>(g->b);
  T *c = static_cast<T *>(g->c);
  cublasStatus_t st;
  if (cv.row_major) { // C^T (n x m) = B^T A^T: B^T is B's memory when B is row-major
    st = gemm_call(h, bv.row_major ? CUBLAS_OP_N : CUBLAS_OP_T, av.row_major ? CUBLAS_OP_N : CUBLAS_OP_T, (int)g->n,
                   (int)g->m, (int)g->k, &alpha, b, (int)bv.ld, g->b_bs, a, (int)av.ld, g->a_bs, &beta, c,
                   (int)cv.ld, g->c_bs, (int)g->batch);
  } else { // C (m x n) = A B: A is A's memory when A is column-major
    st = gemm_call(h, av.row_major ? CUBLAS_OP_T : CUBLAS_OP_N, bv.row_major ? CUBLAS_OP_T : CUBLAS_OP_N, (int)g->m,
                   (int)g->n, (int)g->k, &alpha, a, (int)av.ld, g->a_bs, b, (int)bv.ld, g->b_bs, &beta, c,
                   (int)cv.ld, g->c_bs, (int)g->batch);
  }
  return st == CUBLAS_STATUS_SUCCESS;
}

// The plain product: one thread per element of C, k in order; integers wrap (unsigned).
template <typename T, bool = std::is_floating_point_v<T>> struct Acc { using type = T; };
template <typename T> struct Acc<T, false> { using type = std::make_unsigned_t<T>; };
template <typename T> using acc_t = typename Acc<T>::type;
template <typename T> __global__ void plain_gemm_kernel(ct_gemm_args g, T alpha, T beta) {
  const int64_t per = g.m * g.n;
  CT_GRID_STRIDE(t, g.batch * per) {
    const int64_t bi = t / per, i = (t % per) / g.n, j = t % g.n;
    T *c = static_cast<T *>(g.c) + bi * g.c_bs + i * g.c_rs + j * g.c_cs;
    if (g.k == 0) { // C = beta * C, no alpha term (alpha * 0 would be -0 or nan), as the CPU
      *c = beta == T(0) ? T(0) : (T)((acc_t<T>)*c * (acc_t<T>)beta);
      continue;
    }
    const T *a = static_cast<const T *>(g.a) + bi * g.a_bs + i * g.a_rs;
    const T *b = static_cast<const T *>(g.b) + bi * g.b_bs + j * g.b_cs;
    acc_t<T> acc = 0;
    for (int64_t p = 0; p < g.k; p++) acc += (acc_t<T>)a[p * g.a_cs] * (acc_t<T>)b[p * g.b_rs];
    const acc_t<T> r = (acc_t<T>)alpha * acc;
    *c = beta == T(0) ? (T)r : (T)(r + (acc_t<T>)beta * (acc_t<T>)*c);
  }
}

template <typename T> void gemm(const ct_gemm_args *g) {
  if (g->m == 0 || g->n == 0 || g->batch == 0) return;
  if constexpr (std::is_floating_point_v<T>)
    if (g->k > 0 && cublas_gemm<T>(g)) return;
  plain_gemm_kernel<T><<<grid_for(g->batch * g->m * g->n), kBlockThreads, 0, CT_CUDA_STREAM>>>(*g, (T)g->alpha,
                                                                                             (T)g->beta);
  CT_CUDA_CHECK_LAUNCH("gemm");
}

// y = alpha A x + beta y as an m x 1 product.
template <typename T> void gemv(const ct_gemv_args *v) {
  ct_gemm_args g = {};
  g.batch = 1, g.m = v->m, g.n = 1, g.k = v->n;
  g.a = v->a, g.a_rs = v->a_rs, g.a_cs = v->a_cs;
  g.b = v->x, g.b_rs = v->incx, g.b_cs = 1;
  g.c = v->y, g.c_rs = v->incy, g.c_cs = 1;
  g.alpha = v->alpha, g.beta = v->beta;
  gemm<T>(&g);
}

// dot: one block; thread t sums products t, t + B, ... in order, then a fixed tree.
constexpr int kDotThreads = 256;
template <typename T> __global__ void dot_kernel(int64_t n, const T *x, int64_t incx, const T *y, int64_t incy, T *out) {
  __shared__ acc_t<T> part[kDotThreads];
  acc_t<T> acc = 0;
  for (int64_t i = threadIdx.x; i < n; i += kDotThreads) acc += (acc_t<T>)x[i * incx] * (acc_t<T>)y[i * incy];
  part[threadIdx.x] = acc;
  __syncthreads();
  for (int s = kDotThreads / 2; s > 0; s >>= 1) {
    if ((int)threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) *out = (T)part[0];
}
template <typename T> void dot(int64_t n, const void *x, int64_t incx, const void *y, int64_t incy, void *out) {
  dot_kernel<T><<<1, kDotThreads, 0, CT_CUDA_STREAM>>>(n, static_cast<const T *>(x), incx, static_cast<const T *>(y),
                                                      incy, static_cast<T *>(out));
  CT_CUDA_CHECK_LAUNCH("dot");
}

ct_blas_kernels make_blas_kernels() {
  ct_blas_kernels k = {};
  k.gemm[CT_INT32] = gemm<int32_t>, k.gemm[CT_INT64] = gemm<int64_t>;
  k.gemm[CT_FLOAT32] = gemm<float>, k.gemm[CT_FLOAT64] = gemm<double>;
  for (int d = 0; d < CT_NUM_DTYPES; d++) k.bmm[d] = k.gemm[d]; // PyTorch's CUDA bmm is cuBLAS at every size
  k.gemv[CT_INT32] = gemv<int32_t>, k.gemv[CT_INT64] = gemv<int64_t>;
  k.gemv[CT_FLOAT32] = gemv<float>, k.gemv[CT_FLOAT64] = gemv<double>;
  k.dot[CT_INT32] = dot<int32_t>, k.dot[CT_INT64] = dot<int64_t>;
  k.dot[CT_FLOAT32] = dot<float>, k.dot[CT_FLOAT64] = dot<double>;
  return k;
}

} // namespace

extern "C" {
extern const ct_blas_kernels ct__cuda_blas_kernels;
const ct_blas_kernels ct__cuda_blas_kernels = make_blas_kernels();
}
