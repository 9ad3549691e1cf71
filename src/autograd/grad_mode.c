// Thread-local grad mode (torch.no_grad).
#include "ctorch/autograd.h"

static _Thread_local bool grad_disabled;

bool ct_is_grad_enabled(void) { return !grad_disabled; }

bool ct_no_grad_enter(void) {
  bool previous = !grad_disabled;
  grad_disabled = true;
  return previous;
}

void ct_grad_mode_restore(bool previous) { grad_disabled = !previous; }
