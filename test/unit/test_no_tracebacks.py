"""Bad input never crashes: parse_source raises only DiagnosticError, snn-opt exits 0 or 1 without a traceback.

Inputs are random text and mutations of valid IR (tokens deleted, duplicated or swapped,
truncation, random insertions), built from the round-trip generator and a hand-written file
that uses every op of the test dialect.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irgen import modules
from snnir.context import Context
from snnir.diagnostics import DiagnosticError
from snnir.parser import parse_source
from snnir.printer import print_operation
from snnir.tools.snn_opt import main as snn_opt_main

SEED = """\
builtin.module {
  test.func @f {
  ^bb0(%a: i32, %b: i32):
    %c = test.add %a, %b : i32
    %k = test.constant 5 : i32
    %s = test.scale 2.5 : f32
    %p = test.population #test.neuron<tau = 2.0e-2> : !test.pop<4x4>
    %q = test.population #test.neuron<tau = 2.0e-2, v_th = 2.0> : !test.pop<4>
    test.connect %p -> %q weight 0.5 delay 2 using @k
    %r:2 = test.call @g(%a, %c) : (i32, i32) -> (i32, f32)
    %t = test.select if %a : i32 [%a, %b], [%c] -> i32
    test.flag fast
    test.list [1, "a\\0A", [2.0 : f32], array<i8: 1, 2>, dense<[1.0, 0x7FC00000]> : tensor<2xf32>] {note = "x"}
    test.weights @w = dense_resource<blob> : tensor<2xf32>
    "test.multi_region"() ({
      "foo.bar"() {d = {x = unit, y = @a::@b}} : () -> ()
    }, {
    ^x(%z: f32):
      "foo.baz"(%z) <{p = 1 : i8}> : (f32) -> () loc("f.snnir":3:4)
    ^y:
    }) {tag = "hi"} : () -> ()
  }
  test.graph @g {
    %n1 = test.node @a(%n2) : i32
    %n2 = test.node @b(%n1) : i32
  }
}
{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F00000040"
    }
  }
#-}
"""

_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[%@^#!]?[\w$.\-]+|->|\{-#|#-\}|\S')


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


@st.composite
def mutated(draw, base: st.SearchStrategy[str]) -> str:
    text = draw(base)
    toks = tokens(text)
    for _ in range(draw(st.integers(1, 3))):
        if not toks:
            break
        i = draw(st.integers(0, len(toks) - 1))
        how = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "replace"]))
        if how == "delete":
            del toks[i]
        elif how == "duplicate":
            toks.insert(i, toks[i])
        elif how == "swap":
            j = draw(st.integers(0, len(toks) - 1))
            toks[i], toks[j] = toks[j], toks[i]
        else:
            new = draw(st.one_of(
                st.sampled_from(["{", "}", "(", ")", "<", ">", "[", "]", ":", ",", "=", "->", "%a", "%zz", "@f",
                                 "^bb9", "i32", "f16", "!test.pop", "#test.neuron", "dense", "array",
                                 "dense_resource", "loc", "0x7FC00000", "1e5", "-1", "99999999999999999999999",
                                 '"', '"x', "{-#", "#-}", "test.add", "\"foo.x\"", "attributes", "?", "*", "+",
                                 "tensor", "unit", "true", "0x4", "1.5"]),
                st.text(max_size=3)))
            if how == "insert":
                toks.insert(i, new)
            else:
                toks[i] = new
    text = " ".join(toks)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return text


generated = modules(max_depth=1).map(lambda m: print_operation(m, generic=False))
generated_generic = modules(max_depth=1).map(lambda m: print_operation(m, generic=True))
inputs = st.one_of(
    st.text(max_size=60),
    st.text(alphabet='%@^#!"{}()<>[]:,=-x0123456789abcdefi. \n', max_size=60),
    mutated(st.just(SEED)),
    mutated(generated),
    mutated(generated_generic),
)


def test_seed_is_valid():
    m = parse_source(SEED, ctx=Context(allow_unregistered=True))
    m.verify()


@given(inputs, st.booleans())
def test_parse_source_raises_only_diagnostics(text, allow_unregistered):
    try:
        m = parse_source(text, "<fuzz>", Context(allow_unregistered=allow_unregistered))
    except DiagnosticError as e:
        rendered = e.diagnostic.render()
        assert isinstance(rendered, str) and "error" in rendered
        return
    # valid input: verifying and printing must not crash either
    try:
        m.verify()
    except DiagnosticError:
        pass
    print_operation(m)
    print_operation(m, generic=True)


def run_snn_opt(text: str, *flags: str) -> tuple[int, str]:
    """snn-opt on `text` in a temporary file: (exit code, stderr)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "in.snnir")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = snn_opt_main([path, "--allow-unregistered-dialect", *flags])
    return code, err.getvalue()


@settings(max_examples=40)
@given(inputs, st.sampled_from([[], ["--print-op-generic"], ["--split-input-file"], ["--verify-diagnostics"],
                                ["--mlir-print-debuginfo"], ["-p", "symbol-dce,strip-debuginfo"]]))
def test_snn_opt_exits_cleanly(text, flags):
    code, err = run_snn_opt(text, *flags)
    assert code in (0, 1), err
    assert "Traceback" not in err
    assert "internal error" not in err
    if code == 1 and "--verify-diagnostics" not in flags:
        assert "error" in err


@pytest.mark.parametrize("text", [
    "", "\n", "//", '"', '"a', "%", "{-#", "#-}", "{-# dialect_resources: {} #-}",
    '"a.b"() : () -> ()\n{-# dialect_resources: { builtin: { r: "0x01" } } #-}',
    '"a.b"() {x = dense_resource<r> : tensor<2xf32>} : () -> ()\n'
    '{-# dialect_resources: { builtin: { r: "0x0400000000" } } #-}',
    '"a.b"() {x = dense_resource<r> : tensor<2xf32>} : () -> ()\n'
    '{-# dialect_resources: { builtin: { r: "0x04000000zz" } } #-}',
    '"a.b"() {x = 99999999999999999999999999} : () -> ()',
    '"a.b"() {x = [99999999999999999999999999]} : () -> ()',
    '"a.b"() {x = 1e400 : f32} : () -> ()', '"a.b"() {x = 1.0e400 : f16} : () -> ()',
    '"a.b"() {x = dense<[1, 2]> : tensor<3xi32>} : () -> ()',
    '"a.b"() {x = dense<"0x0102"> : tensor<3xi32>} : () -> ()',
    '"a.b"() {x = dense<"0xZZ"> : tensor<1xi8>} : () -> ()',
    '"a.b"() {x = dense<0x1FFFF> : tensor<2xf16>} : () -> ()',
    '"a.b"() {x = array<i8: 300>} : () -> ()', '"a.b"() {x = array<f32: 0xFFFFFFFFFF>} : () -> ()',
    '"a.b"() {x = array<!test.pop<3>: 1>} : () -> ()', '"a.b"() {x = array<i3: 1>} : () -> ()',
    '"a.b"() {x = dense<1> : tensor<?xi32>} : () -> ()',
    '"a.b"() {x = !test.pop<0xA>} : () -> ()', '"a.b"() {x = !test.pop<a = 3>} : () -> ()',
    '"a.b"() {x = #test.neuron<tau = -1.0>} : () -> ()', '"a.b"() {x = #test.pop<4>} : () -> ()',
    '"a.b"() {x = #test.neuron<1.0, tau = 1.0>} : () -> ()',
    '"a.b"() {x = #test.neuron<tau = 1.0, tau = 2.0>} : () -> ()',
    '%a = "a.b"() : () -> i32\n%a = "a.b"() : () -> i32',
    '"a.b"(%a) : (i32) -> ()', '%a:2 = "a.b"() : () -> i32',
    '%a = "a.b"() : () -> i32\n"a.c"(%a) : (f32) -> ()',
    'test.add', 'test.add %a', '%x = test.constant 5 : f32', 'test.func @f {\n^bb0(%a: i32, %a: i32):\n}',
    'test.connect', 'test.flag fast fast', 'test.flag attributes', 'test.multi_region',
    'test.weights @w = ', 'test.call @f(%a) : (i32) -> ()', 'test.list [1, 2', 'test.list [] {note = 3}',
    '"a.b"() ({\n^bb0(%x: i32):\n^bb0:\n}) : () -> ()',
    '"a.b"() : () -> () loc(foo)', '"a.b"() : () -> () loc("f":1:2)', '"a.b"() : () -> () loc("n"("m"))',
    "\x00", "\ufeff\"a.b\"() : () -> ()", "@" * 50, "(" * 500, "{" * 500, "[" * 500 + "]" * 500,
    '"a.b"() {x = ' + "[" * 400 + "]" * 400 + "} : () -> ()",
    '"a.b"() : () -> tensor<' * 300,
])
def test_known_bad_inputs(text):
    try:
        parse_source(text, "<bad>", Context(allow_unregistered=True))
    except DiagnosticError:
        pass
    code, err = run_snn_opt(text)
    assert code in (0, 1), err
    assert "Traceback" not in err and "internal error" not in err, err


def test_missing_file_and_bad_flags_are_usage_errors(tmp_path, capsys):
    assert snn_opt_main([str(tmp_path / "nope.snnir")]) == 1
    assert "cannot open input file" in capsys.readouterr().err
    f = tmp_path / "in.snnir"
    f.write_text('"a.b"() : () -> ()\n')
    assert snn_opt_main([str(f), "--no-such-pass"]) == 1
    assert "unknown option or pass" in capsys.readouterr().err
    assert snn_opt_main([str(f), "-p", "test-options{count=x}"]) == 1
    assert "expects integer" in capsys.readouterr().err
    f.write_bytes(b"\xff\xfe")
    assert snn_opt_main([str(f)]) == 1
    assert "not UTF-8" in capsys.readouterr().err
