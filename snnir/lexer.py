"""The lexer: one compiled regular expression over the whole buffer, feeding Lark's LALR parser.

Lark's own lexer builds a `Token` (a `str` subclass with eight fields) per match; this
one makes a three-slot token (punctuation reuses one token per kind) and skips whitespace
and comments inside the same match. Line and column are computed only for diagnostics.

Fast paths cover the runs that dominate generic-form files: an operand list `(%a, %b#1)`
is one OPERANDS token; a signature `: (i32, f32) -> i64` made only of builtin types is one
FN_SIG token whose value is the FunctionType itself (cached per text); an attribute
dictionary of plain literals `{n = 3 : i32, s = "x", l = [1, 2]}` is one SIMPLE_DICT token
(PROPS_DICT with its `<...>`), converted once per distinct text since attributes are
immutable. Anything else falls back to ordinary tokens, so the language is unchanged.
"""

from __future__ import annotations

import re
from typing import Iterator

from lark.lexer import Lexer

from snnir.diagnostics import error
from snnir.location import SourceFile, SourcePos

_ID = r"(?:[0-9]+|[A-Za-z_$.\-][\w$.\-]*)"
_STR = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
_SYM = r'@(?:[A-Za-z_$.\-][\w$.\-]*|' + _STR + r')'

# Order matters: the first alternative that matches wins.
_BT = r"(?:[su]?i[1-9][0-9]*|f16|bf16|f32|f64|index|none)\b"
_BT_LIST = rf"\(\s*(?:{_BT}(?:\s*,\s*{_BT})*)?\s*\)"
_VALUE = rf"%{_ID}(?:#[0-9]+)?"

# A bare key is never a keyword or builtin type name: the ordinary tokens would not read `{true = 1}` either.
_RESERVED = r"(?:true|false|unit|dense|dense_resource|array|tensor|loc|[su]?i[1-9][0-9]*|f16|bf16|f32|f64|index|none)"
_KEY = rf'(?:(?!{_RESERVED}(?![\w$]))[A-Za-z_][A-Za-z0-9_$]*|"[^"\\\n]*")'
_SIMPLE_VALUE = (rf'(?:[-+]?[0-9]+(?:\.[0-9]*(?:[eE][-+]?[0-9]+)?)?(?:\s*:\s*{_BT})?|"[^"\\\n]*"|true|false|unit'
                 r'|\[\s*(?:[-+]?[0-9]+(?:\s*,\s*[-+]?[0-9]+)*)?\s*\])')
_SIMPLE_ENTRY = rf"{_KEY}(?:\s*=\s*{_SIMPLE_VALUE})?"
SIMPLE_DICT_BODY = rf"\{{\s*{_SIMPLE_ENTRY}(?:\s*,\s*{_SIMPLE_ENTRY})*\s*\}}"
SIMPLE_ENTRY_RE = re.compile(rf"({_KEY})(?:\s*=\s*({_SIMPLE_VALUE}))?")

_TOKEN_PATTERNS: list[tuple[str, str]] = [
    # Fast paths for the two most common runs of generic-form tokens (see module docstring).
    ("FN_SIG", rf":\s*{_BT_LIST}\s*->\s*(?:{_BT}|{_BT_LIST})"),
    ("OPERANDS", rf"\(\s*{_VALUE}(?:\s*,\s*{_VALUE})*\s*\)"),
    ("EMPTY_PARENS", r"\(\s*\)"),
    ("PROPS_DICT", rf"<\s*{SIMPLE_DICT_BODY}\s*>"),
    ("SIMPLE_DICT", SIMPLE_DICT_BODY),
    ("RESULTS", rf"%{_ID}(?::[0-9]+)?(?:\s*,\s*%{_ID}(?::[0-9]+)?)*\s*=(?!=)"),
    ("VALUE_ID", rf"%{_ID}(?:#[0-9]+)?"),
    ("CARET_ID", r"\^[\w$.\-]+"),
    ("AT_ID", rf"{_SYM}(?:::{_SYM})*"),
    ("_RES_BEGIN", r"\{-#"),
    ("_RES_END", r"#-\}"),
    ("HASH_ID", r"#[A-Za-z_][\w$.\-]*"),
    ("BANG_ID", r"![A-Za-z_][\w$.\-]*"),
    ("QUOTE", r'"'),  # strings are scanned by hand: see _string_end
    ("HEX", r"0x[0-9A-F]+\b"),
    ("DIMS", r"(?:(?:[0-9]+|\?)x)+(?=[A-Za-z!])"),
    ("UNRANKED", r"\*x"),
    ("SHAPE", r"[0-9]+(?:x[0-9]+)+"),
    ("FLOAT", r"[-+]?[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?"),
    ("INT", r"[-+]?[0-9]+"),
    ("BARE", r"[A-Za-z_][\w$.]*"),
    ("_ARROW", r"->"),
    ("_LPAR", r"\("),
    ("_RPAR", r"\)"),
    ("_LSQB", r"\["),
    ("_RSQB", r"\]"),
    ("_LBRACE", r"\{"),
    ("_RBRACE", r"\}"),
    ("_LESS", r"<"),
    ("_MORE", r">"),
    ("_COMMA", r","),
    ("_COLON", r":"),
    ("_EQUAL", r"="),
    ("_STAR", r"\*"),
    ("_QMARK", r"\?"),
    ("_PLUS", r"\+"),
]

# Possessive (*+): never backtrack into a comment to find a token inside it, which would read
# a trailing `// CHECK: }` (no token after it) as `}`.
_SKIP = r"(?:\s+|//[^\n]*)*+"
_MASTER = re.compile(_SKIP + "(?:" + "|".join(f"(?P<{n}>{p})" for n, p in _TOKEN_PATTERNS) + ")")
_TRAILING = re.compile(_SKIP + r"\Z")

KEYWORDS: dict[str, str] = {
    "true": "_KW_TRUE",
    "false": "_KW_FALSE",
    "unit": "_KW_UNIT",
    "dense": "KW_DENSE",
    "dense_resource": "KW_DENSE_RESOURCE",
    "array": "KW_ARRAY",
    "tensor": "_KW_TENSOR",
    "loc": "_KW_LOC",
}
_BUILTIN_TYPE = re.compile(r"(?:[su]?i[1-9][0-9]*|f16|bf16|f32|f64|index|none)\Z")



def is_reserved_word(word: str) -> bool:
    """Words the lexer does not return as plain identifiers (keywords and builtin type names)."""
    return word in KEYWORDS or _BUILTIN_TYPE.match(word) is not None


def classify_bare(word: str) -> str:
    kw = KEYWORDS.get(word)
    if kw is not None:
        return kw
    if "." in word:
        return "OP_NAME"
    if _BUILTIN_TYPE.match(word):
        return "BUILTIN_TYPE"
    return "BARE_ID"


class Tok:
    """A token: terminal name, text and offset. Lark reads `type`; the rest is for callbacks."""

    __slots__ = ("type", "value", "start_pos")
    line = column = end_line = end_column = end_pos = None

    def __init__(self, type: str, value: str, start_pos: int) -> None:
        self.type = type
        self.value = value
        self.start_pos = start_pos

    def __repr__(self) -> str:
        return f"Tok({self.type}, {self.value!r})"


class SnnirLexer(Lexer):
    """Lark custom lexer; the buffer being lexed is `self.source` (set by the parser)."""

    source: SourceFile | None = None

    def __init__(self, lexer_conf: object) -> None:
        pass

    def lex(self, data: str) -> Iterator[Tok]:  # type: ignore[override]
        return tokenize(data, SnnirLexer.source)


_PUNCT_TOKENS = {name: Tok(name, "", 0) for name, _ in _TOKEN_PATTERNS if name.startswith("_")}
_signature_cache: dict[str, object] = {}
_BT_WORD = re.compile(_BT)


def _signature(text: str) -> object:
    """The FunctionType of an FN_SIG token's text (builtin types only)."""
    fn = _signature_cache.get(text)
    if fn is None:
        from snnir.attributes import FunctionType, builtin_type_from_keyword

        inputs_text, _, outputs_text = text[1:].partition("->")
        ins = [builtin_type_from_keyword(w) for w in _BT_WORD.findall(inputs_text)]
        outs = [builtin_type_from_keyword(w) for w in _BT_WORD.findall(outputs_text)]
        fn = _signature_cache[text] = FunctionType(ins, outs)  # type: ignore[arg-type]
    return fn


class LexState:
    """Where the lexer is: the start of the last token, for errors on shared punctuation tokens."""

    last_start = 0


def _string_end(text: str, start: int, source: SourceFile | None) -> int:
    """Offset just past the string literal opening at `start`.

    str.find runs at memory speed, so a 200 MB hex blob costs milliseconds, where a regular
    expression with escape handling would backtrack through it.
    """
    i = start + 1
    find = text.find
    while True:
        j = find('"', i)
        if j < 0:
            j = len(text)
        nl = find("\n", i, j)
        if nl >= 0 or j == len(text):
            _fail("unterminated string literal", start, text, source)
        k = find("\\", i, j)
        if k < 0:
            return j + 1
        i = k + 2  # skip the escaped character (which may be the quote found above)


def tokenize(text: str, source: SourceFile | None) -> Iterator[Tok]:
    pos = 0
    n = len(text)
    classify_cache: dict[str, str] = {}
    punct = _PUNCT_TOKENS
    state = LexState
    match = _MASTER.match
    while True:
        m = match(text, pos)
        if m is None:
            break
        kind = m.lastgroup
        start = m.start(kind)
        pos = m.end()
        state.last_start = start
        tok = punct.get(kind)  # type: ignore[arg-type]
        if tok is not None:
            yield tok
            continue
        if kind == "QUOTE":
            pos = _string_end(text, start, source)
            j = pos
            while j < n and text[j] in " \t\r\n":
                j += 1
            kind = "GENERIC_NAME" if j < n and text[j] == "(" else "STRING"
            yield Tok(kind, text[start:pos], start)
            continue
        value = m.group(kind)
        if kind == "BARE":
            kind = classify_cache.get(value)
            if kind is None:
                kind = classify_cache[value] = classify_bare(value)
        elif kind == "FN_SIG":
            yield Tok(kind, _signature(value), start)  # type: ignore[arg-type]
            continue
        yield Tok(kind, value, start)  # type: ignore[arg-type]
    state.last_start = n
    if pos != n and not _TRAILING.match(text, pos):
        _bad_char(text, pos, source)


def _bad_char(text: str, pos: int, source: SourceFile | None) -> None:
    m = re.compile(_SKIP).match(text, pos)
    at = m.end() if m else pos
    ch = text[at] if at < len(text) else "end of input"
    _fail(f"unexpected character {ch!r}", at, text, source)


def _fail(message: str, at: int, text: str, source: SourceFile | None) -> None:
    raise error(message, SourcePos(source if source is not None else SourceFile("<input>", text), at))
