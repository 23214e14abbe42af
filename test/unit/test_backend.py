"""The backend: `--emit-hw`, configuration files (`--to-config`, `--from-config`) and `snn-sim`.

End to end, every bundled example goes through the whole pipeline (simulate, partition, sdfg, bind,
schedule, emit-hw with float weights and parameters), out to configuration files, and `snn-sim --compare` must
report spike trains identical to the reference simulator's. Below that: configurations survive the
trip through files and through the IR unchanged (random networks, clusterings and bindings), files
are byte-for-byte deterministic, manifests are checked against the shipped JSON Schema, and the
tile buffers follow the documented rule.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snnir.algorithms import hwfiles
from snnir.algorithms.hwconfig import FIXED_NAMES, PARAMS, ConfigError, HwConfig, build_config
from snnir.algorithms.hwsim import Machine
from snnir.algorithms.simulate import MODELS
from snnir.algorithms.target import load_target
from snnir.builtin import ModuleOp
from snnir.context import Context
from snnir.dialects import hw
from snnir.ir import Block, Region
from snnir.parser import parse_source
from snnir.printer import print_operation
from snnir.tools.snn_opt import main as snn_opt
from snnir.tools.snn_sim import main as snn_sim
from snnir.tools.snn_translate import main as snn_translate
from test_hwsim import delay_clashes, random_cases

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SNN_EXAMPLES = sorted(p for p in EXAMPLES.glob("*.snnir") if "snn.network" in p.read_text()[:4000])
# Vogels-Abbott (4000 neurons, 2% random recurrent connectivity, ~100 distinct inputs per neuron)
# needs a crossbar per neuron or two at 128 x 128; it is compiled for Loihi-sized cores instead.
PIPELINE_OPTIONS = {"vogels_abbott": ["--partition=rows=4096 cols=1024", "--target=loihi"]}
STEPS = 100


def call(main, args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(args)
    return status, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------------------ end to end


def test_every_example_is_covered():
    assert {"mlp_mnist", "lenet5", "image_smoothing", "edge_detection", "heartbeat", "recurrent",
            "vogels_abbott"} <= {p.stem for p in SNN_EXAMPLES}


@pytest.mark.parametrize("path", SNN_EXAMPLES, ids=lambda p: p.stem)
def test_example_configuration_files_run_exactly(path, tmp_path):
    options = PIPELINE_OPTIONS.get(path.stem, ["--partition"])
    hw_ir = tmp_path / "hw.snnir"
    status, _, err = call(snn_opt, [str(path), "--simulate", *options, "--sdfg", "--bind", "--schedule",
                                    "--emit-hw=weight-bits=0 state-bits=0 decay-bits=0", "-o", str(hw_ir)])
    assert status == 0, err
    status, _, err = call(snn_translate, ["--to-config", str(hw_ir), "-o", str(tmp_path / "config")])
    assert status == 0, err
    manifest = json.loads((tmp_path / "config" / "manifest.json").read_text())
    assert manifest["weight_bits"] is manifest["state_bits"] is manifest["decay_bits"] is None
    assert manifest["crossbars"]
    # the network to compare with is the compiled one (fan-in decomposition may have added relays)
    status, out, err = call(snn_sim, [str(tmp_path / "config"), "--steps", str(STEPS), "--seed", "0",
                                      "--compare", str(hw_ir)])
    assert status == 0, out + err
    assert "spike trains: identical to the reference simulator" in out
    total = next(line.split() for line in out.splitlines() if line.startswith("total"))
    assert int(total[-3]) == int(total[-2]) > 0 and total[-1] == "0"   # spikes == reference, |diff| = 0


# ------------------------------------------------------------------------------ round trips


def bundle_of(config: HwConfig, name: str = "net_hw") -> hwfiles.Bundle:
    target = load_target("paper4")
    target = type(target)(**{**target.to_dict(), "mesh": None, "tiles": max(config.n_tiles, 1), "rows": 10**6,
                             "cols": 10**6, "synapses": None})
    return hwfiles.Bundle(name=name, config=config, target=target, tiles=hwfiles.default_tiles(config, target),
                          crossbar_names=tuple(f"c{k}" for k in range(len(config.crossbars))), pipeline="test")


def assert_same_config(a: HwConfig, b: HwConfig) -> None:
    assert a.weight_bits == b.weight_bits and a.order == b.order and len(a.crossbars) == len(b.crossbars)
    assert (a.state_bits, a.decay_bits) == (b.state_bits, b.decay_bits)
    for x, y in zip(a.crossbars, b.crossbars):
        assert (x.index, x.tile, x.bias_exponent) == (y.index, y.tile, y.bias_exponent)
        for field in ("row_source", "col_neuron", "weights", "present", "bias"):
            u, v = getattr(x, field), getattr(y, field)
            assert u.dtype == v.dtype or field in ("row_source", "col_neuron"), field
            np.testing.assert_array_equal(u, v, err_msg=field)
        np.testing.assert_array_equal(hwfiles.crossbar_delays(x), hwfiles.crossbar_delays(y))
        assert (x.scale is None) == (y.scale is None)
        if x.scale is not None:
            np.testing.assert_array_equal(x.scale, y.scale)
    for field in ("indptr", "crossbar", "row"):
        np.testing.assert_array_equal(getattr(a.routing, field), getattr(b.routing, field))
    s, t = a.neurons, b.neurons
    assert (s.dt, s.names, s.models) == (t.dt, t.names, t.models)
    for field in ("offsets", "population", "reset", "refractory", "rate"):
        np.testing.assert_array_equal(getattr(s, field), getattr(t, field), err_msg=field)
    for name in PARAMS:
        np.testing.assert_array_equal(s.params[name], t.params[name], err_msg=name)
    for p in range(len(s.names)):   # the fixed form of every population's parameters
        fs, ft = s.fixed_params(p), t.fixed_params(p)
        assert list(fs) == list(ft)
        for key in fs:
            np.testing.assert_array_equal(fs[key][0], ft[key][0], err_msg=key)
            assert fs[key][1] == ft[key][1], key
    for p, q in zip(s.spikes, t.spikes):
        assert (p is None) == (q is None)
        if p is not None:
            np.testing.assert_array_equal(np.asarray(p, np.float64).reshape(q.shape), q)
    for field in ("tile_of_neuron", "crossbar_of_neuron", "column_of_neuron"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


def through_ir(bundle: hwfiles.Bundle) -> hwfiles.Bundle:
    """The bundle as hw.target + hw.config, printed, parsed, verified and converted back."""
    module = ModuleOp.build(body=Region([Block(ops=[hw.TargetOp.from_target(bundle.target),
                                                    hw.ConfigOp.from_bundle(bundle)])]))
    module.verify()
    text = print_operation(module)
    again = parse_source(text, "config.snnir", Context())
    again.verify()
    assert print_operation(again) == text
    return next(op for op in again.regions[0].block.ops if isinstance(op, hw.ConfigOp)).to_bundle()


@settings(max_examples=25)
@given(random_cases())
def test_random_configurations_survive_files_and_the_ir(case):
    net, columns, tiles, seed = case
    if delay_clashes(net):
        return  # no configuration (test_hwsim checks the refusal)
    for bits, state_bits, decay_bits in ((None, None, None), (3, None, None), (None, 12, 10), (4, 3, None)):
        config = build_config(net, columns, tiles, 10**6, 10**6, bits, state_bits=state_bits, decay_bits=decay_bits)
        bundle = bundle_of(config)
        with tempfile.TemporaryDirectory() as tmp:
            hwfiles.write_bundle(tmp, bundle, {"snnir_version": "0", "input_sha256": "0" * 64})
            read, manifest = hwfiles.read_bundle(tmp)
        assert_same_config(config, read.config)
        assert read.tiles == bundle.tiles and read.crossbar_names == bundle.crossbar_names
        assert manifest["provenance"]["input_sha256"] == "0" * 64
        from_ir = through_ir(bundle)
        assert_same_config(config, from_ir.config)
        assert from_ir.tiles == bundle.tiles
        a = Machine(config).run(30, seed, record_spikes=True)
        b = Machine(read.config).run(30, seed, record_spikes=True)
        for name in a.spikes:
            np.testing.assert_array_equal(a.spikes[name], b.spikes[name])


def tiny_bundle(bits: int | None = None, state_bits: int | None = None, decay_bits: int | None = None,
                net_file: str = "Tools/snn-sim/Inputs/tiny.snnir") -> hwfiles.Bundle:
    path = Path(__file__).resolve().parents[1] / net_file
    from snnir.passes.simulate import network_from_ir, networks

    net, _ = network_from_ir(networks(parse_source(path.read_text(), str(path), Context()))[0])
    columns = [np.array([2, 3]), np.array([4]), np.array([5]), np.array([6])]
    return bundle_of(build_config(net, columns, [0, 1, 1, 0], 2, 2, bits, state_bits=state_bits,
                                  decay_bits=decay_bits), "tiny_hw")


FIXED_NET = "Translate/config/Inputs/fixed.snnir"   # lif and cuba_lif populations with biases


def fixed_bundle(bits: int | None = 2) -> hwfiles.Bundle:
    return tiny_bundle(bits, 16, 12, FIXED_NET)


def test_configuration_files_are_byte_for_byte_deterministic(tmp_path):
    bundle = tiny_bundle(4)
    prov = {"snnir_version": "0", "input_sha256": hwfiles.sha256_text("x")}
    hwfiles.write_bundle(str(tmp_path / "a"), bundle, prov)
    hwfiles.write_bundle(str(tmp_path / "b"), tiny_bundle(4), prov)
    names = sorted(os.listdir(tmp_path / "a"))
    assert names == ["manifest.json", "neurons.npz", "routing.npz", "tile0.npz", "tile1.npz"]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    import zipfile

    with zipfile.ZipFile(tmp_path / "a" / "tile0.npz") as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    with np.load(tmp_path / "a" / "tile0.npz") as f:   # what numpy.savez writes, numpy.load reads
        assert sorted(f.files) == sorted(f"{c}/{k}" for c in ("c0", "c3")
                                         for k in ("rows", "columns", "weights", "scale", "delays", "present", "bias"))
        assert f["c0/weights"].dtype == np.int32 and f["c0/scale"].dtype == np.float64


def test_fixed_point_files_are_deterministic_and_hold_int32_mantissas(tmp_path):
    prov = {"snnir_version": "0", "input_sha256": hwfiles.sha256_text("x")}
    hwfiles.write_bundle(str(tmp_path / "a"), fixed_bundle(), prov)
    hwfiles.write_bundle(str(tmp_path / "b"), fixed_bundle(), prov)
    for name in sorted(os.listdir(tmp_path / "a")):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    with np.load(tmp_path / "a" / "neurons.npz") as f:
        assert sorted(f.files) == ["decay", "decay_mem", "decay_syn", "r", "v_leak", "v_reset", "v_th", "w_in"]
        assert {str(f[k].dtype) for k in f.files} == {"int32"}
        assert f["decay"].tolist() == [0, 0, 205, 410, 819, 0, 0]          # dt/tau x 2^12, 0 off the lif population
    with np.load(tmp_path / "a" / "tile0.npz") as f:
        assert f["c0/bias"].dtype == np.int32 and f["c0/bias"].tolist() == [26214, 0]   # 0.1 x 2^18
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert (manifest["state_bits"], manifest["decay_bits"]) == (16, 12)
    assert manifest["populations"][1]["exponents"] == {"decay": -12, "r": -10, "v_leak": 0, "v_reset": 0, "v_th": -14}
    assert [x["bias_exponent"] for x in manifest["crossbars"]] == [-18, -16, 0, 0]
    hwfiles.validate_manifest(manifest)
    again, _ = hwfiles.read_bundle(str(tmp_path / "a"))
    assert_same_config(fixed_bundle().config, again.config)


def test_a_manifest_without_the_new_fields_still_reads(tmp_path):
    """Files written before fixed-point parameters existed have no state_bits, decay_bits, exponents or
    bias_exponent: they read as float."""
    hwfiles.write_bundle(str(tmp_path), tiny_bundle(), {"snnir_version": "0", "input_sha256": "0" * 64})
    path = tmp_path / "manifest.json"
    m = json.loads(path.read_text())
    for key in ("state_bits", "decay_bits"):
        del m[key]
    for p in m["populations"]:
        del p["exponents"]
    for x in m["crossbars"]:
        del x["bias_exponent"]
    path.write_text(json.dumps(m))
    read, _ = hwfiles.read_bundle(str(tmp_path))
    assert_same_config(tiny_bundle().config, read.config)


def test_a_configuration_that_holds_one_value_per_population_is_refused_for_mixed_resets():
    bundle = tiny_bundle()
    reset = bundle.config.neurons.reset.copy()
    reset[2] = 1
    import dataclasses

    neurons = dataclasses.replace(bundle.config.neurons, reset=reset)
    with pytest.raises(ConfigError, match="population 'a' mixes resets or refractory periods"):
        hw.ConfigOp.from_bundle(dataclasses.replace(bundle, config=dataclasses.replace(bundle.config,
                                                                                        neurons=neurons)))


# ------------------------------------------------------------------------------ the schema


def good_manifest() -> dict:
    return hwfiles.manifest_of(tiny_bundle(2), {"snnir_version": "0.1.0", "input_sha256": "a" * 64,
                                               "pipeline": "emit-hw"})


def test_the_schema_knows_every_model_and_parameter():
    schema = hwfiles.schema()
    pops = schema["properties"]["populations"]["items"]["properties"]
    assert pops["model"]["enum"] == list(MODELS)
    stored = list(dict.fromkeys(PARAMS + FIXED_NAMES))   # the parameters and the decay coefficients' names
    assert schema["properties"]["neuron_table"]["properties"]["params"]["items"]["enum"] == stored
    assert set(pops["exponents"]["propertyNames"]["enum"]) == set(FIXED_NAMES)
    from snnir.algorithms.hwconfig import EXPONENT_LIMIT

    bias_exponent = schema["properties"]["crossbars"]["items"]["properties"]["bias_exponent"]
    for limits in (pops["exponents"]["additionalProperties"], bias_exponent):
        assert (limits["minimum"], limits["maximum"]) == (-EXPONENT_LIMIT, EXPONENT_LIMIT)
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema)


def test_a_written_manifest_is_valid():
    hwfiles.validate_manifest(good_manifest())
    hwfiles.validate_manifest(fixed_manifest())


def fixed_manifest() -> dict:
    return hwfiles.manifest_of(fixed_bundle(), {"snnir_version": "0.1.0", "input_sha256": "a" * 64})


@pytest.mark.parametrize("change, field, message", [
    (lambda m: m.update(state_bits=1), "state_bits", "1 is less than the minimum of 2"),
    (lambda m: m.update(decay_bits=33), "decay_bits", "33 is greater than the maximum of 32"),
    (lambda m: m.update(decay_bits="12"), "decay_bits", "'12' is not of type 'integer', 'null'"),
    (lambda m: m["populations"][1]["exponents"].update(v_th=5000), "populations[1].exponents.v_th",
     "5000 is greater than the maximum of 1200"),
    (lambda m: m["populations"][1]["exponents"].update(tau=-3), "populations[1].exponents", "'tau' is not one of"),
    (lambda m: m["populations"][1].update(exponents=[]), "populations[1].exponents", "[] is not of type 'object'"),
    (lambda m: m["crossbars"][0].update(bias_exponent="-3"), "crossbars[0].bias_exponent", "is not of type"),
    (lambda m: m["target"].update(state_bits=40), "target.state_bits", "40 is greater than the maximum of 32"),
    (lambda m: m["target"].update(decay_bits=0), "target.decay_bits", "0 is less than the minimum of 1"),
    (lambda m: m["neuron_table"].update(params=["decay", "tau_decay"]), "neuron_table.params[1]", "is not one of"),
])
def test_invalid_fixed_point_manifests_name_the_field(change, field, message):
    m = fixed_manifest()
    change(m)
    with pytest.raises(hwfiles.FormatError) as err:
        hwfiles.validate_manifest(m)
    assert err.value.file == "manifest.json" and err.value.field == field
    assert message in err.value.message


@pytest.mark.parametrize("change, field, message", [
    (lambda m: m.pop("tiles"), None, "'tiles' is a required property"),
    (lambda m: m.update(format="nope"), "format", "'snnir-hw-config' was expected"),
    (lambda m: m.update(version="1"), "version", "1 was expected"),
    (lambda m: m.update(weight_bits=33), "weight_bits", "33 is greater than the maximum of 32"),
    (lambda m: m.update(extra=1), None, "Additional properties are not allowed ('extra' was unexpected)"),
    (lambda m: m["populations"][1].update(model="hh"), "populations[1].model", "'hh' is not one of"),
    (lambda m: m["populations"][0].update(rate=-1.0), "populations[0].rate", "-1.0 is less than the minimum of 0"),
    (lambda m: m["crossbars"][2].update(name="a/b"), "crossbars[2].name", "does not match"),
    (lambda m: m["crossbars"][0].update(file="../x.npz"), "crossbars[0].file", "does not match"),
    (lambda m: m["tiles"][0].update(order=[]), "tiles[0].order", "should be non-empty"),
    (lambda m: m["tiles"][1].update(input_buffer=0), "tiles[1].input_buffer", "0 is less than the minimum of 1"),
    (lambda m: m["routing"].update(file="r.npz"), "routing.file", "'routing.npz' was expected"),
    (lambda m: m["provenance"].update(input_sha256="xyz"), "provenance.input_sha256", "does not match"),
    (lambda m: m["target"].update(tiles=0), "target.tiles", "0 is less than the minimum of 1"),
])
def test_invalid_manifests_name_the_field(change, field, message):
    m = good_manifest()
    change(m)
    with pytest.raises(hwfiles.FormatError) as err:
        hwfiles.validate_manifest(m)
    assert err.value.file == "manifest.json" and err.value.field == field
    assert message in err.value.message


# ------------------------------------------------------------------------------ buffers


def test_tile_buffers_sum_the_capacities_of_channels_crossing_into_and_out_of_each_tile():
    # actors a0 a1 on tile 0, a2 on tile 1, a3 on tile 2; channels (src, dst, token size, capacity, src capacity)
    tile = np.array([0, 0, 1, 2])
    ch = np.array([[0, 2, 3, 2, 1],     # 0 -> 1: 2 tokens x 3 spikes into tile 1; 1 x 3 out of tile 0
                   [1, 2, 1, 5, -1],    # 0 -> 1: 5 more into tile 1; an unbounded output buffer on tile 0
                   [0, 1, 1, 9, 9],     # inside tile 0: does not count
                   [2, 0, 1, -1, 4]])   # 1 -> 0: unbounded: tile 0 keeps the target's input buffer
    inp, out, need_in, need_out = hwfiles.tile_buffers(tile, ch[:, 0], ch[:, 1], ch[:, 2], ch[:, 3], ch[:, 4], 3,
                                                       100, 200)
    assert inp.tolist() == [100, 11, 100]      # tile 2 receives nothing: the target's
    assert out.tolist() == [200, 4, 200]
    assert need_in.tolist() == [0, 11, 0] and need_out.tolist() == [0, 4, 0]


# ------------------------------------------------------------------------------ no tracebacks

def _ops(name: str) -> tuple[str, list]:
    """An ops file of test/Passes/emit-hw and the integers of its IR (not of its comments or resources)."""
    text = (Path(__file__).resolve().parents[1] / "Passes" / "emit-hw" / name).read_text()
    end = text.index("{-#")
    ints = [m for m in __import__("re").finditer(r"(?<![\w.])-?\d+(?![\w.])", text[:end])
            if not text[:m.start()].rstrip().endswith("//") and "//" not in text[text.rfind("\n", 0, m.start()):m.start()]]
    return text, ints


OPS_FILES = {name: _ops(name) for name in ("ops.snnir", "ops-fixed.snnir")}   # float, fixed-point parameters


@settings(max_examples=40)
@given(st.sampled_from(sorted(OPS_FILES)), st.lists(st.tuples(st.integers(0, 10**6), st.integers(-2, 13)),
                                                   min_size=1, max_size=3))
def test_mutated_configurations_are_refused_or_run_never_a_traceback(name, changes):
    text, ints = OPS_FILES[name]
    for i, value in sorted({(i % len(ints), v) for i, v in dict(changes).items()}, reverse=True):
        m = ints[i]
        text = text[:m.start()] + str(value) + text[m.end():]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "config.snnir")
        with open(path, "w") as f:
            f.write(text)
        status, _, err = call(snn_sim, [path, "--steps", "4"])
        assert status in (0, 1) and "internal error" not in err and "Traceback" not in err, err
        if status == 0:   # valid: the files round-trip too
            status, _, err = call(snn_translate, ["--to-config", path, "-o", os.path.join(tmp, "cfg")])
            assert status == 0, err
            status, _, err = call(snn_sim, [os.path.join(tmp, "cfg"), "--steps", "4"])
            assert status == 0, err


def _int_fields(x, path=()):
    """Paths of every integer (not bool) in a JSON value."""
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _int_fields(v, path + (k,))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from _int_fields(v, path + (i,))
    elif isinstance(x, int) and not isinstance(x, bool):
        yield path


_ARRAYS = [("tile0.npz", "c0/rows"), ("tile0.npz", "c0/columns"), ("tile0.npz", "c3/delays"),
           ("tile1.npz", "c2/weights"), ("tile1.npz", "c1/present"), ("routing.npz", "indptr"),
           ("routing.npz", "crossbar"), ("routing.npz", "row"), ("neurons.npz", "v_th")]
# per kind of configuration (float parameters, fixed point): the bundle, its manifest's integers, arrays to change
_FILE_CASES = {
    False: (tiny_bundle(2), list(_int_fields(good_manifest())), _ARRAYS),
    True: (fixed_bundle(), list(_int_fields(fixed_manifest())),
           _ARRAYS + [("neurons.npz", "decay"), ("neurons.npz", "decay_syn"), ("tile0.npz", "c0/bias")]),
}


@settings(max_examples=40)
@given(st.booleans(), st.lists(st.tuples(st.integers(0, 10**6), st.integers(-2, 12)), max_size=3),
       st.sampled_from([None, "tile0.npz", "tile1.npz", "routing.npz", "neurons.npz"]), st.integers(0, 2**16),
       st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 7), st.integers(-3, 12)), max_size=3))
def test_mutated_configuration_files_are_refused_or_read_never_a_traceback(fixed, changes, damaged, cut, values):
    bundle, manifest_ints, arrays_to_change = _FILE_CASES[fixed]
    with tempfile.TemporaryDirectory() as tmp:
        hwfiles.write_bundle(tmp, bundle, {"snnir_version": "0", "input_sha256": "0" * 64})
        path = os.path.join(tmp, "manifest.json")
        m = json.loads(Path(path).read_text())
        for i, value in changes:
            *head, last = manifest_ints[i % len(manifest_ints)]
            node = m
            for key in head:
                node = node[key]
            node[last] = value
        Path(path).write_text(json.dumps(m))
        for k, at, value in values:   # change an element of an array
            file, key = arrays_to_change[k % len(arrays_to_change)]
            arrays = dict(np.load(os.path.join(tmp, file)))
            flat = arrays[key].reshape(-1)
            if flat.size:
                flat[at % flat.size] = value
            hwfiles.write_npz(os.path.join(tmp, file), arrays)
        if damaged is not None:   # truncate one archive
            data = Path(tmp, damaged).read_bytes()
            Path(tmp, damaged).write_bytes(data[:cut % max(len(data), 1)])
        status, _, err = call(snn_translate, ["--from-config", tmp])
        assert status in (0, 1) and "internal error" not in err and "Traceback" not in err, err
        status, _, err = call(snn_sim, [tmp, "--steps", "3"])
        assert status in (0, 1) and "internal error" not in err and "Traceback" not in err, err
