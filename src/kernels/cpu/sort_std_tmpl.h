// The sorting and selection algorithms PyTorch 1.13's CPU kernels call, for one dtype,
// on an array of (value, index) pairs: GNU libstdc++'s std::sort (introsort: median of
// three pivots, depth limit 2 * floor(log2 n), heap sort below the limit, a final
// insertion sort over runs of 16), std::nth_element (introselect), std::partial_sort
// (heap select + heap sort), a stable merge sort (any stable sort gives std::stable_sort's
// order), and the median-of-three quickselect of PyTorch's kthvalue. Reproducing their
// comparison and move order makes ties and unstable sorts land where PyTorch puts them.
// Included by sort_tmpl.h with:
//   T  the element type   SFX  its suffix   SORT_ISNAN(x)  isnan for floats, 0 otherwise
// `desc` selects the comparator: false a < b, true a > b, NaN greater than everything.

typedef struct NAME(pair) {
  T v;
  int64_t i;
} NAME(pair);
#define PAIR NAME(pair)

// PyTorch's KeyValueCompAsc / KeyValueCompDesc (and topk's, kthvalue's comparators).
static inline __attribute__((always_inline)) bool NAME(before)(T a, T b, bool desc) {
  if (desc) return (SORT_ISNAN(a) && !SORT_ISNAN(b)) || a > b;
  return (!SORT_ISNAN(a) && SORT_ISNAN(b)) || a < b;
}
#define LESS(x, y) NAME(before)((x).v, (y).v, desc)

static inline void NAME(swap)(PAIR *a, PAIR *b) {
  PAIR t = *a;
  *a = *b;
  *b = t;
}

// Shifts *last left past the pairs that should follow it (unguarded: something before
// it stops the walk).
static void NAME(linear_insert)(PAIR *last, bool desc) {
  PAIR val = *last;
  PAIR *next = last - 1;
  while (LESS(val, *next)) {
    *last = *next;
    last = next--;
  }
  *last = val;
}

static void NAME(insertion_sort)(PAIR *first, PAIR *last, bool desc) {
  if (first == last) return;
  for (PAIR *i = first + 1; i != last; ++i) {
    if (LESS(*i, *first)) {
      PAIR val = *i;
      memmove(first + 1, first, (size_t)(i - first) * sizeof(PAIR));
      *first = val;
    } else {
      NAME(linear_insert)(i, desc);
    }
  }
}

static void NAME(median_to_first)(PAIR *result, PAIR *a, PAIR *b, PAIR *c, bool desc) {
  PAIR *m;
  if (LESS(*a, *b)) m = LESS(*b, *c) ? b : LESS(*a, *c) ? c : a;
  else m = LESS(*a, *c) ? a : LESS(*b, *c) ? c : b;
  NAME(swap)(result, m);
}

static PAIR *NAME(unguarded_partition)(PAIR *first, PAIR *last, const PAIR *pivot, bool desc) {
  for (;;) {
    while (LESS(*first, *pivot)) ++first;
    --last;
    while (LESS(*pivot, *last)) --last;
    if (!(first < last)) return first;
    NAME(swap)(first, last);
    ++first;
  }
}

static PAIR *NAME(partition_pivot)(PAIR *first, PAIR *last, bool desc) {
  PAIR *mid = first + (last - first) / 2;
  NAME(median_to_first)(first, first + 1, mid, last - 1, desc);
  return NAME(unguarded_partition)(first + 1, last, first, desc);
}

// ---- binary heap (the first element is the largest under LESS) ----
static void NAME(push_heap)(PAIR *first, int64_t hole, int64_t top, PAIR value, bool desc) {
  int64_t parent = (hole - 1) / 2;
  while (hole > top && LESS(first[parent], value)) {
    first[hole] = first[parent];
    hole = parent;
    parent = (hole - 1) / 2;
  }
  first[hole] = value;
}

static void NAME(adjust_heap)(PAIR *first, int64_t hole, int64_t len, PAIR value, bool desc) {
  const int64_t top = hole;
  int64_t child = hole;
  while (child < (len - 1) / 2) {
    child = 2 * (child + 1);
    if (LESS(first[child], first[child - 1])) child--;
    first[hole] = first[child];
    hole = child;
  }
  if ((len & 1) == 0 && child == (len - 2) / 2) {
    child = 2 * (child + 1);
    first[hole] = first[child - 1];
    hole = child - 1;
  }
  NAME(push_heap)(first, hole, top, value, desc);
}

static void NAME(pop_heap)(PAIR *first, PAIR *last, PAIR *result, bool desc) {
  PAIR value = *result;
  *result = *first;
  NAME(adjust_heap)(first, 0, last - first, value, desc);
}

static void NAME(heap_select)(PAIR *first, PAIR *middle, PAIR *last, bool desc) {
  const int64_t len = middle - first;
  if (len >= 2)
    for (int64_t parent = (len - 2) / 2;; parent--) {
      NAME(adjust_heap)(first, parent, len, first[parent], desc);
      if (parent == 0) break;
    }
  for (PAIR *i = middle; i < last; ++i)
    if (LESS(*i, *first)) NAME(pop_heap)(first, middle, i, desc);
}

// std::partial_sort: the smallest (middle - first) pairs, sorted, in front.
static void NAME(partial_sort)(PAIR *first, PAIR *middle, PAIR *last, bool desc) {
  NAME(heap_select)(first, middle, last, desc);
  while (middle - first > 1) {
    --middle;
    NAME(pop_heap)(first, middle, middle, desc);
  }
}

static int64_t NAME(depth_limit)(int64_t n) { return 2 * (63 - __builtin_clzll((unsigned long long)n)); }

static void NAME(introsort_loop)(PAIR *first, PAIR *last, int64_t depth, bool desc) {
  while (last - first > 16) {
    if (depth == 0) {
      NAME(partial_sort)(first, last, last, desc);
      return;
    }
    --depth;
    PAIR *cut = NAME(partition_pivot)(first, last, desc);
    NAME(introsort_loop)(cut, last, depth, desc);
    last = cut;
  }
}

// std::sort.
static void NAME(std_sort)(PAIR *first, PAIR *last, bool desc) {
  if (first == last) return;
  NAME(introsort_loop)(first, last, NAME(depth_limit)(last - first), desc);
  if (last - first > 16) {
    NAME(insertion_sort)(first, first + 16, desc);
    for (PAIR *i = first + 16; i != last; ++i) NAME(linear_insert)(i, desc);
  } else {
    NAME(insertion_sort)(first, last, desc);
  }
}

#ifdef SORT_SELECT // topk and kthvalue (not for bool)
// std::nth_element.
static void NAME(nth_element)(PAIR *first, PAIR *nth, PAIR *last, bool desc) {
  if (first == last || nth == last) return;
  int64_t depth = NAME(depth_limit)(last - first);
  while (last - first > 3) {
    if (depth == 0) {
      NAME(heap_select)(first, nth + 1, last, desc);
      NAME(swap)(first, nth);
      return;
    }
    --depth;
    PAIR *cut = NAME(partition_pivot)(first, last, desc);
    if (cut <= nth) first = cut;
    else last = cut;
  }
  NAME(insertion_sort)(first, last, desc);
}

#endif

// Stable merge sort of a[0..n) with a buffer of n pairs.
static void NAME(stable_sort)(PAIR *a, PAIR *buf, int64_t n, bool desc) {
  for (int64_t lo = 0; lo < n; lo += 16) NAME(insertion_sort)(a + lo, a + (lo + 16 < n ? lo + 16 : n), desc);
  PAIR *src = a, *dst = buf;
  for (int64_t width = 16; width < n; width *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * width) {
      int64_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      int64_t i = lo, j = mid, o = lo;
      while (i < mid && j < hi) dst[o++] = LESS(src[j], src[i]) ? src[j++] : src[i++];
      while (i < mid) dst[o++] = src[i++];
      while (j < hi) dst[o++] = src[j++];
    }
    PAIR *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, (size_t)n * sizeof(PAIR));
}

#ifdef SORT_SELECT
// PyTorch's quick_select_template with the "greater or NaN" comparison: afterwards
// a[k] holds the k-th smallest (0-based) pair in PyTorch's order.
static void NAME(quick_select)(PAIR *a, int64_t n, int64_t k) {
  const bool desc = true; // gt_or_nan(x, y) is LESS under the descending comparator
  int64_t L = 0, R = n - 1;
  for (;;) {
    if (R <= L) return;
    if (R == L + 1) {
      if (LESS(a[L], a[R])) NAME(swap)(&a[L], &a[R]);
      return;
    }
    int64_t mid = L + (R - L) / 2;
    NAME(swap)(&a[mid], &a[L + 1]);
    if (LESS(a[L + 1], a[R])) NAME(swap)(&a[L + 1], &a[R]);
    if (LESS(a[L], a[R])) NAME(swap)(&a[L], &a[R]);
    if (LESS(a[L + 1], a[L])) NAME(swap)(&a[L + 1], &a[L]);
    int64_t i = L + 1, j = R;
    const PAIR piv = a[L];
    for (;;) {
      do i++;
      while (LESS(piv, a[i]));
      do j--;
      while (LESS(a[j], piv));
      if (j < i) break;
      NAME(swap)(&a[i], &a[j]);
    }
    NAME(swap)(&a[L], &a[j]);
    if (j <= k) L = i;
    if (j >= k) R = j - 1;
  }
}

#endif

#undef LESS
