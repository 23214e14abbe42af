"""SDF3's XML graph format in and out (`--import-sdf3`, `--export-sdf3`).

SDF3 (TU Eindhoven) is the dataflow tool the method's published figures come from; reading and
writing its files lets users cross-check analyses and use its benchmark graphs. The subset
read and written is the SDF application graph:

    <sdf3 type="sdf" version="1.0">
      <applicationGraph name="g">
        <sdf name="g" type="G">
          <actor name="a" type="A"> <port name="p0" type="out" rate="2"/> ... </actor>
          <channel name="ch0" srcActor="a" srcPort="p0" dstActor="b" dstPort="p0" initialTokens="1"/>
        </sdf>
        <sdfProperties>
          <actorProperties actor="a"> <processor type="p" default="true"> <executionTime time="16"/>
          </processor> </actorProperties>
          <channelProperties channel="ch0"> <tokenSize sz="4"/> <bufferSize sz="8"/> </channelProperties>
        </sdfProperties>
      </applicationGraph>
    </sdf3>

An actor's execution time is that of its default processor (else its first). A channel's
`name` becomes its `label`, `tokenSize` its `token_size`, `bufferSize sz` its `capacity`.
Everything else SDF3 may hold (memory sizes, other processors, graph constraints) is not
represented in the `sdf` dialect; the importer says what it skipped in one warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.parsers import expat
from xml.sax.saxutils import quoteattr

from snnir.attributes import FloatAttr, IntegerAttr, StringAttr, SymbolRefAttr
from snnir.builtin import ModuleOp
from snnir.context import Context
from snnir.diagnostics import error
from snnir.dialects import sdf
from snnir.ir import Block, Operation, Region
from snnir.location import Location, SourceFile, SourcePos
from snnir.translation import Translation

# What the importer reads; any other element is reported as skipped.
_READ = {"sdf3", "applicationGraph", "sdf", "actor", "port", "channel", "sdfProperties", "actorProperties",
         "processor", "executionTime", "channelProperties", "tokenSize", "bufferSize"}


@dataclass
class Element:
    """An XML element with the position of its start tag, for diagnostics."""

    tag: str
    attrs: dict[str, str]
    loc: Location
    children: list["Element"] = field(default_factory=list)

    def all(self, tag: str) -> list["Element"]:
        return [c for c in self.children if c.tag == tag]

    def one(self, tag: str) -> "Element":
        found = self.all(tag)
        if len(found) != 1:
            raise error(f"<{self.tag}> must hold exactly one <{tag}>, found {len(found)}", self.loc)
        return found[0]

    def attr(self, name: str) -> str:
        value = self.attrs.get(name)
        if value is None:
            raise error(f"<{self.tag}> has no '{name}' attribute", self.loc)
        return value

    def walk(self):  # -> Iterator[Element]
        yield self
        for c in self.children:
            yield from c.walk()


def read_xml(source: SourceFile) -> Element:
    """The element tree of an XML text, each element located at its start tag."""
    parser = expat.ParserCreate()
    stack: list[Element] = []
    root: list[Element] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        line, col = parser.CurrentLineNumber, parser.CurrentColumnNumber
        el = Element(tag, attrs, SourcePos(source, source.offset(line, col)))
        (stack[-1].children if stack else root).append(el)
        stack.append(el)

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: stack.pop()
    try:
        parser.Parse(source.text.encode("utf-8"), True)
    except expat.ExpatError as e:
        raise error(f"not well-formed XML: {expat.ErrorString(e.code)}",
                    SourcePos(source, source.offset(e.lineno, e.offset))) from None
    return root[0]


def _count(el: Element, name: str, low: int, default: str | None = None) -> int:
    text = el.attrs.get(name, default)
    if text is None:
        raise error(f"<{el.tag}> has no '{name}' attribute", el.loc)
    try:
        value = int(text)
    except ValueError:
        raise error(f"<{el.tag}> attribute {name}=\"{text}\" is not an integer", el.loc) from None
    if value < low:
        raise error(f"<{el.tag}> attribute {name}=\"{text}\" must be at least {low}", el.loc)
    return value


def _exec_time(props: Element) -> IntegerAttr | FloatAttr:
    processors = props.all("processor")
    if not processors:
        raise error(f"actor '{props.attrs.get('actor')}' has no <processor> with an execution time", props.loc)
    chosen = next((p for p in processors if p.attrs.get("default") == "true"), processors[0])
    el = chosen.one("executionTime")
    text = el.attr("time")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise error(f"execution time \"{text}\" must be a non-negative number", el.loc)
    return IntegerAttr(int(value)) if value.is_integer() else FloatAttr(value)


def sdf3_to_module(root: Element) -> tuple[Operation, list[str]]:
    """The module of one SDF3 application graph, and the names of elements it skipped."""
    if root.tag != "sdf3":
        raise error(f"expected an <sdf3> document, found <{root.tag}>", root.loc)
    if root.attrs.get("type", "sdf") != "sdf":
        raise error(f"only SDF graphs are supported, this is type=\"{root.attrs['type']}\"", root.loc)
    app = root.one("applicationGraph")
    graph_el = app.one("sdf")
    ports: dict[tuple[str, str], tuple[str, int, Element]] = {}
    actors: dict[str, Element] = {}
    for a in graph_el.all("actor"):
        name = a.attr("name")
        if name in actors:
            raise error(f"actor '{name}' is defined twice", a.loc)
        actors[name] = a
        for p in a.all("port"):
            kind = p.attr("type")
            if kind not in ("in", "out"):
                raise error(f"port type must be \"in\" or \"out\", got \"{kind}\"", p.loc)
            key = (name, p.attr("name"))
            if key in ports:
                raise error(f"actor '{name}' has two ports named '{key[1]}'", p.loc)
            ports[key] = (kind, _count(p, "rate", 1), p)
    props = {}
    properties = app.all("sdfProperties")
    for pr in properties[0].all("actorProperties") if properties else []:
        props[pr.attr("actor")] = pr
    chan_props = {}
    for pr in properties[0].all("channelProperties") if properties else []:
        chan_props[pr.attr("channel")] = pr

    channel_ops = []
    used: dict[tuple[str, str], str] = {}
    for ch in graph_el.all("channel"):
        name = ch.attr("name")
        rates = []
        for end, kind in (("src", "out"), ("dst", "in")):
            key = (ch.attr(f"{end}Actor"), ch.attr(f"{end}Port"))
            if key[0] not in actors:
                raise error(f"channel '{name}' names an unknown actor '{key[0]}'", ch.loc)
            if key not in ports:
                raise error(f"channel '{name}' names an unknown port '{key[1]}' of actor '{key[0]}'", ch.loc)
            if ports[key][0] != kind:
                raise error(f"channel '{name}' uses the {ports[key][0]} port '{key[1]}' of '{key[0]}' as its "
                            f"{'source' if end == 'src' else 'destination'}", ch.loc)
            if key in used:
                raise error(f"port '{key[1]}' of actor '{key[0]}' is used by channels '{used[key]}' and '{name}'",
                            ch.loc)
            used[key] = name
            rates.append(ports[key][1])
        fields = dict(src=SymbolRefAttr(ch.attrs["srcActor"]), dst=SymbolRefAttr(ch.attrs["dstActor"]),
                      production=IntegerAttr(rates[0]), consumption=IntegerAttr(rates[1]),
                      tokens=IntegerAttr(_count(ch, "initialTokens", 0, "0")), label=StringAttr(name))
        cp = chan_props.pop(name, None)
        if cp is not None:
            for size in cp.all("tokenSize"):
                fields["token_size"] = IntegerAttr(_count(size, "sz", 1))
            for buf in cp.all("bufferSize"):
                if "sz" in buf.attrs:
                    fields["capacity"] = IntegerAttr(_count(buf, "sz", 1))
        channel_ops.append(sdf.ChannelOp.build(**fields, loc=ch.loc))
    for name, pr in chan_props.items():
        raise error(f"<channelProperties> names an unknown channel '{name}'", pr.loc)
    unknown = sorted(set(props) - set(actors))
    if unknown:
        raise error(f"<actorProperties> names an unknown actor '{unknown[0]}'", props[unknown[0]].loc)
    block = Block()
    for name, a in actors.items():
        if name not in props:
            raise error(f"actor '{name}' has no <actorProperties> with an execution time", a.loc)
        block.add_op(sdf.ActorOp.build(sym_name=StringAttr(name), exec_time=_exec_time(props[name]), loc=a.loc))
    for op in channel_ops:
        block.add_op(op)
    graph = sdf.GraphOp.build(sym_name=StringAttr(graph_el.attr("name")), body=Region([block]), loc=graph_el.loc)
    skipped = sorted({el.tag for el in root.walk() if el.tag not in _READ})
    return ModuleOp.build(body=Region([Block(ops=[graph])]), loc=root.loc), skipped


class ImportSDF3(Translation):
    name = "import-sdf3"
    description = "Read an SDF3 XML application graph (sdf3 type=\"sdf\") into an sdf.graph"
    direction = "import"

    def import_(self, source: SourceFile, ctx: Context) -> Operation:
        root = read_xml(source)
        module, skipped = sdf3_to_module(root)
        if skipped:
            self.warn("skipped SDF3 elements the sdf dialect does not represent: "
                      + ", ".join(f"<{t}>" for t in skipped), root.loc)
        return module


def _number(attr: IntegerAttr | FloatAttr) -> str:
    return str(attr.value)


def graph_to_sdf3(graph: sdf.GraphOp) -> str:
    """The SDF3 XML text of one sdf.graph; ports are named in0.., out0.. per actor in channel order."""
    q = quoteattr
    channels = graph.channels
    names = [ch.label.data if ch.label is not None else f"ch{i}" for i, ch in enumerate(channels)]
    port_lines: dict[str, list[str]] = {a.sym_name: [] for a in graph.actors}
    ends = []
    for ch in channels:
        src, dst = ch.src.root, ch.dst.root
        out_port, in_port = f"out{len(port_lines[src])}", f"in{len(port_lines[dst])}"
        port_lines[src].append(f'<port name="{out_port}" type="out" rate="{ch.production.value}"/>')
        port_lines[dst].append(f'<port name="{in_port}" type="in" rate="{ch.consumption.value}"/>')
        ends.append((out_port, in_port))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<sdf3 type="sdf" version="1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xsi:noNamespaceSchemaLocation="http://www.es.ele.tue.nl/sdf3/xsd/sdf3-sdf.xsd">',
             f"  <applicationGraph name={q(graph.sym_name)}>",
             f"    <sdf name={q(graph.sym_name)} type={q(graph.sym_name)}>"]
    for a in graph.actors:
        lines.append(f"      <actor name={q(a.sym_name)} type={q(a.sym_name)}>")
        lines.extend(f"        {p}" for p in port_lines[a.sym_name])
        lines.append("      </actor>")
    for name, ch, (out_port, in_port) in zip(names, channels, ends):
        lines.append(f"      <channel name={q(name)} srcActor={q(ch.src.root)} srcPort=\"{out_port}\" "
                     f"dstActor={q(ch.dst.root)} dstPort=\"{in_port}\" initialTokens=\"{ch.tokens.value}\"/>")
    lines += ["    </sdf>", "    <sdfProperties>"]
    for a in graph.actors:
        lines += [f"      <actorProperties actor={q(a.sym_name)}>",
                  '        <processor type="crossbar" default="true">',
                  f'          <executionTime time="{_number(a.exec_time)}"/>',
                  "        </processor>",
                  "      </actorProperties>"]
    for name, ch in zip(names, channels):
        lines += [f"      <channelProperties channel={q(name)}>",
                  f'        <tokenSize sz="{ch.token_size.value}"/>']
        if ch.capacity is not None:
            lines.append(f'        <bufferSize sz="{ch.capacity.value}"/>')
        lines.append("      </channelProperties>")
    lines += ["    </sdfProperties>", "  </applicationGraph>", "</sdf3>"]
    return "\n".join(lines) + "\n"


class ExportSDF3(Translation):
    name = "export-sdf3"
    description = "Write the module's sdf.graph as an SDF3 XML application graph"
    direction = "export"

    def export(self, module: Operation) -> str:
        graphs = [op for op in module.regions[0].block.ops if isinstance(op, sdf.GraphOp)]
        if len(graphs) != 1:
            names = ", ".join(f"@{g.sym_name}" for g in graphs)
            raise error(f"--export-sdf3 writes one sdf.graph, the input holds {len(graphs)}"
                        + (f" ({names})" if names else " (run --sdfg first)"), module.loc)
        return graph_to_sdf3(graphs[0])
