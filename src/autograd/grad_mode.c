// Thread-local grad mode (torch.no_grad).
#include "autograd/node.h"

_Thread_local bool ct__grad_disabled;

bool ct_is_grad_enabled(void) { return !ct__grad_disabled; }

bool ct_no_grad_enter(void) {
  bool previous = !ct__grad_disabled;
  ct__grad_disabled = true;
  return previous;
}

void ct_grad_mode_restore(bool previous) { ct__grad_disabled = !previous; }
