"""The `hw` dialect: the hardware a network is compiled for (`hw.target`) and its configuration (`hw.config`).

    hw.target @tutorial2x2 {tiles = 4, mesh = [2, 2], rows = 128, cols = 128, input_buffer = 4096,
                            output_buffer = 4096, hop_latency = 3, bandwidth = 96, exec_time = 16,
                            tdma_wheel = 8, tdma_slice = 4}

`hw.target` is a module-level symbol holding a `snnir.algorithms.target.Target`, one property
per field (docs/targets.md): `tiles`, `mesh` (optional `[rows, cols]`; absent: a shared bus),
crossbar `rows` and `cols`, optional `synapses` (synapse memory per tile), `weight_bits`,
`state_bits` and `decay_bits` (fixed-point neuron parameters, docs/backend.md), `input_buffer`
and `output_buffer` (spikes), `hop_latency`, `bandwidth` and `exec_time` (integers or floats),
optional `fan_out`, `tdma_wheel` and `tdma_slice`, and optional `description` and `source`
strings. The verifier checks each property's kind and range (declared below) and then
the checks across fields with the same code as the JSON reader (`target_from_dict`), so a target
file and the op accept the same descriptions. `TargetOp.from_target` and `TargetOp.to_target`
convert between the op and the plain `Target`.

The configuration that `--emit-hw` builds (docs/backend.md) is an `hw.config` holding one
`hw.population` per population of the network, one `hw.crossbar` per cluster, one `hw.routing`
and one `hw.tile` per used tile (written in that order):

    hw.config @tiny_hw attributes {target = @tiny2, network = @tiny, clusters = @tiny_clusters,
                                   graph = @tiny_sdf, dt = 1.0e-3, order = ["in", "a", "b"]} {
      hw.population "in" model "input" first 0 size 2 {rate = 20.0}
      hw.population "a" model "if" first 2 size 3 {params = {r = dense<1.0> : tensor<3xf64>, ...}}
      hw.crossbar @c0 tile 0 rows(dense<[0, 1]> : tensor<2xi32>) columns(dense<[2, 3]> : tensor<2xi32>)
                  weights(dense<[[1.0, 1.0], [0.0, 1.0]]> : tensor<2x2xf32>) delays(dense<0> : tensor<2x2xi32>)
      hw.routing indptr(dense<[0, 1, 3, ...]> : tensor<8xi32>) crossbars(...) rows(...)
      hw.tile 0 order [@c0, @c3] input_buffer 64 output_buffer 64
    }

With fixed-point neuron parameters (`state_bits`, `decay_bits` on the `hw.config`) a population's
`params` hold integer mantissas with one exponent per parameter in `exponents` (the decays as
their coefficients dt/tau, named `decay`, `decay_syn`, `decay_mem`), and a crossbar's `bias` holds
integer mantissas with its `bias_exponent` (snnir.algorithms.hwconfig has the rules):

      hw.population "a" model "lif" first 2 size 3 {params = {decay = dense<[13, 26, 51]> : tensor<3xi32>, ...,
                    v_th = dense<[64, 96, 45]> : tensor<3xi32>, ...}, exponents = {decay = -8, ..., v_th = -6, ...}}
      hw.crossbar @c0 ... bias(dense<[102, 0]> : tensor<2xi32>) bias_exponent -10

Arrays are tensors, inline when small or constant, resources otherwise, never one op per neuron
or synapse. `ConfigOp.from_bundle` and `ConfigOp.to_bundle` convert between the op and a
`snnir.algorithms.hwfiles.Bundle` (an `HwConfig` of `snnir.algorithms.hwconfig` with its target,
tiles and crossbar names).

The file is laid out in sections: the shared property constraints first, then one section per
op, then the `HW` dialect object listing them.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

import numpy as np

from snnir.algorithms.arrays import unique
from snnir.algorithms.hwconfig import DECAY_PARAMS, EXPONENT_LIMIT, STATE_PARAMS, fixed_limit
from snnir.algorithms.target import (
    DECAY_BITS_RANGE,
    MAX_WEIGHT_BITS,
    STATE_BITS_RANGE,
    Target,
    TargetError,
    check_fields,
)

from snnir.attributes import (
    ArrayAttr,
    Attribute,
    DenseElementsAttr,
    DenseResourceAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    TensorType,
    VerifyException,
    element_type_of_dtype,
    i64,
)
from snnir.irdl import AnyOf, BaseAttr, Dialect, IRDLOperation, Predicate, SymbolName, opt_prop_def, prop_def, region_def
from snnir.location import UNKNOWN_LOC, Location
from snnir.traits import (
    GraphRegions,
    HasParent,
    IsolatedFromAbove,
    NoTerminator,
    SingleBlock,
    Symbol,
    SymbolTable,
    lookup_symbol,
    resolve_symbol,
)

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
StateBits = Predicate(IntegerAttr, lambda a: _int_in(a, *STATE_BITS_RANGE),
                      f"integer from {STATE_BITS_RANGE[0]} to {STATE_BITS_RANGE[1]}")
DecayBits = Predicate(IntegerAttr, lambda a: _int_in(a, *DECAY_BITS_RANGE),
                      f"integer from {DECAY_BITS_RANGE[0]} to {DECAY_BITS_RANGE[1]}")
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
_TARGET_PROPERTIES = ("tiles", "mesh", "rows", "cols", "synapses", "weight_bits", "state_bits", "decay_bits",
                      "input_buffer",
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
    state_bits = opt_prop_def(StateBits)
    decay_bits = opt_prop_def(DecayBits)
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


# ------------------------------------------------------------------- configuration helpers

Tensor = BaseAttr(DenseElementsAttr, DenseResourceAttr)
Count = Predicate(IntegerAttr, lambda a: _int_in(a, 0), "non-negative integer")
ConfigWeightBits = Predicate(IntegerAttr, lambda a: _int_in(a, 1, 32), "integer from 1 to 32")
Exponent = Predicate(IntegerAttr, lambda a: _int_in(a, -EXPONENT_LIMIT, EXPONENT_LIMIT),
                     f"integer from -{EXPONENT_LIMIT} to {EXPONENT_LIMIT}")
PositiveFloat = Predicate(FloatAttr, lambda a: _float_at_least(a, 0.0, True), "positive finite float")
NonNegativeFloat = Predicate(FloatAttr, lambda a: _float_at_least(a, 0.0, False), "non-negative finite float")
ResetMode = Predicate(StringAttr, lambda a: a.data in ("zero", "subtract"), '"zero" or "subtract"')
INLINE_LIMIT = 16
"""Arrays with more elements than this (and not all equal) become resources."""
_MAX_DELAY = 2**31 - 1  # delays are int32 in configurations

_KINDS = {"i": "integer", "u": "integer", "b": "boolean (i1)", "f": "float"}
_DECAY_NAMES = frozenset(DECAY_PARAMS.values())
_TAU_OF = {v: k for k, v in DECAY_PARAMS.items()}


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape)) or "a scalar"


def _values(attr: Attribute, what: str, kinds: str, shape: tuple[int, ...] | None) -> np.ndarray:
    """The numpy array of a tensor property, checked: element kind in `kinds`, shape (-1: any extent;
    None: any shape).

    `what` names the array in messages ("'weights' of crossbar @c0").
    """
    try:
        arr = np.asarray(attr.data)
    except VerifyException as e:
        raise VerifyException(f"{what}: {e}") from None
    if arr.dtype.kind not in kinds:
        want = " or ".join(dict.fromkeys(_KINDS[k] for k in kinds))
        raise VerifyException(f"{what} must hold {want} elements, got {attr.type.element_type}")
    if shape is not None and (arr.ndim != len(shape) or any(s >= 0 and s != d for s, d in zip(shape, arr.shape))):
        want_s = "x".join("?" if s < 0 else str(s) for s in shape)
        raise VerifyException(f"{what} is {_shape_text(arr.shape)}, expected {want_s}")
    return arr


def array_attr(name: str, array: np.ndarray) -> Attribute:
    """A tensor attribute: inline `dense<>` when small or constant, else a resource called `name`."""
    arr = np.ascontiguousarray(array)
    flat = arr.reshape(-1)
    if arr.size <= INLINE_LIMIT or (flat.size and bool(np.all(flat == flat[0]))):
        return DenseElementsAttr(TensorType(arr.shape, element_type_of_dtype(arr.dtype)), arr)
    return DenseResourceAttr.from_array(name, arr)


def _ints(array: Any) -> np.ndarray:
    """Integer ids or counts as int32 when they fit, else int64."""
    a = np.asarray(array, dtype=np.int64)
    if a.size == 0 or (a.min() >= -2**31 and a.max() < 2**31):
        return a.astype(np.int32)
    return a


def _precisions(op: IRDLOperation) -> tuple[int | None, int | None]:
    """The `state_bits` and `decay_bits` of the `hw.config` around `op` (None: float, or a value out of
    range, which the configuration's own verifier reports)."""
    config = op.parent_op
    out: list[int | None] = []
    for key, (low, high) in (("state_bits", STATE_BITS_RANGE), ("decay_bits", DECAY_BITS_RANGE)):
        a = config.properties.get(key) if isinstance(config, ConfigOp) else None
        out.append(a.value if isinstance(a, IntegerAttr) and _int_in(a, low, high) else None)
    return out[0], out[1]


def _stored_name(param: str, decay_bits: int | None) -> str:
    """The name a model parameter is stored under: `decay` for tau (and so on) when the decays are fixed."""
    return DECAY_PARAMS[param] if decay_bits is not None and param in DECAY_PARAMS else param


def _is_fixed(key: str, state_bits: int | None, decay_bits: int | None) -> bool:
    """Whether a stored parameter is in fixed point: a decay coefficient, or a state parameter with state bits."""
    return key in _DECAY_NAMES or (state_bits is not None and key in STATE_PARAMS)


def _element_type(attr: Attribute) -> str:
    return str(attr.type.element_type) if isinstance(getattr(attr, "type", None), TensorType) else str(attr)


def _check_mantissas(m: np.ndarray, what: str, low: int, high: int, precision: str, unit: str = "neuron") -> None:
    """VerifyException naming the first mantissa outside low..high (its neuron or column)."""
    bad = np.flatnonzero((m < low) | (m > high))
    if bad.size:
        i = int(bad[0])
        raise VerifyException(f"{what} has mantissa {int(m[i])} at {unit} {i}, outside {low}..{high} for {precision}")


def _config_target(op: IRDLOperation) -> Target | None:
    """The target of the `hw.config` around `op` (or of `op` itself), None when it cannot be read."""
    config = op if isinstance(op, ConfigOp) else op.parent_op
    if not isinstance(config, ConfigOp) or not isinstance(config.target, SymbolRefAttr):
        return None
    t = resolve_symbol(config, config.target)
    if not isinstance(t, TargetOp):
        return None
    try:
        return t.to_target()
    except (TargetError, TypeError, ValueError):
        return None  # the target's own verifier reports it


# --------------------------------------------------------------------------- hw.population


class PopulationOp(IRDLOperation):
    """One population of the network: its neurons `first`..`first + size - 1`, model and neuron table.

    `params` holds one tensor of `size` values per model parameter: float64, or, when the
    configuration has `state_bits` / `decay_bits`, integer mantissas with the population's exponent
    in `exponents` (value = m * 2^e). Fixed-point decays are stored as `decay`, `decay_syn` and
    `decay_mem`: the coefficient dt/tau (exponent -decay_bits), not the time constant.
    """

    name = "hw.population"
    population = prop_def(StringAttr)
    model = prop_def(StringAttr)
    first = prop_def(Count)
    size = prop_def(PositiveInt)
    params = opt_prop_def(DictionaryAttr)
    exponents = opt_prop_def(DictionaryAttr)
    reset = opt_prop_def(ResetMode)
    refractory = opt_prop_def(Count)
    rate = opt_prop_def(NonNegativeFloat)
    spikes = opt_prop_def(Tensor)
    traits = (HasParent("hw.config"),)
    assembly_format = "$population `model` $model `first` $first `size` $size attr-dict"

    @property
    def label(self) -> str:
        return f"population '{self.population.data}'"

    def verify_(self) -> None:
        from snnir.algorithms.simulate import MODELS

        model, size = self.model.data, self.size.value
        if model not in MODELS:
            raise VerifyException(f"{self.label} has unknown model '{model}' (known: {', '.join(MODELS)})")
        state_bits, decay_bits = _precisions(self)
        given = dict(self.params.data) if self.params is not None else {}
        stored = {_stored_name(k, decay_bits): k for k in MODELS[model]}
        for key, param in stored.items():
            if key not in given:
                how = f" (the decay coefficient dt/{param}, {decay_bits}-bit fixed point)" if key != param else ""
                raise VerifyException(f"{self.label} ({model}) needs parameter '{key}'{how}")
        for key, value in given.items():
            if key not in stored:
                raise VerifyException(self._unknown(key, model, decay_bits))
            if not isinstance(value, (DenseElementsAttr, DenseResourceAttr)):
                raise VerifyException(f"parameter '{key}' of {self.label} must be a tensor of {size} values, got "
                                      f"{value}")
            if _is_fixed(key, state_bits, decay_bits):
                self._verify_fixed(key, value, state_bits, decay_bits)
                continue
            what = f"parameter '{key}' of {self.label}"
            if _element_type(value)[:1] in "iu" and key in STATE_PARAMS:
                raise VerifyException(f"{what} holds integer mantissas but the configuration has no state_bits")
            arr = _values(value, what, "f", (size,))
            if not np.all(np.isfinite(arr)):
                raise VerifyException(f"{what} must be finite")
            if key.startswith("tau") and not np.all(arr > 0):
                raise VerifyException(f"time constant '{key}' of {self.label} must be positive")
        for key in self._exponents():
            if key not in given or not _is_fixed(key, state_bits, decay_bits):
                raise VerifyException(f"{self.label} has an exponent for '{key}', which is not one of its parameters "
                                      "in fixed point")
        if model != "input":
            for key in ("rate", "spikes"):
                if self.properties.get(key) is not None:
                    raise VerifyException(f"{self.label} ({model}) is not an input and has no {key}")
        if self.spikes is not None:
            _values(self.spikes, f"the recorded spikes of {self.label}", "fiub", (-1, size))

    def _unknown(self, key: str, model: str, decay_bits: int | None) -> str:
        """The message for a parameter the model does not have (or has under its other name)."""
        from snnir.algorithms.simulate import MODELS

        if key in _DECAY_NAMES and _TAU_OF[key] in MODELS[model]:
            return (f"{self.label} ({model}) has no parameter '{key}': decay coefficients are stored only with "
                    f"the configuration's decay_bits (else '{_TAU_OF[key]}')")
        if key in DECAY_PARAMS and decay_bits is not None and key in MODELS[model]:
            return (f"{self.label} ({model}) has parameter '{key}', but with {decay_bits}-bit decays it is stored as "
                    f"'{DECAY_PARAMS[key]}' (the coefficient dt/{key})")
        return f"{self.label} ({model}) has no parameter '{key}'"

    def _exponents(self) -> dict[str, Attribute]:
        return dict(self.exponents.data) if self.exponents is not None else {}

    def _verify_fixed(self, key: str, value: Attribute, state_bits: int | None, decay_bits: int | None) -> None:
        """Integer mantissas of the population's size, in range for the precision, with a valid exponent."""
        what = f"parameter '{key}' of {self.label}"
        decay = key in _DECAY_NAMES
        precision = f"{decay_bits}-bit decays" if decay else f"{state_bits}-bit state"
        if _element_type(value)[:1] not in "iu":
            raise VerifyException(f"{what} must hold integer mantissas ({precision}), got {_element_type(value)}")
        m = _values(value, what, "iu", (self.size.value,)).astype(np.int64)
        exps = self._exponents()
        if key not in exps:
            raise VerifyException(f"{self.label} has no exponent for its fixed-point parameter '{key}'")
        e = exps[key]
        try:
            Exponent.verify(e)
        except VerifyException as err:
            raise VerifyException(f"the exponent of '{key}' of {self.label}: {err}") from None
        if decay:
            assert decay_bits is not None
            if e.value != -decay_bits:
                raise VerifyException(f"the exponent of '{key}' of {self.label} is {e.value}, but {decay_bits}-bit "
                                      f"decays have exponent {-decay_bits}")
            _check_mantissas(m, what, 1, 2**decay_bits, precision)
        else:
            assert state_bits is not None
            q = fixed_limit(state_bits)
            _check_mantissas(m, what, -q, q, precision)
            with np.errstate(over="ignore"):
                if not np.all(np.isfinite(np.ldexp(m.astype(np.float64), e.value))):
                    raise VerifyException(f"{what} overflows float64: mantissa x 2^{e.value} is not finite")

    def record(self) -> dict[str, Any]:
        """The population as `hwfiles.population_table` takes it (fixed-point parameters under `fixed`)."""
        state_bits, decay_bits = _precisions(self)
        exps = self._exponents()
        params: dict[str, np.ndarray] = {}
        fixed: dict[str, tuple[np.ndarray, int]] = {}
        for k, v in (self.params.data.items() if self.params is not None else ()):
            arr = np.asarray(v.data).reshape(-1)
            if _is_fixed(k, state_bits, decay_bits):
                fixed[k] = (arr.astype(np.int64), exps[k].value)
                params[_TAU_OF.get(k, k)] = np.zeros(arr.size)  # population_table derives them
            else:
                params[k] = arr.astype(np.float64)
        return {"name": self.population.data, "model": self.model.data, "size": self.size.value, "params": params,
                "fixed": fixed, "reset": self.reset.data if self.reset is not None else "zero",
                "refractory": self.refractory.value if self.refractory is not None else 0,
                "rate": self.rate.value if self.rate is not None else None,
                "spikes": np.asarray(self.spikes.data, dtype=np.float64) if self.spikes is not None else None}


# ----------------------------------------------------------------------------- hw.crossbar


class CrossbarOp(IRDLOperation):
    """One crossbar configuration: the source neuron of each row, the neuron of each column, the
    weights and delays of the crosspoints, and the column biases; run on tile `tile`.

    `weights` are floats, or integer levels with a per-column `scale` when the configuration is
    quantised (weight = level x scale). `present` marks the crosspoints holding a synapse; when it
    is absent, those are the crosspoints with a non-zero weight. `bias` (absent: 0) is a constant
    current per column: floats, or integer mantissas with the crossbar's `bias_exponent` when the
    configuration has `state_bits` (bias = m x 2^bias_exponent).
    """

    name = "hw.crossbar"
    sym_name = prop_def(SymbolName())
    tile = prop_def(Count)
    rows = prop_def(Tensor)
    columns = prop_def(Tensor)
    weights = prop_def(Tensor)
    scale = opt_prop_def(Tensor)
    delays = prop_def(Tensor)
    present = opt_prop_def(Tensor)
    bias = opt_prop_def(Tensor)
    bias_exponent = opt_prop_def(Exponent)
    traits = (Symbol(), HasParent("hw.config"))
    assembly_format = ("$sym_name `tile` $tile `rows` `(` $rows `)` `columns` `(` $columns `)` `weights` `(` $weights "
                       "`)` (`scale` `(` $scale^ `)`)? `delays` `(` $delays `)` (`present` `(` $present^ `)`)? "
                       "(`bias` `(` $bias^ `)`)? (`bias_exponent` $bias_exponent^)? attr-dict")

    def arrays(self) -> dict[str, np.ndarray | None]:
        """Every array of the crossbar, checked for element kinds and consistent shapes (VerifyException)."""
        me = f"crossbar @{self.sym_name}"
        rows = _values(self.rows, f"'rows' of {me}", "iu", (-1,))
        cols = _values(self.columns, f"'columns' of {me}", "iu", (-1,))
        r, c = rows.size, cols.size
        grid = (r, c)

        def sized(attr: Attribute | None, key: str, kinds: str, shape: tuple[int, ...]) -> np.ndarray | None:
            if attr is None:
                return None
            arr = _values(attr, f"'{key}' of {me}", kinds, None)
            if arr.shape != shape:
                what = f"{r} rows and {c} columns" if len(shape) == 2 else f"{c} columns"
                raise VerifyException(f"'{key}' of {me} is {_shape_text(arr.shape)} but the crossbar has {what}")
            return arr

        weights = sized(self.weights, "weights", "iuf", grid)
        delays = sized(self.delays, "delays", "iu", grid)
        present = sized(self.present, "present", "b", grid)
        scale = sized(self.scale, "scale", "f", (c,))
        bias = sized(self.bias, "bias", "iuf", (c,))
        return {"rows": rows, "columns": cols, "weights": weights, "delays": delays, "present": present,
                "scale": scale, "bias": bias}

    def mask(self, arrays: dict[str, Any] | None = None) -> np.ndarray:
        """bool [R, C]: the crosspoints holding a synapse."""
        a = arrays or self.arrays()
        return a["present"] if a["present"] is not None else a["weights"] != 0

    def verify_(self) -> None:
        me = f"crossbar @{self.sym_name}"
        a = self.arrays()
        r, c = a["rows"].size, a["columns"].size
        if c == 0:
            raise VerifyException(f"{me} has no columns")
        if unique(a["columns"]).size != c:
            raise VerifyException(f"columns of {me} must be distinct")
        if unique(a["rows"]).size != r:
            raise VerifyException(f"rows of {me} must be distinct: a row carries one source neuron")
        if a["delays"].size and a["delays"].min() < 0:
            raise VerifyException(f"{me} has a negative delay")
        if a["delays"].size and a["delays"].max() > _MAX_DELAY:
            raise VerifyException(f"{me} has a delay above {_MAX_DELAY} steps")
        quantised = a["weights"].dtype.kind in "iu"
        if quantised and a["scale"] is None:
            raise VerifyException(f"{me} has integer weight levels but no 'scale'")
        if not quantised and a["scale"] is not None:
            raise VerifyException(f"{me} has float weights and a 'scale'; only integer levels are scaled")
        config = self.parent_op
        bits = config.properties.get("weight_bits") if isinstance(config, ConfigOp) else None
        if isinstance(bits, IntegerAttr):
            if not quantised:
                raise VerifyException(f"{me} has float weights but the configuration is quantised to {bits.value} "
                                      "bits")
            q = 1 if bits.value == 1 else 2 ** (bits.value - 1) - 1
            bad = np.argwhere(np.abs(a["weights"].astype(np.int64)) > q)
            if bad.size:
                i, j = (int(x) for x in bad[0])
                raise VerifyException(f"{me} has weight level {int(a['weights'][i, j])} at row {i}, column {j}, "
                                      f"outside -{q}..{q} for {bits.value}-bit weights")
        elif isinstance(config, ConfigOp) and quantised:
            raise VerifyException(f"{me} has integer weight levels but the configuration has no weight_bits")
        self._verify_bias(a["bias"])
        target = _config_target(self)
        if target is None:
            return
        used = int(np.count_nonzero(self.mask(a)))
        for what, n, limit in (("rows", r, target.rows), ("columns", c, target.cols)):
            if n > limit:
                raise VerifyException(f"{me} uses {n} {what} but target @{target.name} has {limit}")
        if used > target.synapse_capacity:
            raise VerifyException(f"{me} uses {used} crosspoints but a tile of target @{target.name} holds "
                                  f"{target.synapse_capacity} synapses")
        if self.tile.value >= target.tiles:
            raise VerifyException(f"{me} is on tile {self.tile.value} but target @{target.name} has {target.tiles} "
                                  "tiles")

    def _verify_bias(self, bias: np.ndarray | None) -> None:
        """Float biases, or (with the configuration's state_bits) mantissas in range with an exponent."""
        me = f"crossbar @{self.sym_name}"
        fixed = bias is not None and bias.dtype.kind in "iu"
        if bias is None and self.bias_exponent is not None:
            raise VerifyException(f"{me} has a bias_exponent but no bias")
        if bias is not None and fixed != (self.bias_exponent is not None):
            raise VerifyException(f"{me} has integer bias mantissas but no bias_exponent" if fixed else
                                  f"{me} has float biases and a bias_exponent; only integer mantissas have one")
        if not isinstance(self.parent_op, ConfigOp) or bias is None:
            return
        state_bits = _precisions(self)[0]
        if state_bits is None and fixed:
            raise VerifyException(f"{me} has integer bias mantissas but the configuration has no state_bits")
        if state_bits is not None:
            if not fixed:
                raise VerifyException(f"{me} has float biases but the configuration holds {state_bits}-bit state")
            q = fixed_limit(state_bits)
            _check_mantissas(bias.astype(np.int64), f"the bias of {me}", -q, q, f"{state_bits}-bit state", "column")
            with np.errstate(over="ignore"):
                if not np.all(np.isfinite(np.ldexp(bias.astype(np.float64), self.bias_exponent.value))):
                    raise VerifyException(f"the bias of {me} overflows float64: mantissa x "
                                          f"2^{self.bias_exponent.value} is not finite")


# ------------------------------------------------------------------------------ hw.routing


class RoutingOp(IRDLOperation):
    """The multicast table: for each global neuron, the (crossbar, row) pairs its output reaches.

    CSR over neurons: the targets of neuron n are entries `indptr[n]` to `indptr[n+1] - 1` of
    `crossbars` (indices of the configuration's `hw.crossbar` ops, in order) and `rows`.
    """

    name = "hw.routing"
    indptr = prop_def(Tensor)
    crossbars = prop_def(Tensor)
    rows = prop_def(Tensor)
    traits = (HasParent("hw.config"),)
    assembly_format = "`indptr` `(` $indptr `)` `crossbars` `(` $crossbars `)` `rows` `(` $rows `)` attr-dict"

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        indptr = _values(self.indptr, "'indptr' of the routing", "iu", (-1,)).astype(np.int64)
        xb = _values(self.crossbars, "'crossbars' of the routing", "iu", (-1,)).astype(np.int64)
        rows = _values(self.rows, "'rows' of the routing", "iu", (-1,)).astype(np.int64)
        return indptr, xb, rows

    def verify_(self) -> None:
        indptr, xb, rows = self.arrays()
        if xb.size != rows.size:
            raise VerifyException(f"the routing has {xb.size} crossbars but {rows.size} rows; each entry needs both")
        if indptr.size == 0 or indptr[0] != 0:
            raise VerifyException("'indptr' of the routing must start at 0")
        if np.any(np.diff(indptr) < 0):
            n = int(np.flatnonzero(np.diff(indptr) < 0)[0])
            raise VerifyException(f"'indptr' of the routing decreases at neuron {n}")
        if indptr[-1] != xb.size:
            raise VerifyException(f"'indptr' of the routing ends at {int(indptr[-1])} but there are {xb.size} entries")

    def verify_regions_(self) -> None:
        """The entries against the crossbars and populations, once every op of the configuration is valid."""
        config = self.parent_op
        if not isinstance(config, ConfigOp):
            return
        indptr, xb, rows = self.arrays()
        n = config.neuron_count()
        if indptr.size != n + 1:
            raise VerifyException(f"the routing covers {indptr.size - 1} neurons but the populations hold {n}")
        xbars = config.crossbars
        sources = [_values(c.rows, "", "iu", (-1,)).astype(np.int64) for c in xbars]
        sizes = np.array([s.size for s in sources], dtype=np.int64)
        neuron = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        bad = np.flatnonzero((xb < 0) | (xb >= len(xbars)))
        if bad.size:
            e = int(bad[0])
            raise VerifyException(f"routing entry {e} (of {config.neuron_name(int(neuron[e]))}) names crossbar "
                                  f"{int(xb[e])}, but the configuration has {len(xbars)}")
        bad = np.flatnonzero((rows < 0) | (rows >= sizes[xb]))
        if bad.size:
            e = int(bad[0])
            raise VerifyException(f"routing entry {e} (of {config.neuron_name(int(neuron[e]))}) names row {int(rows[e])} "
                                  f"of crossbar @{xbars[int(xb[e])].sym_name}, which has {int(sizes[xb[e]])} rows")
        offsets = np.zeros(len(xbars) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        all_src = np.concatenate(sources) if sources else np.zeros(0, np.int64)
        g = offsets[xb] + rows
        wrong = np.flatnonzero(all_src[g] != neuron)
        if wrong.size:
            e = int(wrong[0])
            raise VerifyException(f"the routing sends {config.neuron_name(int(neuron[e]))} to row {int(rows[e])} of "
                                  f"crossbar @{xbars[int(xb[e])].sym_name}, whose source is neuron {int(all_src[g[e]])}")
        hits = np.bincount(g, minlength=int(offsets[-1]))
        miss = np.flatnonzero(hits != 1)
        if miss.size:
            k = int(np.searchsorted(offsets, miss[0], side="right") - 1)
            row = int(miss[0] - offsets[k])
            how = "no routing entry" if hits[miss[0]] == 0 else f"{int(hits[miss[0]])} routing entries"
            raise VerifyException(f"row {row} of crossbar @{xbars[k].sym_name} is reached by {how}; each row has "
                                  "exactly one source")


# --------------------------------------------------------------------------------- hw.tile


class TileOp(IRDLOperation):
    """A used tile: its static order (the crossbars it evaluates, cyclically) and its spike buffers."""

    name = "hw.tile"
    tile = prop_def(Count)
    order = prop_def(ArrayAttr)
    input_buffer = prop_def(PositiveInt)
    output_buffer = prop_def(PositiveInt)
    traits = (HasParent("hw.config"),)
    assembly_format = "$tile `order` $order `input_buffer` $input_buffer `output_buffer` $output_buffer attr-dict"

    def verify_(self) -> None:
        t = self.tile.value
        if not self.order.data:
            raise VerifyException(f"the order of tile {t} is empty")
        for ref in self.order.data:
            if not isinstance(ref, SymbolRefAttr) or ref.nested:
                raise VerifyException(f"the order of tile {t} must list crossbars as @name, got {ref}")
        target = _config_target(self)
        if target is None:
            return
        if t >= target.tiles:
            raise VerifyException(f"tile {t} is outside target @{target.name}, which has {target.tiles} tiles")
        for what, n, limit in (("input", self.input_buffer.value, target.input_buffer),
                               ("output", self.output_buffer.value, target.output_buffer)):
            if n > limit:
                raise VerifyException(f"tile {t} has an {what} buffer of {n} spikes but target @{target.name} holds "
                                      f"{limit}")

    def verify_regions_(self) -> None:
        config = self.parent_op
        if not isinstance(config, ConfigOp):
            return
        t = self.tile.value
        for ref in self.order.data:
            xb = lookup_symbol(config, ref.root)
            if not isinstance(xb, CrossbarOp):
                raise VerifyException(f"the order of tile {t} names {ref}, which is not a crossbar of this "
                                      "configuration")
            if xb.tile.value != t:
                raise VerifyException(f"the order of tile {t} lists {ref}, which is on tile {xb.tile.value}")


# ------------------------------------------------------------------------------- hw.config


class ConfigOp(IRDLOperation):
    """The hardware configuration of a network on a target: populations, crossbars, routing and tiles.

    `network`, `clusters` and `graph` name the `snn.network`, `cluster.graph` and `sdf.graph` it
    was built from (absent when read from configuration files); `weight_bits` is present when the
    weights are quantised, `state_bits` and `decay_bits` when the neuron parameters (and biases)
    and the decay coefficients are fixed point; `order` lists the population names in the order they are evaluated
    within a time step; `pipeline` records the passes that built it.
    """

    name = "hw.config"
    sym_name = prop_def(SymbolName())
    target = prop_def(SymbolRefAttr)
    network = opt_prop_def(SymbolRefAttr)
    clusters = opt_prop_def(SymbolRefAttr)
    graph = opt_prop_def(SymbolRefAttr)
    weight_bits = opt_prop_def(ConfigWeightBits)
    state_bits = opt_prop_def(StateBits)
    decay_bits = opt_prop_def(DecayBits)
    dt = prop_def(PositiveFloat)
    order = prop_def(ArrayAttr)
    pipeline = opt_prop_def(StringAttr)
    body = region_def(single_block=True)
    traits = (Symbol(), SymbolTable(), IsolatedFromAbove(), GraphRegions(), NoTerminator(), SingleBlock(),
              HasParent("builtin.module"))
    assembly_format = "$sym_name attr-dict-with-keyword $body"

    def _ops(self, cls: type) -> list[Any]:
        return [op for op in self.regions[0].block.ops if isinstance(op, cls)] if self.regions[0].blocks else []

    @property
    def populations(self) -> list[PopulationOp]:
        return self._ops(PopulationOp)

    @property
    def crossbars(self) -> list[CrossbarOp]:
        return self._ops(CrossbarOp)

    @property
    def routings(self) -> list[RoutingOp]:
        return self._ops(RoutingOp)

    @property
    def tiles(self) -> list[TileOp]:
        return self._ops(TileOp)

    def neuron_count(self) -> int:
        return int(sum(p.size.value for p in self.populations))

    def neuron_name(self, gid: int) -> str:
        """`neuron 1 of 'b' (global id 6)`."""
        for p in self.populations:
            lo = p.first.value
            if lo <= gid < lo + p.size.value:
                return f"neuron {gid - lo} of '{p.population.data}' (global id {gid})"
        return f"neuron {gid}"

    def verify_(self) -> None:
        for key, kind in (("target", "an hw.target"), ("network", "an snn.network"),
                          ("clusters", "a cluster.graph"), ("graph", "an sdf.graph")):
            ref = self.properties.get(key)
            if ref is None:
                continue
            found = resolve_symbol(self, ref)
            if found is None or found.name != kind.split()[1]:
                raise VerifyException(f"{key} {ref} is not {kind} of this module")
        for x in self.order.data:
            if not isinstance(x, StringAttr):
                raise VerifyException(f"'order' must list population names as strings, got {x}")

    def verify_regions_(self) -> None:
        """Populations, order, columns and tiles across the ops, once each op is valid on its own."""
        pops = self.populations
        at = 0
        names: set[str] = set()
        for p in pops:
            if p.first.value != at:
                raise VerifyException(f"population '{p.population.data}' starts at neuron {p.first.value} but the "
                                      f"populations before it end at {at}")
            if p.population.data in names:
                raise VerifyException(f"two populations are named '{p.population.data}'")
            names.add(p.population.data)
            at += p.size.value
        order = [x.data for x in self.order.data]
        for name in order:
            if name not in names:
                raise VerifyException(f"'order' names '{name}', which is not a population")
        if len(order) != len(names) or len(set(order)) != len(order):
            raise VerifyException("'order' must list every population exactly once")
        if len(self.routings) != 1:
            raise VerifyException(f"needs exactly one hw.routing, found {len(self.routings)}")
        n = at
        is_input = np.zeros(n, dtype=bool)
        for p in pops:
            if p.model.data == "input":
                is_input[p.first.value:p.first.value + p.size.value] = True
        owner = np.full(n, -1, dtype=np.int64)
        xbars = self.crossbars
        for k, xb in enumerate(xbars):
            cols = np.asarray(xb.columns.data, dtype=np.int64).reshape(-1)
            bad = cols[(cols < 0) | (cols >= n)]
            if bad.size:
                raise VerifyException(f"crossbar @{xb.sym_name} has a column for neuron {int(bad[0])}, outside "
                                      f"0..{n - 1}")
            rows = np.asarray(xb.rows.data, dtype=np.int64).reshape(-1)
            bad = rows[(rows < 0) | (rows >= n)]
            if bad.size:
                raise VerifyException(f"crossbar @{xb.sym_name} has a row fed by neuron {int(bad[0])}, outside "
                                      f"0..{n - 1}")
            twice = cols[owner[cols] >= 0]
            if twice.size:
                gid = int(twice[0])
                raise VerifyException(f"{self.neuron_name(gid)} is a column of @{xbars[int(owner[gid])].sym_name} and "
                                      f"@{xb.sym_name}; each neuron has exactly one column")
            ins = cols[is_input[cols]]
            if ins.size:
                raise VerifyException(f"{self.neuron_name(int(ins[0]))} is an input (an external source), not a "
                                      f"column of @{xb.sym_name}")
            owner[cols] = k
        missing = np.flatnonzero(~is_input & (owner < 0))
        if missing.size:
            raise VerifyException(f"{self.neuron_name(int(missing[0]))} is in no crossbar column; each neuron has "
                                  "exactly one column")
        tiles: dict[int, TileOp] = {}
        for t in self.tiles:
            if t.tile.value in tiles:
                raise VerifyException(f"tile {t.tile.value} is described twice")
            tiles[t.tile.value] = t
        evaluated = {v: {ref.root for ref in t.order.data} for v, t in tiles.items()}  # one pass per tile
        for xb in xbars:
            t = tiles.get(xb.tile.value)
            if t is None:
                raise VerifyException(f"crossbar @{xb.sym_name} is on tile {xb.tile.value}, which has no hw.tile")
            if xb.sym_name not in evaluated[xb.tile.value]:
                raise VerifyException(f"the order of tile {xb.tile.value} never evaluates @{xb.sym_name}")

    # ---- conversion

    def to_bundle(self) -> Any:
        """The configuration as a `snnir.algorithms.hwfiles.Bundle` (the op must verify)."""
        from snnir.algorithms import hwfiles

        target = resolve_symbol(self, self.target).to_target()
        records = [p.record() for p in self.populations]
        table = hwfiles.population_table(self.dt.value, records)
        index = {r["name"]: i for i, r in enumerate(records)}
        xbs = []
        for k, op in enumerate(self.crossbars):
            a = op.arrays()
            c = a["columns"].size
            fixed_bias = self.state_bits is not None
            bias = a["bias"] if a["bias"] is not None else np.zeros(c, dtype=np.int32 if fixed_bias else np.float64)
            exponent = op.bias_exponent.value if op.bias_exponent is not None else (0 if fixed_bias else None)
            xbs.append(hwfiles.make_crossbar(
                k, op.tile.value, a["rows"], a["columns"], a["weights"].copy(),
                a["scale"], a["delays"], op.mask(a), bias, exponent))
        indptr, xb, rows = self.routings[0].arrays()
        from snnir.algorithms.hwconfig import Routing

        routing = Routing(indptr=indptr, crossbar=xb, row=rows)
        bits = self.weight_bits.value if self.weight_bits is not None else None
        config = hwfiles.assemble(xbs, routing, table, [index[x.data] for x in self.order.data], bits,
                                  target.rows, target.cols,
                                  state_bits=self.state_bits.value if self.state_bits is not None else None,
                                  decay_bits=self.decay_bits.value if self.decay_bits is not None else None)
        names = [op.sym_name for op in self.crossbars]
        pos = {name: k for k, name in enumerate(names)}
        tiles = tuple(hwfiles.TileConfig(t.tile.value, tuple(pos[ref.root] for ref in t.order.data),
                                         t.input_buffer.value, t.output_buffer.value)
                      for t in sorted(self.tiles, key=lambda t: t.tile.value))
        return hwfiles.Bundle(name=self.sym_name, config=config, target=target, tiles=tiles,
                              crossbar_names=tuple(names),
                              pipeline=self.pipeline.data if self.pipeline is not None else "")

    @classmethod
    def from_bundle(cls, bundle: Any, *, target: str | None = None, network: str | None = None,
                    clusters: str | None = None, graph: str | None = None,
                    loc: Location = UNKNOWN_LOC) -> "ConfigOp":
        """The op of a `Bundle`; `target` (default: the bundle's target name), `network`, `clusters` and
        `graph` are the symbols it refers to. Arrays go inline or into resources named after the op.

        Raises ConfigError when a population mixes resets, refractory periods or input rates.
        """
        from snnir.algorithms import hwfiles
        from snnir.ir import Block, Region

        config = bundle.config
        prefix = bundle.name
        block = Block()
        for i, rec in enumerate(hwfiles.population_records(config.neurons)):
            name = rec["name"]
            props: dict[str, Any] = {"population": StringAttr(name), "model": StringAttr(rec["model"]),
                                     "first": IntegerAttr(rec["first"]), "size": IntegerAttr(rec["size"])}
            if rec["params"]:
                fixed = rec["fixed"]
                stored = {}
                for k, v in rec["params"].items():
                    key = DECAY_PARAMS[k] if DECAY_PARAMS.get(k) in fixed else k
                    values = hwfiles.mantissas(fixed[key][0]) if key in fixed else np.asarray(v, np.float64)
                    stored[key] = array_attr(f"{prefix}_{name}_{key}", values)
                props["params"] = DictionaryAttr(stored)
                if fixed:
                    props["exponents"] = DictionaryAttr({k: IntegerAttr(int(e)) for k, (_, e) in fixed.items()})
            if rec["reset"] != "zero":
                props["reset"] = StringAttr(rec["reset"])
            if rec["refractory"]:
                props["refractory"] = IntegerAttr(rec["refractory"])
            if rec["rate"] is not None:
                props["rate"] = FloatAttr(float(rec["rate"]))
            if rec["spikes"] is not None:
                s = np.asarray(rec["spikes"], dtype=np.float64)
                props["spikes"] = array_attr(f"{prefix}_{name}_spikes", s.reshape(s.shape[0], -1))
            block.add_op(PopulationOp.build(loc=loc, **props))
        for k, xb in enumerate(config.crossbars):
            name = bundle.crossbar_names[k]
            res = f"{prefix}_{name}"
            present = np.asarray(xb.present, dtype=bool)
            weights = np.asarray(xb.weights)
            props = {"sym_name": StringAttr(name), "tile": IntegerAttr(int(xb.tile)),
                     "rows": array_attr(f"{res}_rows", _ints(xb.row_source)),
                     "columns": array_attr(f"{res}_columns", _ints(xb.col_neuron)),
                     "weights": array_attr(f"{res}_weights", weights),
                     "delays": array_attr(f"{res}_delays", _ints(hwfiles.crossbar_delays(xb)))}
            if xb.scale is not None:
                props["scale"] = array_attr(f"{res}_scale", np.asarray(xb.scale, dtype=np.float64))
            if not np.array_equal(present, weights != 0):
                props["present"] = array_attr(f"{res}_present", present)
            if np.any(np.asarray(xb.bias) != 0):
                if xb.bias_exponent is None:
                    props["bias"] = array_attr(f"{res}_bias", np.asarray(xb.bias, dtype=np.float64))
                else:
                    props["bias"] = array_attr(f"{res}_bias", hwfiles.mantissas(xb.bias))
                    props["bias_exponent"] = IntegerAttr(int(xb.bias_exponent))
            block.add_op(CrossbarOp.build(loc=loc, **props))
        rt = config.routing
        block.add_op(RoutingOp.build(indptr=array_attr(f"{prefix}_routing_indptr", _ints(rt.indptr)),
                                     crossbars=array_attr(f"{prefix}_routing_crossbars", _ints(rt.crossbar)),
                                     rows=array_attr(f"{prefix}_routing_rows", _ints(rt.row)), loc=loc))
        for t in bundle.tiles:
            block.add_op(TileOp.build(tile=IntegerAttr(t.index),
                                      order=ArrayAttr([SymbolRefAttr(bundle.crossbar_names[k]) for k in t.order]),
                                      input_buffer=IntegerAttr(int(t.input_buffer)),
                                      output_buffer=IntegerAttr(int(t.output_buffer)), loc=loc))
        props = {"sym_name": StringAttr(prefix), "target": SymbolRefAttr(target or bundle.target.name)}
        for key, value in (("network", network), ("clusters", clusters), ("graph", graph)):
            if value is not None:
                props[key] = SymbolRefAttr(value)
        for key in ("weight_bits", "state_bits", "decay_bits"):
            if getattr(config, key) is not None:
                props[key] = IntegerAttr(int(getattr(config, key)))
        props["dt"] = FloatAttr(float(config.neurons.dt))
        props["order"] = ArrayAttr([StringAttr(config.neurons.names[i]) for i in config.order])
        if bundle.pipeline:
            props["pipeline"] = StringAttr(bundle.pipeline)
        return cls.build(body=Region([block]), loc=loc, **props)  # type: ignore[return-value]


# ------------------------------------------------------------------------------ dialect

HW = Dialect("hw", [TargetOp, ConfigOp, PopulationOp, CrossbarOp, RoutingOp, TileOp],
             description="Hardware targets (tiles, crossbars, buffers, interconnect) and per-tile configuration.")
