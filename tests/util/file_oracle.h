// Shared by the file-format oracles (oracle_pt, oracle_safetensors): the value-tree dump,
// which tests/oracle/value_dump.py writes for the PyTorch side, and small helpers.
#ifndef CTORCH_TU_FILE_ORACLE_H
#define CTORCH_TU_FILE_ORACLE_H
#include "ctorch.h"
#include <stddef.h>

/// One line of tokens, each preceded by a space: "none", "bool 0|1", "int <n>", "float <16
/// hex digits of the bits>", "str <utf-8 hex, - when empty>", "list <n> ...", "tuple <n>
/// ...", "dict <n> <key> <value> ...", and for a tensor "tensor <dtype> <shape,> <strides,>
/// <offset> <storage id> <requires grad> <is parameter> <element bytes hex, row-major>"
/// (shape and strides "s" when 0-d; storage id and bytes "-" when empty). Storage ids
/// number the storages in order of first appearance, so sharing shows; a uint8 tensor is
/// "uint8 <bytes hex, - when empty>". Malloc'ed text.
char *tu_dump_value(const ct_value *v);
/// Prints "error <ct_last_error(), newlines as spaces>" and a newline.
void tu_print_error_line(void);
#endif
