/// @file serialize.h
/// @brief Saving and loading PyTorch's `.pt` files (torch.save / torch.load) and
/// safetensors files, through a small tree of values.
///
/// A `.pt` file is PyTorch 1.13's zip archive: `<name>/data.pkl` (a pickle of the saved
/// object), one stored entry `<name>/data/<key>` per storage, `<name>/version` and, when
/// present, `<name>/byteorder`. Loading runs a strict unpickler that accepts the opcodes and
/// globals `torch.load(f, weights_only=True)` accepts in PyTorch 1.13 (plus BINFLOAT, the
/// float opcode later PyTorch versions allow, so optimizer hyperparameters load); anything
/// else is refused with PyTorch's message ("Unsupported class os.system"), never executed.
/// Nesting, memo indices and the number of values are bounded; compressed or encrypted
/// entries are refused (PyTorch never writes them), so no entry can expand beyond the file.
/// Tensors that share a storage in the file load as views of one ctorch storage, with
/// their strides and storage offsets. Saving writes what torch.save writes: stored entries
/// whose data starts at a multiple of 64 bytes, one storage per distinct ctorch storage.
///
/// Every failure returns NULL or a ct_status with a message naming the file (or "buffer")
/// and what is wrong, and loads nothing.
#ifndef CTORCH_SERIALIZE_H
#define CTORCH_SERIALIZE_H
#include "ctorch/lr_scheduler.h"
#include "ctorch/nn.h"
#include "ctorch/optim.h"
#include "ctorch/random.h"
#include "ctorch/tensor.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What a value holds: Python's None, bool, int, float, str, a tensor, list, tuple or dict.
typedef enum ct_value_kind {
  CT_VALUE_NONE = 0,
  CT_VALUE_BOOL,
  CT_VALUE_INT,
  CT_VALUE_FLOAT,
  CT_VALUE_STRING,
  CT_VALUE_TENSOR,
  CT_VALUE_LIST,
  CT_VALUE_TUPLE,
  CT_VALUE_DICT,
  CT_VALUE_UINT8, ///< a 1-D contiguous torch.uint8 tensor (ctorch has no uint8 dtype: held as bytes)
} ct_value_kind;

/// A node of a value tree. Each node owns its children; a tensor node holds its own
/// reference to the tensor (outside any scope). Free the root with ct_value_free.
typedef struct ct_value ct_value;

/// None. NULL on allocation failure (as for every constructor below).
CT_API ct_value *ct_value_none(void);
CT_API ct_value *ct_value_bool(bool v);
CT_API ct_value *ct_value_int(int64_t v);
CT_API ct_value *ct_value_float(double v);
/// A copy of the NUL-terminated string s (UTF-8).
CT_API ct_value *ct_value_string(const char *s);
/// A tensor node: takes its own reference to t (NULL t returns NULL, keeping the error).
CT_API ct_value *ct_value_tensor(ct_tensor *t);
/// Empty containers. A dict keeps insertion order; its keys are strings or ints.
CT_API ct_value *ct_value_list(void);
CT_API ct_value *ct_value_tuple(void);
CT_API ct_value *ct_value_dict(void);
/// Appends item to a list or tuple. Takes ownership of item, also on failure (it is
/// freed then); a NULL item fails, keeping the error that produced it.
CT_API ct_status ct_value_append(ct_value *seq, ct_value *item);
/// dict[key] = value (replacing an equal key's value). Takes ownership of key and value,
/// also on failure. The key must be a string or an int.
CT_API ct_status ct_value_dict_set(ct_value *dict, ct_value *key, ct_value *value);
/// dict[key] = value for a string key (copied). Takes ownership of value.
CT_API ct_status ct_value_dict_set_str(ct_value *dict, const char *key, ct_value *value);
/// Frees a tree (releasing its tensors). NULL is a no-op.
CT_API void ct_value_free(ct_value *v);

/// A 1-D torch.uint8 tensor holding a copy of data[0..size) (e.g. a generator state from
/// ct_get_rng_state, saved as torch.get_rng_state() is).
CT_API ct_value *ct_value_uint8(const void *data, size_t size);

/// The kind of v (CT_VALUE_NONE for NULL).
CT_API ct_value_kind ct_value_get_kind(const ct_value *v);
/// The scalar held (false / 0 / NaN when v is not of that kind; an int reads as a float too).
CT_API bool ct_value_as_bool(const ct_value *v);
CT_API int64_t ct_value_as_int(const ct_value *v);
CT_API double ct_value_as_float(const ct_value *v);
/// The string held (borrowed), NULL when v is not a string.
CT_API const char *ct_value_as_string(const ct_value *v);
/// The tensor held (borrowed: valid while v is; ct_retain it to keep it), or NULL.
CT_API ct_tensor *ct_value_as_tensor(const ct_value *v);
/// The bytes of a CT_VALUE_UINT8 node (borrowed; ct_value_len bytes), or NULL.
CT_API const uint8_t *ct_value_as_uint8(const ct_value *v);
/// Number of items of a list / tuple, entries of a dict or bytes of a uint8 tensor; 0 for other kinds.
CT_API int64_t ct_value_len(const ct_value *v);
/// Item i of a list / tuple, or the value of entry i of a dict (borrowed), NULL when out of range.
CT_API ct_value *ct_value_at(const ct_value *v, int64_t i);
/// The key of entry i of a dict (borrowed), NULL when out of range or not a dict.
CT_API ct_value *ct_value_key_at(const ct_value *v, int64_t i);
/// dict[key] for a string key (borrowed), NULL when absent.
CT_API ct_value *ct_value_get(const ct_value *dict, const char *key);

/// True when t is a Parameter (ct_parameter, a module's parameter, or loaded as
/// torch.nn.Parameter): ct_save_pt writes it as one.
CT_API bool ct_is_parameter(const ct_tensor *t);

/// torch.load(path, weights_only=True). Returns the loaded tree, or NULL with a message
/// (CT_ERR_IO for unreadable or malformed files, CT_ERR_ARG for a NULL path).
CT_API ct_value *ct_load_pt(const char *path);
/// Same for the `size` bytes of a `.pt` file in memory (copied: data may be freed after).
CT_API ct_value *ct_load_pt_buffer(const void *data, size_t size);
/// torch.save(v, path): writes v (tensors, numbers, strings, None, lists, tuples, dicts)
/// as a `.pt` file that torch.load(path, weights_only=True) reads back with the same
/// shapes, strides, storage offsets, dtypes, shared storages and Parameters. (PyTorch
/// 1.13's weights_only loader refuses floats; files holding floats need weights_only=False
/// there.) Tensors sharing a ctorch storage must share its dtype. The file is written to
/// a temporary name in the same directory, synced and renamed: a crash leaves the old file
/// or the new one.
CT_API ct_status ct_save_pt(const char *path, const ct_value *v);
/// Same into memory: *data is a malloc'ed buffer of *size bytes, freed by the caller.
CT_API ct_status ct_save_pt_buffer(const ct_value *v, void **data, size_t *size);

/// model.load_state_dict(torch.load(path, weights_only=True), strict): the file must
/// hold a dict (or OrderedDict) of string keys to tensors, as torch.save(model.state_dict())
/// writes. All or nothing, with ct_module_load_state_dict's rules and messages.
CT_API ct_status ct_module_load_state_dict_pt(ct_module *m, const char *path, bool strict);
/// torch.save(model.state_dict(), path): an OrderedDict of the state dict's tensors
/// (parameters saved as Parameters, shared tensors as one storage).
CT_API ct_status ct_save_state_dict_pt(ct_module *m, const char *path);

/// optimizer.state_dict() in PyTorch's layout: {"state": {param index: {"step",
/// "exp_avg", ... tensors}}, "param_groups": [{option: value ..., "params": [0 ...]} ...]},
/// with PyTorch 1.13's keys for every optimizer, every group with all its options
/// (ct_optimizer_state_dict's); RMSprop's "step" is an int, as PyTorch keeps it. Free with
/// ct_value_free.
CT_API ct_value *ct_optimizer_state_value(const ct_optimizer *opt);
/// optimizer.load_state_dict(v) for such a tree (e.g. torch.save(opt.state_dict()) loaded
/// with ct_load_pt): the per-parameter state and every group's options, as
/// ct_optimizer_load_state_dict loads them (PyTorch's checks and messages). opt is
/// unchanged on error. SGD's "momentum_buffer": None is skipped.
CT_API ct_status ct_optimizer_load_state_value(ct_optimizer *opt, const ct_value *v);
/// torch.save(opt.state_dict(), path).
CT_API ct_status ct_save_optimizer_state_pt(const ct_optimizer *opt, const char *path);
/// opt.load_state_dict(torch.load(path)).
CT_API ct_status ct_optimizer_load_state_pt(ct_optimizer *opt, const char *path);

/// scheduler.state_dict() in PyTorch's layout: its attributes by name, per-group ones as
/// lists, counters as ints; SequentialLR's children as the dicts of "_schedulers".
CT_API ct_value *ct_lr_scheduler_state_value(const ct_lr_scheduler *s);
/// scheduler.load_state_dict(v): the numeric attributes (others, such as "verbose", are
/// skipped) through ct_lr_scheduler_load_state_dict; s is unchanged on error.
CT_API ct_status ct_lr_scheduler_load_state_value(ct_lr_scheduler *s, const ct_value *v);

/// A training checkpoint: what ct_save_checkpoint writes and ct_load_checkpoint restores.
typedef struct ct_checkpoint {
  ct_module *model;               ///< required: its state dict ("model")
  ct_optimizer *optimizer;        ///< NULL or its state_dict() in PyTorch's layout ("optimizer")
  ct_generator *loader_generator; ///< NULL or the data loader's generator ("loader_rng_state")
  ct_lr_scheduler *scheduler;    ///< NULL or its state_dict() ("scheduler"; None when NULL)
  int64_t epoch, step; ///< the caller's counters ("epoch", "step")
} ct_checkpoint;

/// Writes one .pt file {"model", "optimizer", "scheduler", "rng_state" (the global
/// generator, as torch.get_rng_state()), "loader_rng_state", "epoch", "step"} that
/// torch.load can open (weights_only=False in 1.13: it holds floats), atomically: a
/// temporary file in the same directory, fsync, rename, fsync of the directory, so a crash
/// at any moment leaves the old checkpoint or the new one.
CT_API ct_status ct_save_checkpoint(const char *path, const ct_checkpoint *checkpoint);
/// Restores a checkpoint into checkpoint->model, ->optimizer and ->scheduler (when not
/// NULL; the file must hold their states), the global generator and ->loader_generator
/// (when not NULL and saved), and sets ->epoch and ->step. All or nothing: on error
/// nothing changes.
CT_API ct_status ct_load_checkpoint(const char *path, ct_checkpoint *checkpoint);

#ifdef __cplusplus
}
#endif
#endif
