// The value tree behind include/ctorch/serialize.h, shared by the pickle reader and writer,
// the .pt archive and safetensors. Besides the public kinds, the unpickler keeps two
// internal ones on its stack (a global it may call, a storage from a persistent id); they
// never reach a tree handed to the caller.
#ifndef CTORCH_SRC_IO_VALUE_IMPL_H
#define CTORCH_SRC_IO_VALUE_IMPL_H
#include "core/tensor_impl.h"
#include "ctorch/serialize.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// Internal kinds, after the public ones.
enum { CT__VALUE_GLOBAL = CT_VALUE_UINT8 + 1, CT__VALUE_STORAGE };

/// The storage type torch.ByteStorage: loaded as raw bytes (a CT_BOOL-sized storage left
/// as it is) and rebuilt only as a CT_VALUE_UINT8.
#define CT__DTYPE_UINT8 CT_NUM_DTYPES

/// The globals the strict unpickler knows (torch 1.13's weights_only set).
typedef enum ct__pickle_global {
  CT__G_REBUILD_TENSOR_V2,
  CT__G_REBUILD_TENSOR,
  CT__G_REBUILD_PARAMETER,
  CT__G_ORDERED_DICT,
  CT__G_SIZE,
  CT__G_PARAMETER,
  CT__G_STORAGE_TYPE, // torch.FloatStorage ...: dtype holds the ctorch dtype, or -1
  CT__G_UNSUPPORTED,  // allowed by PyTorch, unknown to ctorch (sparse, meta, dtypes ...)
} ct__pickle_global;

struct ct_value {
  int kind;      // ct_value_kind or an internal kind
  int refs;      // the unpickler's memo shares nodes; every other node has one owner
  bool ordered;  // a dict that came from / goes to an OrderedDict
  bool is_bytes; // a string from SHORT_BINSTRING (Python bytes); a storage of torch.ByteStorage
  int depth;     // nesting depth of the deepest container below (0 for a leaf)
  union {
    bool b;
    int64_t i;
    double f;
    struct {
      char *s;
      size_t len;
    } str;             // also the bytes of a CT_VALUE_UINT8
    ct_tensor *tensor; // owned reference (a tensor node, or the base of a storage node)
    struct {
      ct_value **items; // dicts: key, value, key, value ...
      int64_t len, cap;
    } seq;
    struct {
      ct__pickle_global id;
      int dtype; // CT__G_STORAGE_TYPE: a ct_dtype, or -1
      char *name;
    } global;
  } u;
};

/// A new node of any kind (zeroed payload), NULL on allocation failure (no message).
ct_value *ct__value_new(int kind);
/// Appends without checks (seq must be a list, tuple or dict); false when out of memory.
bool ct__value_push(ct_value *seq, ct_value *item);
/// A deep copy (tensors shared by reference), NULL when out of memory. *budget counts
/// the nodes that may still be made; the copy fails (NULL, *budget < 0) past it.
ct_value *ct__value_copy(const ct_value *v, int64_t *budget);
/// Finds a dict key equal to key (same kind, same int or string); returns its entry index or -1.
int64_t ct__value_dict_find(const ct_value *dict, const ct_value *key);
/// The NULL rule for values (error.h): the pending error's status when a failed call
/// produced the NULL, else CT_ERR_ARG with "<fn>: value is NULL".
ct_status ct__null_value_status(const char *fn);
/// model.state_dict() as an OrderedDict of detached tensors (pt_state_dict.c).
ct_value *ct__state_dict_value(ct_module *m);
/// model.load_state_dict(v, strict) for a dict of name -> tensor; `path` names the file in
/// messages. All or nothing (ct_module_load_state_dict's rule).
ct_status ct__load_state_dict_value(ct_module *m, const ct_value *v, bool strict, const char *path);
/// Recomputes v->depth from its children.
void ct__value_update_depth(ct_value *v, const ct_value *child);
#endif
