"""Pass registry, textual pipelines with options, and the pass manager."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest

from snnir.attributes import IntegerAttr, StringAttr, i32
from snnir.context import Context
from snnir.diagnostics import DiagnosticEngine, DiagnosticError
from snnir.location import FileLineColLoc
from snnir.parser import parse_source
from snnir.pass_manager import (
    Pass,
    PassContext,
    PassFailure,
    PassManager,
    PipelineError,
    format_statistics,
    format_timings,
    get_pass,
    load_all_passes,
    option,
    parse_pipeline,
    split_options,
)


@dataclass(frozen=True)
class UnitTestCounter(Pass):
    """Defined here, registered by being defined: no central list."""

    name = "unit-test-counter"
    description = "Count ops; optionally fail on an op name"
    statistics = {"seen": "operations visited"}

    limit: int = option(10, "maximum number of ops")
    ratio: float = option(0.5)
    tags: list[str] = option([], "tags")
    ids: list[int] = option([])
    verbose: bool = option(False)
    level: Literal["low", "high"] = option("low")
    label: str = option("x")
    maybe: int | None = option(None)

    def apply(self, module, ctx: PassContext) -> None:
        for op in module.walk():
            ctx.bump("seen")
            if ctx.stats["seen"] > self.limit:
                raise PassFailure(f"more than {self.limit} ops; '{op.name}' is one too many", op.loc)


def module(text: str = 'test.func @f {\n  test.flag\n}\n'):
    return parse_source(text, "<pm>", Context())


def run(passes, m=None, **kw):
    m = m if m is not None else module()
    engine = DiagnosticEngine(collect=True)
    pm = PassManager(passes, Context(), engine, **kw)
    pm.run(m)
    return pm, engine, m


# ------------------------------------------------------------------------ registry


def test_pass_defined_in_a_test_file_is_registered():
    assert get_pass("unit-test-counter") is UnitTestCounter
    assert "unit-test-counter" in load_all_passes()
    assert {"symbol-dce", "strip-debuginfo", "test-options"} <= set(load_all_passes())


def test_a_taken_pass_name_is_refused():
    with pytest.raises(TypeError, match="pass name 'unit-test-counter' is taken"):
        @dataclass(frozen=True)
        class Other(Pass):
            name = "unit-test-counter"


def test_options_introspection():
    opts = {o.name: o for o in UnitTestCounter.options()}
    assert opts["limit"].default == 10 and opts["limit"].help == "maximum number of ops"
    assert opts["tags"].type_name() == "list of string"
    assert opts["level"].type_name() == "one of low, high"
    assert opts["maybe"].type_name() == "integer"


# ------------------------------------------------------------------------ pipelines


def test_parse_pipeline_with_every_option_kind():
    (p,) = parse_pipeline("unit-test-counter{limit=0x10 ratio=2.5e-1 tags=a,b ids=1,2,3 verbose "
                          "level=high label='two words' maybe=none}")
    assert p == UnitTestCounter(limit=16, ratio=0.25, tags=["a", "b"], ids=[1, 2, 3], verbose=True,
                                level="high", label="two words", maybe=None)
    (p,) = parse_pipeline('unit-test-counter{label="a,b}c" verbose=off maybe=3}')
    assert p.label == "a,b}c" and p.verbose is False and p.maybe == 3


def test_parse_pipeline_several_passes_and_module_wrapper():
    ps = parse_pipeline("builtin.module(symbol-dce, unit-test-counter{limit=1},strip-debuginfo)")
    assert [p.name for p in ps] == ["symbol-dce", "unit-test-counter", "strip-debuginfo"]
    assert ps[1].limit == 1
    assert parse_pipeline("") == [] and parse_pipeline(" , ") == []


@pytest.mark.parametrize("text, message", [
    ("no-such-pass", "unknown pass 'no-such-pass'"),
    ("unit-test-countr", "did you mean 'unit-test-counter'?"),
    ("unit-test-counter{bogus=1}", "pass 'unit-test-counter' has no option 'bogus' (options: limit, ratio"),
    ("unit-test-counter{limit=ten}", "option 'limit' of pass 'unit-test-counter' expects integer, got 'ten'"),
    ("unit-test-counter{ratio=x}", "expects number, got 'x'"),
    ("unit-test-counter{verbose=maybe}", "expects boolean, got 'maybe'"),
    ("unit-test-counter{ids=1,x}", "expects integer, got 'x'"),
    ("unit-test-counter{level=mid}", "must be one of low, high, got 'mid'"),
    ("unit-test-counter{limit=1", "unclosed '{' in the options of pass 'unit-test-counter'"),
    ("unit-test-counter{label='x}", "unclosed"),
    ("unit-test-counter{limit=1 limit=2}", "option 'limit' of pass 'unit-test-counter' is given twice"),
    ("unit-test-counter{limit=1} x", "expected ',' after pass 'unit-test-counter'"),
    ("!", "expected a pass name at column 1"),
])
def test_pipeline_errors(text, message):
    with pytest.raises(PipelineError) as e:
        parse_pipeline(text)
    assert message in str(e.value)


@pytest.mark.parametrize("p", [
    UnitTestCounter(),
    UnitTestCounter(limit=3, verbose=True),
    UnitTestCounter(tags=["a", "b"], ids=[4, 5], level="high", ratio=0.125),
    UnitTestCounter(label="with space", maybe=7),
    UnitTestCounter(label="a,b"),
])
def test_pipeline_text_round_trips(p):
    text = p.pipeline_text()
    assert text.startswith("unit-test-counter")
    assert parse_pipeline(text) == [p]
    if p == UnitTestCounter():
        assert text == "unit-test-counter"


def test_split_options():
    assert split_options("a=1 b='x y' c=1,2 d", "p") == {"a": "1", "b": "x y", "c": "1,2", "d": "true"}


# ------------------------------------------------------------------------ running


def test_passes_run_in_order_with_statistics_and_timings():
    pm, engine, m = run(parse_pipeline("unit-test-counter,test-rename{suffix=_x},unit-test-counter"))
    assert [p.name for p, _ in pm.statistics] == ["unit-test-counter", "test-rename", "unit-test-counter"]
    assert pm.statistics[0][1] == {"seen": 3} and pm.statistics[1][1] == {"renamed": 1}
    assert m.ops[0].sym_name == "f_x"
    names = [n for n, _ in pm.timings]
    assert names.count("(verifier)") == 3 and names[0] == "unit-test-counter"
    report = format_statistics(pm.statistics)
    assert "(S)      3 seen - operations visited" in report and "test-rename{suffix=_x}" in report
    assert "Total Execution Time" in format_timings(pm.timings)


def test_remarks_go_to_the_diagnostic_engine():
    _, engine, _ = run(parse_pipeline("test-options{count=3 sizes=1,2 mode=exact}"))
    (d,) = engine.collected
    assert d.severity == "remark" and "count=3" in d.message and "sizes=[1, 2]" in d.message
    assert "mode=exact" in d.message


def test_pass_failure_becomes_a_diagnostic_at_the_op():
    m = module('test.func @f {\n  test.flag\n}\n')
    with pytest.raises(DiagnosticError) as e:
        run([UnitTestCounter(limit=2)], m)
    d = e.value.diagnostic
    assert d.message == "pass 'unit-test-counter' failed: more than 2 ops; 'test.flag' is one too many"
    assert d.loc.file_line_col() == FileLineColLoc("<pm>", 2, 3)


def test_verify_after_each_pass():
    m = module()
    with pytest.raises(DiagnosticError) as e:
        run(parse_pipeline("test-break-ir"), m)
    d = e.value.diagnostic
    assert "'test.func' op property 'sym_name'" in d.message
    assert d.notes and d.notes[-1].message == "the IR is invalid after pass 'test-break-ir'"
    # without verification the broken IR goes through
    pm, _, m2 = run(parse_pipeline("test-break-ir"), module(), verify_each=False)
    assert m2.ops[0].properties["sym_name"] == IntegerAttr(7)


def test_print_after_all(tmp_path):
    import io

    buf = io.StringIO()
    run(parse_pipeline("test-rename"), print_after_all=buf)
    assert "// -----// IR Dump After test-rename //----- //" in buf.getvalue()
    assert "test.func @f_1" in buf.getvalue()


def test_symbol_dce_and_strip_debuginfo():
    text = ('test.func @keep attributes {sym_visibility = "private"} {\n}\n'
            'test.func @drop attributes {sym_visibility = "private"} {\n}\n'
            'test.call @keep() : () -> ()\n')
    pm, _, m = run(parse_pipeline("symbol-dce,strip-debuginfo"), module(text))
    assert [o.sym_name for o in m.ops if o.name == "test.func"] == ["keep"]
    assert pm.statistics[0][1]["erased"] == 1 and pm.statistics[1][1]["stripped"] >= 2
    from snnir.location import UNKNOWN_LOC

    assert all(o.loc == UNKNOWN_LOC for o in m.walk())
