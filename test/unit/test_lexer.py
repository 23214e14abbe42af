"""The lexer's compound fast-path tokens must not change the language.

FN_SIG, OPERANDS, EMPTY_PARENS, PROPS_DICT and SIMPLE_DICT each stand for a run of
ordinary tokens. Every text is parsed twice: as written (compact, so the fast paths fire)
and with a `// c` comment and a newline between the ordinary tokens inside each compound
token, which no fast-path regex accepts. Both must give the same IR. Each test also checks
that the compact text really used the fast path and the split text never did, so the
equality compares the two code paths and not one path with itself.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from irgen import generic_ops_text
from snnir.context import Context
from snnir.diagnostics import DiagnosticError
from snnir.lexer import _TOKEN_PATTERNS, tokenize
from snnir.parser import parse_source
from snnir.printer import print_operation

COMPOUND = ("FN_SIG", "OPERANDS", "EMPTY_PARENS", "PROPS_DICT", "SIMPLE_DICT")
_STRING = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
# compound tokens anywhere outside string literals (the texts here have no comments)
_FIND = re.compile(f"(?P<STR>{_STRING})|" + "|".join(f"(?P<{n}>{p})" for n, p in _TOKEN_PATTERNS if n in COMPOUND)
                   + r"|(?P<OTHER>[\s\S])")
# the ordinary tokens a compound token is made of
_ORDINARY = re.compile(rf"\s*({_STRING}|->|%[\w$.\-]+(?:#[0-9]+)?|[-+]?[0-9]+(?:\.[0-9]*(?:[eE][-+]?[0-9]+)?)?"
                       r"|[A-Za-z_][\w$.]*|\S)")


def split_compound_tokens(text: str) -> str:
    """`text` with a comment and a newline between the ordinary tokens of every compound token."""
    out = []
    for m in _FIND.finditer(text):
        kind = m.lastgroup
        if kind in COMPOUND:
            out.append(" // c\n".join(s.group(1) for s in _ORDINARY.finditer(m.group())))
        else:
            out.append(m.group())
    return "".join(out)


def kinds(text: str) -> set[str]:
    return {t.type for t in tokenize(text, None)}


def parse_print(text: str, generic: bool = False) -> str:
    return print_operation(parse_source(text, "<lex>", Context(allow_unregistered=True)), generic=generic)


def outcome(text: str) -> tuple[str, str]:
    """The printed IR (custom and generic), or "error": both paths must agree on either.

    The messages may differ: a fast-path dictionary is checked when its op is complete, an
    ordinary one as soon as it is read, so another error in the same op may be reported first."""
    try:
        return parse_print(text), parse_print(text, generic=True)
    except DiagnosticError:
        return "error", ""


# --------------------------------------------------------------- random generic ops with simple parts

builtin_types = st.sampled_from(["i1", "i8", "i32", "i64", "si16", "ui8", "f16", "bf16", "f32", "f64", "index", "none"])
keys = st.one_of(st.from_regex(r"[A-Za-z_][A-Za-z0-9_$]{0,4}", fullmatch=True),
                 st.sampled_from(['"quoted key"', '""', '"a.b"', "true", "i32", "tensor", "loc_", "unit"]))
simple_values = st.one_of(
    st.integers(-(2**40), 2**40).map(str),
    st.tuples(st.integers(-100, 100), st.sampled_from(["i8", "i32", "i64", "si8", "ui8", "index", "f32", "f64",
                                                       "i1"])).map(lambda p: f"{p[0]} : {p[1]}"),
    st.sampled_from(["1.5", "-2.0e-3", "3.", "0.0 : f32", "1.25 : f16", "true", "false", "unit", '"s"', '""',
                     '"with space"', "[]", "[1, -2, 3]", "[ 7 ]", "1 : i1", "0 : i1"]),
)


@st.composite
def simple_dicts(draw) -> str:
    entries = draw(st.lists(st.tuples(keys, st.one_of(st.none(), simple_values)), min_size=1, max_size=4))
    body = ", ".join(k if v is None else f"{k} = {v}" for k, v in entries)
    return "{" + body + "}"


@st.composite
def simple_generic_texts(draw) -> str:
    """Generic ops whose operand lists, signatures and dictionaries all fit the fast paths."""
    lines, defined = [], []  # defined: (name, type)
    for i in range(draw(st.integers(1, 6))):
        operands = draw(st.lists(st.sampled_from(defined), max_size=3)) if defined else []
        results = draw(st.lists(builtin_types, max_size=2))
        names = [f"%v{i}_{j}" for j in range(len(results))]
        head = (", ".join(names) + " = ") if names else ""
        ops_text = "(" + ", ".join(n for n, _ in operands) + ")"
        props = f" <{draw(simple_dicts())}>" if draw(st.booleans()) else ""
        attrs = f" {draw(simple_dicts())}" if draw(st.booleans()) else ""
        ins = "(" + ", ".join(t for _, t in operands) + ")"
        outs = results[0] if len(results) == 1 and draw(st.booleans()) else "(" + ", ".join(results) + ")"
        lines.append(f'{head}"t.op{i}"{ops_text}{props}{attrs} : {ins} -> {outs}')
        defined.extend(zip(names, results))
    return "\n".join(lines) + "\n"


@given(simple_generic_texts())
def test_simple_generic_ops_parse_the_same_with_and_without_fast_paths(text):
    slow = split_compound_tokens(text)
    assert kinds(text) & {"FN_SIG", "OPERANDS", "EMPTY_PARENS"}, "the compact text must use the fast paths"
    assert not kinds(slow) & set(COMPOUND), "the split text must not use any fast path"
    assert outcome(text) == outcome(slow)


@given(generic_ops_text())
def test_random_generic_modules_parse_the_same_with_and_without_fast_paths(text):
    slow = split_compound_tokens(text)
    assert not kinds(slow) & set(COMPOUND)
    assert parse_print(slow, generic=True) == parse_print(text, generic=True) == text


@pytest.mark.parametrize("compact, slow", [
    ('"t.a"() {n = 3 : i32, s = "x", l = [1, 2], u} : () -> ()',
     '"t.a"() {n = 3 : i32, // c\n s = "x", l = [1, 2], u} : () -> ()'),
    ('"t.a"() <{n = 3 : i32}> : () -> ()', '"t.a"() < // c\n {n = 3 : i32}> : () -> ()'),
    ('%a = "t.a"() : () -> i32\n"t.b"(%a, %a) : (i32, i32) -> ()',
     '%a = "t.a"() : () -> i32\n"t.b"(%a, // c\n %a) : (i32, i32) -> ()'),
    ('"t.a"() : () -> ()', '"t.a"( // c\n) : ( // c\n) -> ( // c\n)'),
    ('%a = "t.a"() : () -> f32', '%a = "t.a"() : ( // c\n ) -> f32'),
    ('"t.a"() ({\n^bb0():\n}) : () -> ()', '"t.a"() ({\n^bb0( // c\n):\n}) : () -> ()'),
    ('"t.a"() {x = #foo.p<{a = 1}>} : () -> ()', '"t.a"() {x = #foo.p< // c\n{a = 1}>} : () -> ()'),
])
def test_hand_written_pairs(compact, slow):
    assert outcome(compact) == outcome(slow)
    assert outcome(compact)[0] != "error"


def test_non_builtin_signature_is_not_a_fast_path_token():
    text = '%a = "t.a"() : () -> !foo.t\n"t.b"(%a) : (!foo.t) -> tensor<2xi32>'
    assert "FN_SIG" not in kinds(text)
    assert parse_print(text, generic=True).count("!foo.t") == 2


def test_reserved_words_as_keys_behave_the_same_on_both_paths():
    # `true` and `i32` are not identifiers, so neither path reads them as a bare key; quoted they are fine
    for key in ("true", "i32", "dense", "none"):
        compact = f'"t.a"() {{{key} = 1}} : () -> ()'
        assert outcome(compact) == outcome(split_compound_tokens(compact))
        assert outcome(compact)[0] == "error"
        quoted = f'"t.a"() {{"{key}" = 1}} : () -> ()'
        assert f'"{key}" = 1' in outcome(quoted)[0]
    # a word that only starts like a keyword is an identifier
    assert "true_x = 1" in outcome('"t.a"() {true_x = 1} : () -> ()')[0]


def test_fast_path_dictionaries_are_not_shared_between_ops():
    m = parse_source('"t.a"() {k = 1} : () -> ()\n"t.a"() {k = 1} : () -> ()', ctx=Context(allow_unregistered=True))
    a, b = m.regions[0].blocks[0].ops
    assert a.attributes == b.attributes and a.attributes is not b.attributes
    a.attributes["new"] = a.attributes["k"]
    assert "new" not in b.attributes
