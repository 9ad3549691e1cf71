"""The value-tree dump of the file-format oracles, as tests/util/file_oracle.c prints it."""
import collections
import struct

import torch

NAME = {torch.bool: "bool", torch.int32: "int32", torch.int64: "int64", torch.float32: "float32",
        torch.float64: "float64"}


class Dumper:
    def __init__(self, types=False):
        self.types, self.seen = types, []

    def storage_id(self, t):
        key = (t.storage().data_ptr(), t.storage().nbytes())
        if key not in self.seen:
            self.seen.append(key)
        return self.seen.index(key)

    def tensor(self, t):
        shape = ",".join(map(str, t.shape)) or "s"
        stride = ",".join(map(str, t.stride())) or "s"
        n = t.numel()
        sid = str(self.storage_id(t)) if n else "-"
        data = t.detach().contiguous().numpy().tobytes().hex() if n else "-"
        param = int(isinstance(t, torch.nn.Parameter))
        return (f" tensor {NAME[t.dtype]} {shape} {stride} {t.storage_offset()} {sid} "
                f"{int(t.requires_grad)} {param} {data}")

    def __call__(self, o):
        if o is None:
            return " none"
        if isinstance(o, bool):
            return f" bool {int(o)}"
        if isinstance(o, int):
            return f" int {o}"
        if isinstance(o, float):
            return f" float {struct.pack('>d', o).hex()}"
        if isinstance(o, str):
            return f" str {o.encode().hex() or '-'}"
        if isinstance(o, torch.Tensor) and o.dtype == torch.uint8:
            return f" uint8 {o.numpy().tobytes().hex() or '-'}"
        if isinstance(o, torch.Tensor):
            return self.tensor(o)
        if isinstance(o, (list, tuple)):
            kind = "list" if isinstance(o, list) else "tuple"
            return f" {kind} {len(o)}" + "".join(self(x) for x in o)
        if isinstance(o, dict):
            kind = "odict" if self.types and type(o) is collections.OrderedDict else "dict"
            return f" {kind} {len(o)}" + "".join(self(k) + self(v) for k, v in o.items())
        raise TypeError(type(o))


def dump(o, types=False):
    return Dumper(types)(o)
