"""Arrow arrays read and built by their buffers, for the columnar engine (:mod:`.columnar`).

pyarrow's own conversions — ``Array.to_numpy``, ``take`` given a numpy array, ``pa.array`` of
a list — import pandas when it is installed (0.6 s of a 2.2 s engine run at 1M findings); these
functions give the same values from the arrays' buffers and never import it
(tests/test_columnar.py holds a fresh process to that). pyarrow and numpy are imported only
inside them, when the engine runs.

May import: nothing of this package.
"""

from __future__ import annotations

import array
from collections.abc import Sequence
from typing import Any

__all__ = ["bools", "indices", "numbers", "string_lists", "strings"]

_NUMPY_TYPES = {
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "int64": "int64",
    "uint8": "uint8",
    "uint16": "uint16",
    "uint32": "uint32",
    "uint64": "uint64",
}


def indices(values: Any) -> Any:
    """A numpy array of row numbers as a pyarrow int64 array (for ``take``), by its buffer:
    ``take`` given the numpy array itself converts it as ``pa.array`` does, importing pandas."""
    import numpy as np
    import pyarrow as pa

    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def numbers(arr: Any, fill: int = 0) -> Any:
    """A pyarrow array of integers or booleans as a numpy array (a null as ``fill``), read
    from its buffers."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        arr = pc.fill_null(
            arr, pa.scalar(bool(fill) if pa.types.is_boolean(arr.type) else fill, arr.type)
        )
    n, off = len(arr), arr.offset
    buf = arr.buffers()[1]
    if pa.types.is_boolean(arr.type):
        if not n:
            return np.zeros(0, dtype=bool)
        bits = np.frombuffer(buf, dtype=np.uint8, count=(off + n + 7) // 8)
        return np.unpackbits(bits, count=off + n, bitorder="little")[off:].view(bool)
    dtype = np.dtype(_NUMPY_TYPES[str(arr.type)])
    if not n:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(buf, dtype=dtype, count=n, offset=off * dtype.itemsize)


def strings(values: Sequence[str]) -> Any:
    """A pyarrow string array, built from its buffers (``pa.array`` of a list imports pandas
    when it is installed)."""
    import pyarrow as pa

    data = [v.encode() for v in values]
    offsets = array.array("i", [0])
    total = 0
    for d in data:
        total += len(d)
        offsets.append(total)
    return pa.Array.from_buffers(
        pa.string(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))]
    )


def string_lists(values: Sequence[Sequence[str]]) -> Any:
    """A pyarrow list-of-string array, from its buffers (as :func:`strings`)."""
    import pyarrow as pa

    flat = [s for v in values for s in v]
    offsets = array.array("i", [0])
    total = 0
    for v in values:
        total += len(v)
        offsets.append(total)
    off = pa.Array.from_buffers(pa.int32(), len(values) + 1, [None, pa.py_buffer(offsets)])
    return pa.ListArray.from_arrays(off, strings(flat))


def bools(values: Any) -> Any:
    """A numpy array of booleans as a pyarrow boolean array (its bits packed)."""
    import numpy as np
    import pyarrow as pa

    bits = np.packbits(values.astype(bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])
