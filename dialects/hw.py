"""The `hw` dialect: the hardware a network is compiled for, and (later) its per-tile configuration.

    hw.target @tutorial2x2 {tiles = 4, mesh = [2, 2], rows = 128, cols = 128, input_buffer = 4096,
                            output_buffer = 4096, hop_latency = 3, bandwidth = 96, exec_time = 16,
                            tdma_wheel = 8, tdma_slice = 4}

`hw.target` is a module-level symbol holding a `snnir.algorithms.target.Target`, one property
per field (docs/targets.md): `tiles`, `mesh` (optional `[rows, cols]`; absent: a shared bus),
crossbar `rows` and `cols`, optional `synapses` (synapse memory per tile) and `weight_bits`,
`input_buffer` and `output_buffer` (spikes), `hop_latency`, `bandwidth` and `exec_time` (integers
or floats), optional `fan_out`, `tdma_wheel` and `tdma_slice`, and optional `description` and
`source` strings. The verifier checks each property's kind and range (declared below) and then
the checks across fields with the same code as the JSON reader (`target_from_dict`), so a target
file and the op accept the same descriptions. `TargetOp.from_target` and `TargetOp.to_target`
convert between the op and the plain `Target`.

The file is laid out for more ops: the shared property constraints first, then one section per
op (the target now; per-tile configuration ops to come), then the `HW` dialect object listing them.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

from snnir.algorithms.target import MAX_WEIGHT_BITS, Target, TargetError, check_fields

from snnir.attributes import ArrayAttr, Attribute, FloatAttr, IntegerAttr, StringAttr, VerifyException, i64
from snnir.irdl import AnyOf, Dialect, IRDLOperation, Predicate, SymbolName, opt_prop_def, prop_def
from snnir.location import UNKNOWN_LOC, Location
from snnir.traits import HasParent, Symbol

# ------------------------------------------------------------------------- constraints
# Integers are i64 integer attributes (not booleans, which are i1); numbers are such an integer
# or a finite float of any width.


def _int_in(attr: Any, low: int, high: float = math.inf) -> bool:
    return attr.type == i64 and low <= attr.value <= high


def _float_at_least(attr: Any, low: float, strict: bool) -> bool:
    v = attr.value
    return math.isfinite(v) and (v > low if strict else v >= low)


PositiveInt = Predicate(IntegerAttr, lambda a: _int_in(a, 1), "positive integer")
WeightBits = Predicate(IntegerAttr, lambda a: _int_in(a, 1, MAX_WEIGHT_BITS),
                       f"integer from 1 to {MAX_WEIGHT_BITS}")
PositiveNumber = AnyOf(Predicate(IntegerAttr, lambda a: _int_in(a, 1), "positive integer"),
                       Predicate(FloatAttr, lambda a: _float_at_least(a, 0.0, True), "positive finite float"))
NonNegativeNumber = AnyOf(Predicate(IntegerAttr, lambda a: _int_in(a, 0), "non-negative integer"),
                          Predicate(FloatAttr, lambda a: _float_at_least(a, 0.0, False), "non-negative finite float"))
MeshShape = Predicate(ArrayAttr,
                      lambda a: len(a) == 2 and all(isinstance(x, IntegerAttr) and _int_in(x, 1) for x in a),
                      "[rows, cols] of two positive integers")


def _number(value: float) -> Attribute:
    """An integral time or rate as an integer attribute (`16`, as written by hand), others as floats."""
    return IntegerAttr(int(value)) if float(value).is_integer() and abs(value) < 2**63 else FloatAttr(float(value))


def _plain(attr: Attribute | None) -> Any:
    """The Python value of a property: int, float, str, tuple (mesh) or None."""
    if attr is None:
        return None
    if isinstance(attr, ArrayAttr):
        return tuple(_plain(x) for x in attr)
    if isinstance(attr, StringAttr):
        return attr.data
    if isinstance(attr, (IntegerAttr, FloatAttr)):
        return attr.value
    raise TypeError(f"not a target property value: {attr}")


# ---------------------------------------------------------------------------- hw.target

# Target fields in declaration order; `name` is the op's symbol name.
_TARGET_PROPERTIES = ("tiles", "mesh", "rows", "cols", "synapses", "weight_bits", "input_buffer",
                      "output_buffer", "hop_latency", "bandwidth", "exec_time", "fan_out", "tdma_wheel",
                      "tdma_slice", "description", "source")
_NUMBERS = ("hop_latency", "bandwidth", "exec_time", "tdma_wheel", "tdma_slice")


class TargetOp(IRDLOperation):
    """A hardware target: tiles, crossbar rows x cols, synapse memory, buffers, interconnect and timing."""

    name = "hw.target"
    sym_name = prop_def(SymbolName())
    tiles = prop_def(PositiveInt)
    mesh = opt_prop_def(MeshShape)
    rows = prop_def(PositiveInt)
    cols = prop_def(PositiveInt)
    synapses = opt_prop_def(PositiveInt)
    weight_bits = opt_prop_def(WeightBits)
    input_buffer = prop_def(PositiveInt)
    output_buffer = prop_def(PositiveInt)
    hop_latency = prop_def(NonNegativeNumber)
    bandwidth = prop_def(PositiveNumber)
    exec_time = prop_def(PositiveNumber)
    fan_out = opt_prop_def(PositiveInt)
    tdma_wheel = opt_prop_def(PositiveNumber)
    tdma_slice = opt_prop_def(PositiveNumber)
    description = opt_prop_def(StringAttr)
    source = opt_prop_def(StringAttr)
    traits = (Symbol(), HasParent("builtin.module"))
    assembly_format = "$sym_name attr-dict"

    def verify_(self) -> None:
        """Misspelt fields, then the checks across fields (mesh size = tiles, TDMA wheel and slice),
        shared with the JSON reader.

        In the custom form a misspelt property (`weight_bit = 8`) would land in the discardable
        attributes and be ignored; as in a target file it is an error. Dialect-prefixed
        attributes (`"mydialect.note" = ...`) stay allowed.
        """
        for key in self.attributes:
            if key == "name":
                raise VerifyException("a target's name is its symbol name (hw.target @name), not a field")
            if "." not in key:
                close = difflib.get_close_matches(key, _TARGET_PROPERTIES, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise VerifyException(f"unknown target field '{key}'{hint}; other attributes need a dialect "
                                      "prefix")
        try:
            check_fields(self._fields(), None, None)
        except TargetError as e:
            raise VerifyException(e.message) from None

    def _fields(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.sym_name}
        for key in _TARGET_PROPERTIES:
            d[key] = _plain(self.properties.get(key))
        d["description"] = d["description"] or ""
        d["source"] = d["source"] or ""
        return d

    def to_target(self) -> Target:
        """The plain `Target` this op describes; raises `TargetError` if the op does not verify."""
        return Target(**self._fields())

    @classmethod
    def from_target(cls, t: Target, loc: Location = UNKNOWN_LOC) -> "TargetOp":
        """The op for a `Target`: absent optional fields and empty strings are left out, integral
        times and rates are written as integers (`exec_time = 16`)."""
        props: dict[str, Any] = {}
        for key in _TARGET_PROPERTIES:
            value = getattr(t, key)
            if value is None or value == "":
                continue
            if key == "mesh":
                value = ArrayAttr([IntegerAttr(value[0]), IntegerAttr(value[1])])
            elif key in _NUMBERS:
                value = _number(value)
            props[key] = value
        return cls.build(sym_name=StringAttr(t.name), loc=loc, **props)  # type: ignore[return-value]


# ------------------------------------------------------------------------------ dialect

HW = Dialect("hw", [TargetOp],
             description="Hardware targets (tiles, crossbars, buffers, interconnect) and per-tile configuration.")
