"""`--verify-diagnostics`: reading expected-* comments and matching diagnostics against them."""

from __future__ import annotations

from snnir.diagnostics import Diagnostic
from snnir.location import FileLineColLoc, SourceFile, SourcePos
from snnir.verify_diagnostics import collect_expectations, verify

TEXT = """\
op a  // expected-error {{same line}}
// expected-warning@+1 {{next line}}
op b
op c
// expected-note@-1 {{one up}}
// expected-remark@above {{skips expectation lines}}
// expected-error@below {{first line below}}
// expected-error@+2 {{two down}}

op d
"""


def src(text=TEXT, name="t.snnir", offset=0):
    return SourceFile(name, text, offset)


def diag(severity, message, line, col=1, name="t.snnir"):
    return Diagnostic(severity, message, FileLineColLoc(name, line, col))


def test_collect_expectations_targets():
    exps, problems = collect_expectations(src())
    assert problems == []
    got = [(e.severity, e.message, e.line, e.comment_line) for e in exps]
    assert got == [
        ("error", "same line", 1, 1),
        ("warning", "next line", 3, 2),
        ("note", "one up", 4, 5),
        ("remark", "skips expectation lines", 4, 6),
        ("error", "first line below", 9, 7),
        ("error", "two down", 10, 8),
    ]


def test_line_offset_of_split_chunks():
    exps, _ = collect_expectations(src("op\n// expected-error@-1 {{x}}\n", offset=10))
    assert (exps[0].line, exps[0].comment_line) == (11, 12)


def test_several_expectations_on_one_line():
    exps, _ = collect_expectations(src("op // expected-error {{a}} expected-note {{b}}\n"))
    assert [(e.severity, e.message) for e in exps] == [("error", "a"), ("note", "b")]


def test_malformed_and_out_of_range_comments():
    _, problems = collect_expectations(src("op\n  // expected-error missing braces\n"))
    assert problems == ["t.snnir:2:6: error: malformed expected-* comment; write `expected-error {{message}}` "
                        "(optionally @+N, @-N, @above or @below)"]
    _, problems = collect_expectations(src("// expected-error@-3 {{x}}\n"))
    assert problems == ["t.snnir:1:4: error: expected-error points at a line outside the buffer"]
    _, problems = collect_expectations(src("// expected-error@below {{x}}"))
    assert "outside the buffer" in problems[0]


def test_verify_all_matched():
    diags = [diag("error", "it has the same line in it", 1), diag("warning", "next line!", 3),
             diag("note", "one up", 4), diag("remark", "skips expectation lines", 4),
             diag("error", "first line below", 9), diag("error", "two down", 10)]
    assert verify(diags, src()) == []


def test_verify_reports_unexpected_and_unmet():
    s = src("op  // expected-error {{wanted}}\nop\n")
    errors = verify([diag("error", "something else", 1, 5), diag("warning", "wanted", 1)], s)
    assert errors == [
        "t.snnir:1:5: error: unexpected error: something else",
        "t.snnir:1:1: error: unexpected warning: wanted",
        't.snnir:1:8: error: expected error "wanted" was not produced',
    ]


def test_verify_each_expectation_matches_once_and_other_files_do_not_match():
    s = src("op  // expected-error {{x}}\n")
    errors = verify([diag("error", "x", 1), diag("error", "x", 1)], s)
    assert errors == ["t.snnir:1:1: error: unexpected error: x"]
    errors = verify([diag("error", "x", 1, name="other.snnir")], s)
    assert errors[0] == "other.snnir:1:1: error: unexpected error: x"


def test_verify_with_source_positions_and_unknown_locations():
    s = src("op\n  op  // expected-error {{here}}\n")
    assert verify([Diagnostic("error", "here", SourcePos(s, 5))], s) == []
    errors = verify([Diagnostic("error", "nowhere")], s)
    assert errors[0] == "t.snnir: error: unexpected error: nowhere"


def test_snn_opt_verify_diagnostics(tmp_path, capsys):
    from snnir.tools.snn_opt import main

    f = tmp_path / "v.snnir"
    f.write_text("// expected-error@+1 {{custom op 'test.add'}}\ntest.add\n// -----\n"
                 "%x = test.constant 1 : i32 // expected-error {{does not match}}\n")
    # the second chunk is valid: its expectation is unmet
    assert main([str(f), "--verify-diagnostics", "--split-input-file"]) == 1
    err = capsys.readouterr().err
    assert 'expected error "does not match" was not produced' in err and "test.add" not in err
    f.write_text("// expected-error@+1 {{custom op 'test.add'}}\ntest.add\n")
    assert main([str(f), "--verify-diagnostics"]) == 0
