// Scopes: a per-thread stack of lists of owned tensor references.
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch/scope.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"

struct ct_scope {
  ct_scope *parent;
  ct_tensor **items;
  size_t count, capacity;
};

static _Thread_local ct_scope *innermost;
// Closed scopes are kept for reuse: a training step opens many short scopes.
static _Thread_local ct_scope *free_list;
static pthread_key_t exit_key; // frees a thread's reuse list when it exits
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

static void free_reuse_list(void) {
  while (free_list) {
    ct_scope *next = free_list->parent;
    free(free_list->items);
    free(free_list);
    free_list = next;
  }
}

static void free_at_thread_exit(void *unused) {
  (void)unused;
  free_reuse_list();
}

static void make_exit_key(void) { pthread_key_create(&exit_key, free_at_thread_exit); }

ct_scope *ct_scope_open(void) {
  ct_scope *s = free_list;
  if (s) {
    free_list = s->parent;
  } else {
    s = calloc(1, sizeof *s);
    if (!s) return ct__error_null(CT_ERR_MEMORY, "out of memory opening a scope");
    pthread_once(&exit_key_once, make_exit_key);
    pthread_setspecific(exit_key, s); // any non-NULL value: the destructor then runs
  }
  s->parent = innermost;
  s->count = 0;
  innermost = s;
  return s;
}

static bool push(ct_scope *s, ct_tensor *t) {
  if (s->count == s->capacity) {
    size_t cap = s->capacity ? s->capacity * 2 : 64;
    ct_tensor **items = realloc(s->items, cap * sizeof *items);
    if (!items) return false;
    s->items = items;
    s->capacity = cap;
  }
  s->items[s->count++] = t;
  return true;
}

ct_tensor *ct__register(ct_tensor *t) {
  if (!t || !innermost) return t;
  if (!push(innermost, t)) {
    ct_release(t);
    return ct__error_null(CT_ERR_MEMORY, "out of memory registering a tensor with its scope");
  }
  return t;
}

void ct_scope_close(ct_scope *s) {
  if (!s) return;
  // Close s and everything opened after it; verify s is on this thread's stack first.
  ct_scope *it = innermost;
  while (it && it != s) it = it->parent;
  if (!it) return;
  for (;;) {
    ct_scope *top = innermost;
    innermost = top->parent;
    // Release newest first: views die before their bases (order does not matter for
    // correctness, refcounts handle it, but it keeps peak memory low).
    for (size_t i = top->count; i-- > 0;) ct_release(top->items[i]);
    top->count = 0;
    top->parent = free_list;
    free_list = top;
    if (top == s) break;
  }
}

ct_tensor *ct_keep(ct_tensor *t) {
  if (!t || !innermost) return t;
  ct_retain(t);
  if (innermost->parent && !push(innermost->parent, t)) {
    ct_release(t);
    return ct__error_null(CT_ERR_MEMORY, "out of memory keeping a tensor");
  }
  return t;
}

size_t ct_scope_size(const ct_scope *s) { return s ? s->count : 0; }

// Thread-exit destructors do not run for the thread that calls exit(): free its list here.
__attribute__((destructor)) static void free_scope_pool(void) { free_reuse_list(); }

void ct__drop(ct_tensor *t) {
  if (!t) return;
  if (!innermost) {
    ct_release(t);
    return;
  }
  for (size_t i = innermost->count; i-- > 0;) {
    if (innermost->items[i] == t) {
      memmove(innermost->items + i, innermost->items + i + 1, (innermost->count - i - 1) * sizeof(ct_tensor *));
      innermost->count--;
      ct_release(t);
      return;
    }
  }
}

bool ct__exclusively_held(const ct_tensor *t, int64_t extra_refs) {
  if (!t || !innermost || t->refcount != 1 + extra_refs || t->storage->refcount != 1) return false;
  // Newest first: the tensors asked about were usually created moments ago.
  for (size_t i = innermost->count; i-- > 0;)
    if (innermost->items[i] == t) return true;
  return false;
}
