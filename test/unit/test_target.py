"""Target descriptions (snnir.algorithms.target) and the `hw.target` op.

Every bundled profile loads, round-trips through JSON and through the op; hop distances on a
mesh against a brute-force BFS over the mesh graph; comm_time by hand; bad files give a
TargetError with the line and column of the problem; unknown names list the bundled ones.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from snnir.algorithms.target import (
    FIELDS,
    REQUIRED,
    Target,
    TargetError,
    bundled_targets,
    load_target,
    target_from_dict,
)
from snnir.dialects.hw import TargetOp

from snnir.builtin import ModuleOp
from snnir.diagnostics import DiagnosticError
from snnir.ir import Block, Region
from snnir.parser import parse_source
from snnir.printer import print_operation
from snnir.verifier import verify_operation

BUNDLED = ("paper4", "tutorial2x2", "truenorth", "loihi", "dynapse", "speck", "spinnaker", "memristive")


def minimal(**over) -> dict:
    d = {"name": "t", "tiles": 4, "rows": 128, "cols": 128, "input_buffer": 64, "output_buffer": 64,
         "hop_latency": 3, "bandwidth": 96, "exec_time": 16}
    d.update(over)
    return d


def write(tmp_path: Path, text: str, name: str = "t.json") -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def error_of(fn, *args) -> TargetError:
    with pytest.raises(TargetError) as info:
        fn(*args)
    return info.value


# ------------------------------------------------------------------------- bundled profiles


def test_bundled_names_and_descriptions():
    names = bundled_targets()
    assert sorted(names) == sorted(BUNDLED)
    for name, line in names.items():
        assert line and "\n" not in line, name


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_profile_loads_and_round_trips(name):
    t = load_target(name)
    assert t.name == name
    assert t.description and t.source
    # JSON: deterministic, sorted keys, and back to the same Target
    text = t.to_json()
    assert list(json.loads(text)) == sorted(FIELDS)
    assert text == t.to_json() == target_from_dict(json.loads(text)).to_json()
    assert target_from_dict(json.loads(text), "x") == t
    # the op: Target -> hw.target -> text -> parse -> verify -> Target
    op = TargetOp.from_target(t)
    module = ModuleOp.build(body=Region([Block(ops=[op])]))
    verify_operation(module)
    assert op.to_target() == t
    for generic in (False, True):
        reparsed = parse_source(print_operation(module, generic=generic))
        verify_operation(reparsed)
        (back,) = reparsed.regions[0].block.ops
        assert isinstance(back, TargetOp)
        assert back.to_target() == t


def test_bundled_key_figures():
    p = load_target("paper4")
    assert (p.tiles, p.mesh, p.rows, p.cols, p.exec_time) == (4, None, 128, 128, 16.0)
    tut = load_target("tutorial2x2")
    assert (tut.mesh, tut.bandwidth, tut.hop_latency, tut.tdma_wheel, tut.tdma_slice) == ((2, 2), 96.0, 3.0, 8.0, 4.0)
    assert tut.tdma_wait == 4.0 and p.tdma_wait == 0.0
    tn = load_target("truenorth")
    assert (tn.tiles, tn.mesh, tn.rows, tn.cols, tn.weight_bits, tn.fan_out) == (4096, (64, 64), 256, 256, 1, 1)
    lo = load_target("loihi")
    assert (lo.tiles, lo.rows, lo.cols, lo.weight_bits) == (128, 4096, 1024, 8)
    assert lo.synapses * lo.weight_bits == 2**20  # 1 Mbit of synapse memory
    assert lo.synapse_capacity == lo.synapses < lo.rows * lo.cols
    dy = load_target("dynapse")
    assert (dy.cols, dy.rows, dy.synapses, dy.fan_out) == (256, 64, 256 * 64, 4)
    sp = load_target("speck")
    assert (sp.tiles, sp.fan_out, sp.weight_bits) == (9, 2, 8)
    assert load_target("spinnaker").tiles == 16
    assert load_target("memristive").rows == 128
    # fixed-point neuron parameters: set only where the chip documents them (each description says so)
    bits = {name: (load_target(name).state_bits, load_target(name).decay_bits) for name in BUNDLED}
    assert bits == {"paper4": (None, None), "tutorial2x2": (None, None), "truenorth": (20, None), "loihi": (24, 12),
                    "dynapse": (None, None), "speck": (16, None), "spinnaker": (None, None), "memristive": (None, None)}
    for name in ("truenorth", "loihi", "speck", "dynapse", "spinnaker", "memristive"):
        assert "state_bits" in load_target(name).description, name
    for name in BUNDLED:  # every real chip says what is assumed
        if name not in ("paper4", "tutorial2x2"):
            assert "assumption" in load_target(name).description.lower(), name


def test_load_by_path(tmp_path, monkeypatch):
    path = write(tmp_path, json.dumps(minimal(mesh=[2, 2], description="mine")))
    t = load_target(path)
    assert t.mesh == (2, 2) and t.description == "mine" and t.synapses is None
    assert isinstance(t.hop_latency, float) and isinstance(t.tiles, int)
    assert load_target(Path(path)) == t
    # a bare name that is not bundled but names a file in the working directory
    write(tmp_path, json.dumps(minimal()), "mychip")
    monkeypatch.chdir(tmp_path)
    assert load_target("mychip").name == "t"
    # a bundled name wins over a file of the same name
    write(tmp_path, json.dumps(minimal()), "paper4")
    assert load_target("paper4").name == "paper4"


def test_unknown_bundled_name_lists_names():
    e = error_of(load_target, "loihi3")
    assert e.line is None and e.col is None and e.path is None
    assert "unknown target 'loihi3'" in str(e) and "did you mean 'loihi'" in str(e)
    for name in BUNDLED:
        assert name in str(e)
    e = error_of(load_target, "zzz")
    assert "did you mean" not in str(e) and "paper4" in str(e)


def test_missing_file(tmp_path):
    e = error_of(load_target, str(tmp_path / "nope.json"))
    assert e.path == str(tmp_path / "nope.json") and "cannot read target file" in e.message


# --------------------------------------------------------------------------- hops and time


@pytest.mark.parametrize("mesh", [(1, 1), (2, 2), (3, 5), (4, 1), (1, 6)])
def test_hops_on_a_mesh_against_bfs(mesh):
    t = Target(**{**minimal(tiles=mesh[0] * mesh[1]), "mesh": mesh, "synapses": None, "weight_bits": None,
                  "fan_out": None, "tdma_wheel": None, "tdma_slice": None})
    g = nx.grid_2d_graph(*mesh)
    dist = dict(nx.all_pairs_shortest_path_length(g))
    m = t.hop_matrix()
    assert m.shape == (t.tiles, t.tiles) and m.dtype == np.int64
    for a in range(t.tiles):
        for b in range(t.tiles):
            expected = dist[divmod(a, mesh[1])][divmod(b, mesh[1])]
            assert t.hops(a, b) == m[a, b] == expected


def test_hops_by_hand_and_on_a_bus():
    t = target_from_dict(minimal(tiles=6, mesh=[2, 3]))
    # 0 1 2
    # 3 4 5
    assert t.hops(0, 5) == 3 and t.hops(5, 0) == 3 and t.hops(1, 4) == 1 and t.hops(2, 2) == 0
    assert t.position(5) == (1, 2)
    bus = target_from_dict(minimal(tiles=3))
    assert [[bus.hops(a, b) for b in range(3)] for a in range(3)] == [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
    assert np.array_equal(bus.hop_matrix(), 1 - np.eye(3, dtype=np.int64))
    with pytest.raises(ValueError, match="tile 6 is not one of the 6 tiles"):
        t.hops(0, 6)
    with pytest.raises(ValueError):
        t.hops(-1, 0)


def test_comm_time():
    t = load_target("tutorial2x2")  # 2x2 mesh, hop latency 3, bandwidth 96
    assert t.comm_time(0, 0, 1000) == 0.0
    assert t.comm_time(0, 1, 1) == 3 + 1          # a neighbour, one token of one spike
    assert t.comm_time(0, 3, 1) == 2 * 3 + 1      # the diagonal: 2 hops
    assert t.comm_time(0, 1, 96) == 3 + 1
    assert t.comm_time(0, 1, 97) == 3 + 2         # ceil(97 / 96)
    assert t.comm_time(1, 2, 0) == 6
    bus = target_from_dict(minimal(hop_latency=2.5, bandwidth=0.5))
    assert bus.comm_time(0, 3, 3) == 2.5 + 6
    with pytest.raises(ValueError, match="token_size"):
        t.comm_time(0, 1, -1)


@given(rows=st.integers(1, 6), cols=st.integers(1, 6), data=st.data())
def test_hops_is_a_metric(rows, cols, data):
    t = target_from_dict(minimal(tiles=rows * cols, mesh=[rows, cols]))
    a, b, c = (data.draw(st.integers(0, t.tiles - 1)) for _ in range(3))
    assert t.hops(a, b) == t.hops(b, a) >= 0
    assert (t.hops(a, b) == 0) == (a == b)
    assert t.hops(a, c) <= t.hops(a, b) + t.hops(b, c)
    assert t.hops(a, b) <= rows + cols - 2


# ------------------------------------------------------------------------------ validation


@pytest.mark.parametrize("over, message", [
    ({"rows": -3}, "'rows' must be a positive integer, got -3"),
    ({"tiles": 4.0}, "'tiles' must be a positive integer, got 4.0"),
    ({"cols": True}, "'cols' must be a positive integer, got true"),
    ({"input_buffer": "64"}, "'input_buffer' must be a positive integer, got \"64\""),
    ({"synapses": 0}, "'synapses' must be a positive integer or null, got 0"),
    ({"fan_out": -1}, "'fan_out' must be a positive integer or null, got -1"),
    ({"weight_bits": 65}, "'weight_bits' must be an integer from 1 to 64 or null, got 65"),
    ({"state_bits": 1}, "'state_bits' must be an integer from 2 to 32 or null, got 1"),
    ({"state_bits": 33}, "'state_bits' must be an integer from 2 to 32 or null, got 33"),
    ({"state_bits": 16.0}, "'state_bits' must be an integer from 2 to 32 or null, got 16.0"),
    ({"state_bits": True}, "'state_bits' must be an integer from 2 to 32 or null, got true"),
    ({"decay_bits": 0}, "'decay_bits' must be an integer from 1 to 32 or null, got 0"),
    ({"decay_bits": 33}, "'decay_bits' must be an integer from 1 to 32 or null, got 33"),
    ({"decay_bits": "12"}, "'decay_bits' must be an integer from 1 to 32 or null, got \"12\""),
    ({"state_bit": 16}, "unknown key 'state_bit' (did you mean 'state_bits'?)"),
    ({"mesh": [4]}, "'mesh' must be null or [rows, cols] of two positive integers, got [4]"),
    ({"mesh": [2, 3]}, "'mesh' [2, 3] has 6 positions but 'tiles' is 4"),
    ({"hop_latency": -1}, "'hop_latency' must be a non-negative finite number, got -1"),
    ({"bandwidth": 0}, "'bandwidth' must be a positive finite number, got 0"),
    ({"exec_time": math.inf}, "'exec_time' must be a positive finite number, got Infinity"),
    ({"tdma_wheel": 8}, "'tdma_wheel' is given without 'tdma_slice'"),
    ({"tdma_slice": 4}, "'tdma_slice' is given without 'tdma_wheel'"),
    ({"tdma_wheel": 8, "tdma_slice": 9}, "'tdma_slice' 9 exceeds 'tdma_wheel' 8"),
    ({"tdma_wheel": 0, "tdma_slice": 0}, "'tdma_wheel' must be a positive finite number or null, got 0"),
    ({"name": ""}, "'name' must be a non-empty string, got \"\""),
    ({"synapses": 2**63}, "'synapses' must be at most 9223372036854775807 (a 64-bit integer), got 9223372036854775808"),
    ({"description": 3}, "'description' must be a string, got 3"),
    ({"row": 128}, "unknown key 'row' (did you mean 'rows'?)"),
    ({"colour": 1}, "unknown key 'colour' (did you mean 'cols'?)"),
    ({"zzz": 1}, "unknown key 'zzz'; the keys are: name, tiles"),
])
def test_target_from_dict_messages(over, message):
    e = error_of(target_from_dict, minimal(**over), "here")
    assert message in str(e)
    assert e.path == "here" and e.line is None and e.col is None


def test_missing_and_optional_keys():
    for key in REQUIRED:
        d = minimal()
        d.pop(key)
        assert f"missing required key '{key}'" in str(error_of(target_from_dict, d))
    e = error_of(target_from_dict, {"name": "x"})
    assert "missing required keys 'tiles', 'rows'" in str(e)
    t = target_from_dict(minimal())
    assert (t.mesh, t.synapses, t.weight_bits, t.fan_out, t.tdma_wheel, t.description) == (None,) * 5 + ("",)
    assert t.state_bits is None and t.decay_bits is None
    assert t.synapse_capacity == 128 * 128


def test_not_an_object():
    assert "must be a JSON object of its fields, got an array" in str(error_of(target_from_dict, [1]))


def test_target_constructor_validates_and_normalises():
    fields = {**minimal(), "mesh": [2, 2], "synapses": None, "weight_bits": None, "fan_out": None,
              "tdma_wheel": None, "tdma_slice": None}
    t = Target(**fields)
    assert t.mesh == (2, 2) and isinstance(t.exec_time, float) and hash(t) == hash(Target(**fields))
    with pytest.raises(TargetError, match="'rows' must be a positive integer, got 0"):
        Target(**{**fields, "rows": 0})
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.rows = 3  # type: ignore[misc]


# ------------------------------------------------------------------- bad files: line:col


def test_json_syntax_error_position(tmp_path):
    path = write(tmp_path, '{\n  "name": "t",\n  "tiles": 4,,\n}\n')
    e = error_of(load_target, path)
    assert (e.path, e.line, e.col) == (path, 3, 14)
    assert str(e).startswith(f"{path}:3:14: invalid JSON: ")


def test_empty_file(tmp_path):
    path = write(tmp_path, "")
    e = error_of(load_target, path)
    assert (e.line, e.col) == (1, 1) and "invalid JSON" in e.message


def test_wrong_type_position(tmp_path):
    d = minimal(cols="many")
    path = write(tmp_path, json.dumps(d, indent=2))
    e = error_of(load_target, path)
    # line 1 is "{", then one key per line in the dict's order
    assert (e.line, e.col) == (1 + list(d).index("cols") + 1, 3)
    assert str(e) == f"{path}:{e.line}:3: 'cols' must be a positive integer, got \"many\""


def test_negative_value_position(tmp_path):
    text = ('{"name": "neg", "tiles": 4, "rows": 128, "cols": 128,\n'
            '   "input_buffer": 64, "output_buffer": 64,\n'
            '   "hop_latency": 3, "bandwidth": 96,   "exec_time": -16}\n')
    e = error_of(load_target, write(tmp_path, text))
    assert (e.line, e.col) == (3, 41)
    assert e.message == "'exec_time' must be a positive finite number, got -16"


def test_unknown_key_position(tmp_path):
    d = minimal()
    text = json.dumps(d, indent=4)[:-2] + ',\n    "weight_bit": 8\n}'
    e = error_of(load_target, write(tmp_path, text))
    assert (e.line, e.col) == (len(d) + 2, 5)
    assert e.message == "unknown key 'weight_bit' (did you mean 'weight_bits'?)"


def test_missing_key_position(tmp_path):
    d = minimal()
    d.pop("bandwidth")
    e = error_of(load_target, write(tmp_path, "\n\n  " + json.dumps(d)))
    assert (e.line, e.col) == (3, 3)  # the object's opening brace
    assert e.message == "missing required key 'bandwidth'"


def test_key_inside_a_string_is_not_a_key(tmp_path):
    # '"rows": 1' inside the description must not be taken for the position of the rows key
    text = ('{"description": "say \\"rows\\": 1 and \\"rows\\" : 2", "name": "t",\n'
            ' "tiles": 4, "rows": -3, "cols": 128, "input_buffer": 64, "output_buffer": 64,\n'
            ' "hop_latency": 3, "bandwidth": 96, "exec_time": 16}')
    e = error_of(load_target, write(tmp_path, text))
    assert (e.line, e.col) == (2, 14)


def test_nested_key_is_not_a_key(tmp_path):
    # a (bad) nested object holding "tiles" does not move the top-level key's position
    text = '{"mesh": {"tiles": 1},\n "tiles": 4}'
    e = error_of(load_target, write(tmp_path, text))
    assert e.message.startswith("missing required keys") and (e.line, e.col) == (1, 1)
    text = json.dumps(minimal(mesh={"tiles": 4}))
    e = error_of(load_target, write(tmp_path, text))
    assert e.message.startswith("'mesh' must be null or [rows, cols]") and e.col == text.index('"mesh"') + 1


def test_duplicate_key_position(tmp_path):
    text = '{"name": "t", "tiles": 4,\n "tiles": 8}'
    e = error_of(load_target, write(tmp_path, text))
    assert (e.line, e.col, e.message) == (2, 2, "duplicate key 'tiles'")


def test_byte_order_mark_and_non_ascii(tmp_path):
    d = minimal(description="\u00e9t\u00e9", rows=0)
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(d, ensure_ascii=False).encode())
    e = error_of(load_target, str(path))
    text = json.dumps(d, ensure_ascii=False)
    assert (e.line, e.col) == (1, text.index('"rows"') + 1)  # columns count characters


def test_top_level_not_an_object(tmp_path):
    e = error_of(load_target, write(tmp_path, "  [1, 2]"))
    assert (e.line, e.col) == (1, 3) and "got an array" in e.message


# --------------------------------------------------------------------------------- the op


def test_op_verifier_shares_cross_field_checks():
    text = ('hw.target @t {tiles = 4, mesh = [2, 3], rows = 128, cols = 128, input_buffer = 64, '
            'output_buffer = 64, hop_latency = 3, bandwidth = 96, exec_time = 16}')
    module = parse_source(text, "x.snnir")
    with pytest.raises(DiagnosticError, match="'mesh' \\[2, 3\\] has 6 positions but 'tiles' is 4"):
        verify_operation(module)


def test_fixed_point_fields_in_a_file_and_the_op(tmp_path):
    t = load_target(write(tmp_path, json.dumps(minimal(state_bits=16, decay_bits=1))))
    assert (t.state_bits, t.decay_bits) == (16, 1)
    op = TargetOp.from_target(t)
    text = print_operation(op)
    assert "state_bits = 16, decay_bits = 1, input_buffer" in text
    (back,) = parse_source(text).regions[0].block.ops
    assert back.to_target() == t
    e = error_of(load_target, write(tmp_path, '{"name": "t", "tiles": 4, "rows": 128, "cols": 128,\n'
                                              ' "input_buffer": 64, "output_buffer": 64, "hop_latency": 3,\n'
                                              ' "bandwidth": 96, "exec_time": 16, "decay_bits": 40}'))
    assert (e.line, e.col, e.message) == (3, 36, "'decay_bits' must be an integer from 1 to 32 or null, got 40")
    with pytest.raises(TargetError, match="'state_bits' must be an integer from 2 to 32 or null, got 1"):
        Target(**{**minimal(), "mesh": None, "synapses": None, "weight_bits": None, "fan_out": None,
                  "tdma_wheel": None, "tdma_slice": None, "state_bits": 1})


def test_op_numbers_and_strings():
    t = target_from_dict(minimal(hop_latency=2.5, exec_time=16.0, description="d", mesh=[1, 4]))
    op = TargetOp.from_target(t)
    text = print_operation(op)
    assert "hop_latency = 2.5" in text and "exec_time = 16," in text and 'description = "d"' in text
    assert "source" not in text and "tdma" not in text and "mesh = [1, 4]" in text
    assert op.to_target() == t
