"""The printer: custom form by default, MLIR's generic form on request, resources at the end.

Value names: a parsed or builder-given name hint is kept (made unique with `_N`), other values
are numbered in print order, so print(parse(text)) is a fixed point. Output depends only on
the IR, never on object addresses or hash order: the same IR always prints the same bytes.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from snnir.attributes import (
    Attribute,
    ResourceHandle,
    TypeAttribute,
    print_attr_entries,
    quote_string,
)
from snnir.ir import Block, Operation, Region, Value
from snnir.location import FileLineColLoc, Location, NameLoc, SourcePos

_INDENT = "  "
_NAME = re.compile(r"[A-Za-z_$.\-][\w$.\-]*\Z")  # a value name the lexer reads back (see lexer._ID)
_NAME_BAD_CHAR = re.compile(r"[^\w$.\-]")


class Printer:
    """Holds naming state for one print; also used by attributes to register resources."""

    def __init__(self, generic: bool = False, debuginfo: bool = False) -> None:
        self.generic = generic
        self.debuginfo = debuginfo
        self._names: dict[Value, str] = {}
        self._used: set[str] = set()
        self._counter = 0
        self._type_text: dict[TypeAttribute, str] = {}
        self._resources: dict[str, ResourceHandle] = {}
        self._resource_names: dict[int, str] = {}

    # ---- names
    def value_name(self, v: Value) -> str:
        name = self._names.get(v)
        if name is None:
            name = self._assign(v)
        return name

    def _assign(self, v: Value) -> str:
        hint = v.name_hint
        if hint and not hint.isdigit():  # `%3` is a number, not a name: it would not survive a round trip
            if not _NAME.match(hint):  # e.g. `a b` or `0x`: make it a valid SSA name
                hint = _NAME_BAD_CHAR.sub("_", hint)
                if not _NAME.match(hint):
                    hint = "_" + hint
            name = hint
            k = 1
            while name in self._used:
                name = f"{hint}_{k}"
                k += 1
        else:
            while str(self._counter) in self._used:
                self._counter += 1
            name = str(self._counter)
            self._counter += 1
        self._used.add(name)
        text = "%" + name
        self._names[v] = text
        return text

    def type_text(self, t: TypeAttribute) -> str:
        s = self._type_text.get(t)
        if s is None:
            s = self._type_text[t] = t.print_to(self)
        return s

    def register_resource(self, handle: ResourceHandle) -> str:
        """The name under which `handle` prints; distinct blobs never share a name."""
        name = self._resource_names.get(id(handle))
        if name is not None:
            return name
        name = _resource_key(handle.name)
        base, k = name, 1
        while name in self._resources:
            name = f"{base}_{k}"
            k += 1
        self._resources[name] = handle
        self._resource_names[id(handle)] = name
        return name

    # ---- ops
    def op_text(self, op: Operation, indent: str, out: list[str]) -> None:
        """Append the lines of `op` (and its regions) to `out`."""
        results = op.results
        if results:
            head = ", ".join([self.value_name(r) for r in results]) + " = "
        else:
            head = ""
        fmt = None if self.generic else getattr(op, "custom_format", None)
        if fmt is not None:
            self._region_indent = indent
            body = fmt.print(op, self)
            line = f"{indent}{head}{op.name}{' ' + body if body else ''}"
        else:
            line = indent + head + self._generic_body(op, indent)
        if self.debuginfo:
            line += " " + location_text(op.loc)
        out.append(line)

    def _generic_body(self, op: Operation, indent: str) -> str:
        vn = self.value_name
        tt = self.type_text
        operands = op._operands
        parts = [quote_string(op.name), "(", ", ".join([vn(v) for v in operands]), ")"]
        if op.properties:
            parts.append(" <" + print_attr_entries(op.properties.items(), self) + ">")
        if op.regions:
            parts.append(" (" + ", ".join(self.region_text(r, indent) for r in op.regions) + ")")
        if op.attributes:
            parts.append(" " + print_attr_entries(op.attributes.items(), self))
        ins = ", ".join([tt(v.type) for v in operands])
        results = op.results
        if len(results) == 1 and not _is_function_type(results[0].type):
            outs = tt(results[0].type)
        else:
            outs = "(" + ", ".join([tt(r.type) for r in results]) + ")"
        parts.append(f" : ({ins}) -> {outs}")
        return "".join(parts)

    _region_indent = ""

    def region_text(self, region: Region, indent: str | None = None) -> str:
        """`{` newline, the region's blocks indented one level, `}` at the op's indentation."""
        if indent is None:
            indent = self._region_indent
        if not region.blocks or (len(region.blocks) == 1 and not region.blocks[0].ops
                                 and not region.blocks[0].args):
            return "{\n" + indent + "}"
        saved = self._region_indent
        inner = indent + _INDENT
        lines: list[str] = ["{"]
        labels = self._block_labels(region)
        for i, block in enumerate(region.blocks):
            if labels[i] is not None:
                lines.append(indent + self._block_header(block, labels[i]))
            for op in block.ops:
                self.op_text(op, inner, lines)
        lines.append(indent + "}")
        self._region_indent = saved
        return "\n".join(lines)

    def _block_labels(self, region: Region) -> list[str | None]:
        """The label of each block, None for an entry block printed without a header (it takes no name,
        so the labels are the same after a round trip). An empty entry block keeps its header when other
        blocks follow, or the next block's label would make it disappear."""
        used: set[str] = set()
        out: list[str | None] = []
        for i, b in enumerate(region.blocks):
            if i == 0 and not b.args and (b.ops or len(region.blocks) == 1):
                out.append(None)
                continue
            label = b.label or f"bb{i}"
            base, k = label, 1
            while label in used:
                label = f"{base}_{k}"
                k += 1
            used.add(label)
            out.append(label)
        return out

    def _block_header(self, block: Block, label: str) -> str:
        if not block.args:
            return f"^{label}:"
        loc = (lambda a: " " + location_text(a.loc)) if self.debuginfo else (lambda a: "")
        args = ", ".join(f"{self.value_name(a)}: {self.type_text(a.type)}{loc(a)}" for a in block.args)
        return f"^{label}({args}):"

    def resource_parts(self) -> list[str]:
        """The `{-# dialect_resources #-}` section as pieces to join once (blobs can be 100s of MB)."""
        if not self._resources:
            return []
        parts = ["\n{-#\n  dialect_resources: {\n    builtin: {\n"]
        items = list(self._resources.items())
        for j, (name, handle) in enumerate(items):
            blob = handle.blob if handle.blob is not None else np.zeros(0, np.uint8)
            parts += [f'      {name}: "0x', int(handle.alignment).to_bytes(4, "little").hex(), _hex(blob),
                      '",\n' if j + 1 < len(items) else '"\n']
        parts.append("    }\n  }\n#-}")
        return parts


def _hex(blob: np.ndarray) -> str:
    return memoryview(np.ascontiguousarray(blob).view(np.uint8)).hex()


def _resource_key(name: str) -> str:
    from snnir.lexer import is_reserved_word

    cleaned = "".join(c if (c.isalnum() or c == "_") else "_" for c in name) or "blob"
    if cleaned[0].isdigit() or is_reserved_word(cleaned):
        cleaned = "r_" + cleaned
    return cleaned


def _is_function_type(t: Attribute) -> bool:
    from snnir.attributes import FunctionType

    return isinstance(t, FunctionType)


def location_text(loc: Location) -> str:
    return f"loc({_loc_body(loc)})"


def _loc_body(loc: Location) -> str:
    if isinstance(loc, SourcePos):
        loc = loc.file_line_col()
    if isinstance(loc, FileLineColLoc):
        return f"{quote_string(loc.filename)}:{loc.line}:{loc.col}"
    if isinstance(loc, NameLoc):
        if loc.child is None:
            return quote_string(loc.name)
        return f"{quote_string(loc.name)}({_loc_body(loc.child)})"
    return "unknown"


def _name_resources(root: Operation, p: Printer) -> None:
    """Register every resource in IR order (ops pre-order, properties before attributes), so a
    blob's printed name does not depend on which form prints it first."""
    from snnir.attributes import ArrayAttr, DenseResourceAttr, DictionaryAttr, OpaqueAttr

    def visit(a: Any) -> None:
        if isinstance(a, DenseResourceAttr):
            p.register_resource(a.handle)
        elif isinstance(a, ArrayAttr):
            for x in a.data:
                visit(x)
        elif isinstance(a, DictionaryAttr):
            for x in a.data.values():
                visit(x)
        elif isinstance(a, OpaqueAttr):
            for _, x in a.params or ():
                visit(x)
        else:
            for x in getattr(a, "parameters", ()):  # dialect attributes and types
                visit(x)

    for op in root.walk():
        for attrs in (op.properties, op.attributes):
            for a in attrs.values():
                visit(a)


def print_operation(op: Operation, generic: bool = False, debuginfo: bool = False) -> str:
    """The text of `op`, followed by the resource blobs it refers to. Ends with a newline."""
    p = Printer(generic=generic, debuginfo=debuginfo)
    _name_resources(op, p)
    lines: list[str] = []
    p.op_text(op, "", lines)
    parts = ["\n".join(lines)]
    resources = p.resource_parts()
    if resources:
        parts.append("\n")
        parts += resources
    parts.append("\n")
    return "".join(parts)

