// Scopes: per thread, a stack of lists of owned tensor references over a root scope that
// always exists (docs/DESIGN.md, "Memory").
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch/scope.h"
#include "core/error_impl.h"
#include "core/tensor_impl.h"

typedef struct scope_frame {
  struct scope_frame *parent; // the enclosing scope; NULL for the root scope
  ct_tensor **items;          // one owned reference each
  size_t count, capacity;
  uint64_t serial;            // this thread's number for the scope (the root's is 0)
  // Where it was opened (ct_scope_open's return address and frame), for the check that
  // the previous scope opened there was closed; NULL when opened without the check.
  const void *site, *stack;
} scope_frame;

typedef struct thread_scopes {
  scope_frame *innermost; // NULL until this thread first needs a scope
  scope_frame *free_list; // closed frames kept for reuse: a step opens many short scopes
  uint64_t opened;        // serial of the latest scope opened
  uint64_t tag;           // this thread's prefix in scope handles
} thread_scopes;

static _Thread_local thread_scopes tls;

// ---- handles ----
// A handle is (thread tag, serial) packed in the pointer's bits: frames are reused, so a
// frame's address would let a stale handle close a newer scope. Serials wrap after 2^40
// scopes, tags after 2^24 threads.

#define SERIAL_BITS 40
#define SERIAL_MASK ((UINT64_C(1) << SERIAL_BITS) - 1)
_Static_assert(sizeof(uintptr_t) >= sizeof(uint64_t), "scope handles need 64-bit pointers");

static uint64_t next_thread_tag;

static ct_scope *handle_of(const scope_frame *f) {
  return (ct_scope *)(uintptr_t)(tls.tag << SERIAL_BITS | f->serial);
}

// The open scope `s` names on this thread, or NULL; *inside counts the scopes open in it.
static scope_frame *find_open(const ct_scope *s, int *inside) {
  const thread_scopes *ts = &tls;
  uint64_t h = (uint64_t)(uintptr_t)s;
  *inside = 0;
  if (!ts->tag || h >> SERIAL_BITS != ts->tag) return NULL;
  for (scope_frame *f = ts->innermost; f && f->parent; f = f->parent, ++*inside)
    if (f->serial == (h & SERIAL_MASK)) return f;
  return NULL;
}

// ---- the root scope and thread exit ----

static void release_items(scope_frame *f) {
  // Newest first: views die before their bases (refcounts make any order correct; this
  // one keeps peak memory low).
  for (size_t i = f->count; i-- > 0;) {
    ct_tensor *t = f->items[i];
    t->scope_refs--;
    ct__release(t);
  }
  f->count = 0;
}

// Releases every scope of this thread, open or kept for reuse, and their tensors.
static void release_thread_scopes(void) {
  while (tls.innermost) {
    scope_frame *top = tls.innermost;
    release_items(top); // before unlinking: a release must not find the stack half gone
    tls.innermost = top->parent;
    free(top->items);
    free(top);
  }
  while (tls.free_list) {
    scope_frame *next = tls.free_list->parent;
    free(tls.free_list->items);
    free(tls.free_list);
    tls.free_list = next;
  }
}

static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

static void release_at_thread_exit(void *unused) {
  (void)unused;
  release_thread_scopes();
}

static void make_exit_key(void) { pthread_key_create(&exit_key, release_at_thread_exit); }

// Thread-exit destructors do not run for the thread that calls exit(): release it here.
__attribute__((destructor)) static void release_at_process_exit(void) { release_thread_scopes(); }

// Opens this thread's root scope (tls.innermost is NULL). NULL when out of memory.
static scope_frame *open_root(void) {
  scope_frame *root = calloc(1, sizeof *root);
  if (!root) return ct__error_null(CT_ERR_MEMORY, "out of memory opening the thread's root scope");
  pthread_once(&exit_key_once, make_exit_key);
  pthread_setspecific(exit_key, &tls);
  if (!tls.tag) {
    uint64_t tag =
        __atomic_add_fetch(&next_thread_tag, 1, __ATOMIC_RELAXED) & ((UINT64_C(1) << (64 - SERIAL_BITS)) - 1);
    tls.tag = tag ? tag : 1;
  }
  tls.innermost = root;
  return root;
}

// ---- owning tensors ----

static bool push(scope_frame *f, ct_tensor *t) {
  if (f->count == f->capacity) {
    size_t cap = f->capacity ? f->capacity * 2 : 64;
    ct_tensor **items = realloc(f->items, cap * sizeof *items);
    if (!items) return false;
    f->items = items;
    f->capacity = cap;
  }
  f->items[f->count++] = t;
  t->scope_refs++;
  return true;
}

// ct__register when the innermost scope is missing (the root scope is opened) or full.
__attribute__((noinline)) static ct_tensor *register_slow(ct_tensor *t) {
  scope_frame *f = tls.innermost;
  if (!f && !(f = open_root())) {
    ct__release(t);
    return NULL;
  }
  if (!push(f, t)) {
    ct__release(t);
    return ct__error_null(CT_ERR_MEMORY, "out of memory registering a tensor with its scope");
  }
  return t;
}

ct_tensor *ct__register(ct_tensor *t) {
  scope_frame *f = tls.innermost;
  if (__builtin_expect(!t || !f || f->count == f->capacity, 0)) return t ? register_slow(t) : NULL;
  f->items[f->count++] = t;
  t->scope_refs++;
  return t;
}

// Removes one entry of t from f (the newest) and releases it. False when f does not own t.
static bool remove_item(scope_frame *f, ct_tensor *t) {
  for (size_t i = f->count; i-- > 0;) { // newest first: usually a tensor made moments ago
    if (f->items[i] == t) {
      memmove(f->items + i, f->items + i + 1, (f->count - i - 1) * sizeof *f->items);
      f->count--;
      t->scope_refs--;
      ct__release(t);
      return true;
    }
  }
  return false;
}

void ct__drop(ct_tensor *t) {
  if (t && t->scope_refs > 0 && tls.innermost) remove_item(tls.innermost, t);
}

bool ct__exclusively_held(const ct_tensor *t, int64_t extra_refs) {
  if (!t || t->refcount != 1 + extra_refs || t->scope_refs != 1 || t->storage->refcount != 1) return false;
  const scope_frame *f = tls.innermost;
  for (size_t i = f ? f->count : 0; i-- > 0;)
    if (f->items[i] == t) return true;
  return false;
}

// ---- the public API ----

__attribute__((noinline, cold)) static ct_scope *skipped_close(void) {
  return ct__error_null(CT_ERR_RUNTIME, "ct_scope_open: a scope opened here is still open: a ct_scope_close "
                                        "was skipped (continue/break/early return?)");
}

static ct_scope *open_scope(const void *site, const void *stack);

// open_scope when the root scope or a free frame is missing: makes them first.
__attribute__((noinline)) static ct_scope *open_first(const void *site, const void *stack) {
  if (!tls.innermost && !open_root()) return NULL;
  if (!tls.free_list && !(tls.free_list = calloc(1, sizeof(scope_frame))))
    return ct__error_null(CT_ERR_MEMORY, "out of memory opening a scope");
  return open_scope(site, stack);
}

static ct_scope *open_scope(const void *site, const void *stack) {
  thread_scopes *ts = &tls;
  scope_frame *f = ts->free_list;
  if (__builtin_expect(!ts->innermost || !f, 0)) return open_first(site, stack);
  if (site)
    for (const scope_frame *g = ts->innermost; g->parent; g = g->parent)
      if (g->site == site && g->stack == stack) return skipped_close();
  ts->free_list = f->parent;
  uint64_t serial = (ts->opened + 1) & SERIAL_MASK;
  serial += !serial; // serial 0 is the root's
  ts->opened = serial;
  f->serial = serial;
  f->site = site;
  f->stack = stack;
  f->parent = ts->innermost;
  ts->innermost = f;
  return (ct_scope *)(uintptr_t)(ts->tag << SERIAL_BITS | serial);
}

// Not inlined: the return address and frame must be this call's, i.e. the caller's site
// and stack depth (a loop iteration reopens at the same depth; a recursive call deeper).
__attribute__((noinline)) ct_scope *ct_scope_open(void) {
  return open_scope(__builtin_return_address(0), __builtin_frame_address(0));
}

ct_scope *ct_scope_open_at(const void *site) { return open_scope(site, NULL); }

// Closes the scopes from the innermost one to `target`, releasing their tensors.
static void close_through(scope_frame *target) {
  thread_scopes *ts = &tls;
  for (;;) {
    scope_frame *top = ts->innermost;
    release_items(top);
    ts->innermost = top->parent;
    top->parent = ts->free_list;
    ts->free_list = top;
    if (top == target) break;
  }
}

// ct_scope_close of anything but the innermost explicit scope.
__attribute__((noinline)) static ct_status close_slow(ct_scope *s) {
  if (!s) {
    if (ct_last_status() != CT_OK) return ct_last_status(); // the failed ct_scope_open said why
    return ct__error(CT_ERR_ARG, "ct_scope_close: scope is NULL");
  }
  int inside;
  scope_frame *target = find_open(s, &inside);
  if (!target)
    return ct__error(CT_ERR_RUNTIME, "ct_scope_close: the scope is not open on this thread (closed already, or "
                                     "opened by another thread)");
  close_through(target);
  if (!inside) return CT_OK;
  return ct__error(CT_ERR_RUNTIME, "ct_scope_close: %d scope%s opened inside this one %s still open (closed with "
                                   "it): a ct_scope_close was skipped",
                   inside, inside == 1 ? "" : "s", inside == 1 ? "was" : "were");
}

ct_status ct_scope_close(ct_scope *s) {
  const thread_scopes *ts = &tls;
  scope_frame *top = ts->innermost;
  if (__builtin_expect(!s || !top || !top->parent || s != handle_of(top), 0)) return close_slow(s);
  close_through(top);
  return CT_OK;
}

ct_status ct__close_keeping(ct_scope *s, ct_tensor **results, int n) {
  for (int i = 0; i < n; i++) ct_retain(results[i]);
  ct_status st = ct_scope_close(s);
  for (int i = 0; i < n; i++) {
    if (!results[i]) continue;
    if (st == CT_OK) {
      if (!(results[i] = ct__register(results[i]))) st = ct_last_status();
    } else {
      ct_release(results[i]);
      results[i] = NULL;
    }
  }
  return st;
}

ct_tensor *ct_keep(ct_tensor *t) {
  scope_frame *f = tls.innermost;
  if (!t || !f || !f->parent) return t; // in the root scope nothing encloses it
  ct_retain(t);
  if (!push(f->parent, t)) {
    ct_release(t);
    return ct__error_null(CT_ERR_MEMORY, "out of memory keeping a tensor");
  }
  return t;
}

ct_status ct_scope_release(ct_tensor *t) {
  if (!t) return ct__null_tensor_status("ct_scope_release");
  if (t->scope_refs > 0)
    for (scope_frame *f = tls.innermost; f; f = f->parent)
      if (remove_item(f, t)) return CT_OK;
  return ct__error(CT_ERR_RUNTIME, "ct_scope_release: the tensor is not owned by a scope of this thread");
}

size_t ct_scope_size(const ct_scope *s) {
  int inside;
  const scope_frame *f = find_open(s, &inside);
  return f ? f->count : 0;
}
