/// @file scope.h
/// @brief Scopes: automatic lifetime for the tensors of one computation.
///
/// One rule: every tensor a ctorch function returns is owned by the innermost scope of
/// the calling thread, and there always is one. Each thread has an implicit root scope,
/// opened when the thread first needs it and released when the thread exits (the main
/// thread's at process exit), so code that opens no scope leaks nothing: its tensors live
/// until the thread ends. Open a scope to free them sooner; a loop opens one per
/// iteration so its memory stays bounded:
///
/// ```c
/// for (int step = 0; step < steps; step++) {
///   ct_scope *s = ct_scope_open();
///   ct_tensor *loss = ...;          // every tensor of the step is owned by s
///   ct_backward(loss, NULL);
///   ct_scope_close(s);              // ... and released here
/// }
/// ```
///
/// To let a tensor outlive its scope, keep it: ct_keep() moves it to the enclosing scope.
/// Parameters are created outside step scopes (modules hold their own references).
/// ct_release() only balances ct_retain(): the reference a scope owns is given up when
/// the scope closes, or earlier with ct_scope_release().
///
/// Scopes close innermost first. Misuse is reported, never absorbed: closing a scope
/// while scopes opened inside it are still open (they are closed too), closing a scope
/// that is not open on this thread (closed already, or another thread's: nothing
/// happens), and opening a scope where the previous scope opened at the same place is
/// still open (a loop whose ct_scope_close was skipped by `continue`, `break` or an early
/// return).
#ifndef CTORCH_SCOPE_H
#define CTORCH_SCOPE_H
#include "ctorch/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/// A handle to an open scope. Opaque: it names the scope (its thread and number), it is
/// not an address, so a handle kept after its scope closed never closes another scope.
typedef struct ct_scope ct_scope;

/// Open a scope nested in the innermost one of this thread; it owns every tensor created
/// while it is innermost. Returns NULL when out of memory, or (CT_ERR_RUNTIME) when the
/// scope opened by the previous call from the same call site and stack frame is still
/// open: its ct_scope_close was skipped, and every later step would nest in it. A
/// function that opens a scope and recurses is fine (each level has its own frame); a
/// wrapper around ct_scope_open whose calls nest from one frame must use ct_scope_open_at.
CT_API ct_scope *ct_scope_open(void);
/// ct_scope_open for wrappers and language bindings: `site` identifies where the scope is
/// opened (the check above compares it instead of ct_scope_open's caller); NULL opens
/// without the check.
CT_API ct_scope *ct_scope_open_at(const void *site);
/// Close `s`: release every tensor reference it owns. Returns CT_OK, or CT_ERR_RUNTIME
/// with a message when `s` is not the innermost scope (the scopes opened inside it and
/// left open are closed first, with their tensors: nothing leaks, but the skipped close
/// is reported with how many there were) or not open on this thread (closed already,
/// another thread's: nothing is closed). NULL returns the error recorded by the failed
/// ct_scope_open, or CT_ERR_ARG.
CT_API ct_status ct_scope_close(ct_scope *s);
/// Move t to the enclosing scope: that scope takes a reference and the innermost one
/// gives up its own when it closes. From the outermost scope opened explicitly, t goes
/// to the root scope; in the root scope this does nothing. Returns t; NULL passes through.
CT_API ct_tensor *ct_keep(ct_tensor *t);
/// Give up now, instead of at close, the reference a scope owns on t: the innermost
/// scope of this thread that owns t drops one reference (t is freed if nothing else
/// holds it, so forget the pointer unless you retained it). For large tensors that are
/// not needed until the end of their scope, and for code that runs in the root scope.
/// Returns CT_ERR_RUNTIME when no open scope of this thread owns t.
CT_API ct_status ct_scope_release(ct_tensor *t);
/// Number of tensor references `s` owns (tests and debugging); 0 for a scope that is not
/// open on this thread.
CT_API size_t ct_scope_size(const ct_scope *s);

#ifdef __cplusplus
}
#endif
#endif
