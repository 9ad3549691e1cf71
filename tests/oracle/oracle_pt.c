// Oracle program for .pt files (driver: oracle_pt.py). One case per stdin line:
//   load <path>            ct_load_pt, then the tree (see dump) or "error <message>";
//                          the same bytes through ct_load_pt_buffer must give the same text
//   roundtrip <in> <out>   ct_load_pt(in) then ct_save_pt(out): "saved" or "error <message>"
//   linear_save <seed> <in> <out> <path>   nn.Linear(in, out) made after manual_seed(seed),
//                          its state dict saved with ct_save_state_dict_pt
//   linear_load <in> <out> <path>   ct_module_load_state_dict_pt into nn.Linear(in, out),
//                          then its state dict dumped
// The tree's text: tests/util/file_oracle.h.
#define _POSIX_C_SOURCE 200809L // open_memstream
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle_io.h"
#include "file_oracle.h"
#include "testutil.h"

static void load(const char *path) {
  ct_value *v = ct_load_pt(path);
  char *text = v ? tu_dump_value(v) : NULL;
  if (!v) tu_print_error_line();
  else printf("ok%s\n", text);
  char *first_error = v ? NULL : strdup(ct_last_error());
  size_t size = 0;
  char *bytes = tu_read_file(path, &size);
  ct_value *b = bytes ? ct_load_pt_buffer(bytes, size) : NULL;
  char *btext = b ? tu_dump_value(b) : NULL;
  // The buffer gives the same tree, or fails too (its message names the buffer).
  bool same = v ? b && btext && !strcmp(text, btext) : !b;
  printf("buffer %s\n", same ? "same" : "differs");
  free(bytes);
  free(text);
  free(btext);
  free(first_error);
  ct_value_free(v);
  ct_value_free(b);
}

static void run_case(char *line) {
  tu_tokens tok = tu_tokens_of(line);
  const char *cmd = tu_need(&tok);
  if (!strcmp(cmd, "load")) {
    load(tu_need(&tok));
  } else if (!strcmp(cmd, "roundtrip")) {
    const char *in = tu_need(&tok), *out = tu_need(&tok);
    ct_value *v = ct_load_pt(in);
    if (!v || ct_save_pt(out, v) != CT_OK) tu_print_error_line();
    else printf("saved\n");
    ct_value_free(v);
  } else if (!strcmp(cmd, "linear_save")) {
    long long seed = tu_next_int(&tok), in = tu_next_int(&tok), out = tu_next_int(&tok);
    ct_manual_seed((uint64_t)seed);
    ct_module *m = ct_linear_new(in, out, true);
    if (!m || ct_save_state_dict_pt(m, tu_need(&tok)) != CT_OK) tu_print_error_line();
    else printf("saved\n");
    ct_module_free(m);
  } else if (!strcmp(cmd, "linear_load")) {
    long long in = tu_next_int(&tok), out = tu_next_int(&tok);
    ct_module *m = ct_linear_new(in, out, true);
    if (!m || ct_module_load_state_dict_pt(m, tu_need(&tok), true) != CT_OK) {
      tu_print_error_line();
    } else {
      ct_named_list *sd = ct_module_state_dict(m);
      ct_value *dict = ct_value_dict();
      for (int i = 0; sd && i < sd->count; i++) {
        ct_tensor *plain = ct_detach(sd->items[i].tensor);
        ct_value_dict_set_str(dict, sd->items[i].name, ct_value_tensor(plain));
      }
      char *text = tu_dump_value(dict);
      printf("ok%s\n", text ? text : "");
      free(text);
      ct_value_free(dict);
      ct_named_list_free(sd);
    }
    ct_module_free(m);
  } else {
    tu_bad_case("command", cmd);
  }
}

int main(void) { return tu_oracle_main(run_case, TU_SCOPE_PER_CASE); }
