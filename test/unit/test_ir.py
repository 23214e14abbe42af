"""The data model: use lists, blocks and regions, walking, traits, declared ops and verification."""

from __future__ import annotations

import pytest

from snnir.attributes import (
    ArrayAttr,
    BoolAttr,
    DenseArrayAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    UnitAttr,
    f32,
    i32,
    i64,
)
from snnir.builtin import ModuleOp
from snnir.diagnostics import DiagnosticError
from snnir.dialects import test as T
from snnir.ir import Block, BlockArgument, OpResult, Region, unregistered_op_class
from snnir.irdl import OPERAND_SEGMENTS, to_attr
from snnir.traits import GraphRegions, HasParent, IsolatedFromAbove, Pure, Symbol, SymbolTable

Op = unregistered_op_class("x.op")


def make(n_results=1, operands=(), regions=(), name="x.op"):
    return unregistered_op_class(name)(list(operands), [i32] * n_results, regions=list(regions))


def module_of(*ops):
    return ModuleOp.build(body=Region([Block(ops=ops)]))


# ------------------------------------------------------------------------ values and uses


def test_operands_register_uses_in_order():
    a, b = make(), make()
    user = make(0, [a.result, b.result, a.result])
    assert a.result.uses == [(user, 0), (user, 2)]
    assert b.result.uses == [(user, 1)]
    assert user.operands == (a.result, b.result, a.result)
    assert a.result.has_uses() and not user.results


def test_replace_all_uses_with():
    a, b = make(), make()
    u1, u2 = make(0, [a.result, a.result]), make(0, [a.result])
    a.result.replace_all_uses_with(b.result)
    assert a.result.uses == [] and not a.result.has_uses()
    assert sorted(b.result.uses, key=lambda x: (id(x[0]), x[1])) == sorted(
        [(u1, 0), (u1, 1), (u2, 0)], key=lambda x: (id(x[0]), x[1]))
    assert u1.operands == (b.result, b.result) and u2.operands == (b.result,)
    b.result.replace_all_uses_with(b.result)  # no-op
    assert len(b.result.uses) == 3


def test_set_operand_moves_one_use():
    a, b = make(), make()
    u = make(0, [a.result, a.result])
    u.set_operand(1, b.result)
    assert a.result.uses == [(u, 0)] and b.result.uses == [(u, 1)]
    assert u.operands == (a.result, b.result)


def test_operands_setter_replaces_every_use():
    a, b, c = make(), make(), make()
    u = make(0, [a.result, b.result])
    u.operands = [c.result, c.result, a.result]
    assert b.result.uses == []
    assert a.result.uses == [(u, 2)]
    assert c.result.uses == [(u, 0), (u, 1)]


def test_erase_without_uses_detaches_and_drops_operand_uses():
    a = make()
    inner = make(0, [a.result])
    outer = make(0, [a.result], regions=[Region([Block(ops=[inner])])])
    blk = Block(ops=[a, outer])
    outer.erase()
    assert blk.ops == [a] and outer.parent is None
    assert a.result.uses == []  # uses of nested ops are dropped too


def test_erase_with_uses_raises():
    a = make()
    make(0, [a.result])
    Block(ops=[a])
    with pytest.raises(ValueError, match="result #0 still has uses"):
        a.erase()


def test_result_and_owner():
    a = make(2)
    with pytest.raises(ValueError, match="2 results"):
        a.result
    assert isinstance(a.results[1], OpResult) and a.results[1].owner is a and a.results[1].index == 1
    blk = Block([i32, f32])
    assert isinstance(blk.args[1], BlockArgument) and blk.args[1].owner is blk and blk.args[1].type == f32
    arg = blk.add_arg(i64, "n")
    assert arg.index == 2 and arg.name_hint == "n"
    assert a.result_types == (i32, i32)


# ------------------------------------------------------------------------ blocks and regions


def test_block_add_and_insert():
    a, b, c = make(), make(), make()
    blk = Block()
    blk.add_op(a)
    blk.add_op(c)
    blk.insert_op(1, b)
    assert blk.ops == [a, b, c] and list(blk) == [a, b, c] and len(blk) == 3
    assert all(op.parent is blk for op in blk)
    with pytest.raises(ValueError, match="already belongs"):
        Block().add_op(a)
    with pytest.raises(ValueError, match="already belongs"):
        Block().insert_op(0, a)


def test_region_add_block_and_single_block_accessor():
    r = Region()
    assert r.block.parent is r and len(r.blocks) == 1  # created on demand
    r.add_block(Block())
    with pytest.raises(ValueError, match="2 blocks"):
        r.block
    with pytest.raises(ValueError, match="already belongs"):
        Region().add_block(r.blocks[0])
    op = make(0, regions=[r])
    assert r.parent is op and r.blocks[0].parent_op is op
    with pytest.raises(ValueError, match="already belongs"):
        make(0, regions=[r])


def test_parent_op_and_nesting():
    inner = make(0)
    mid = make(0, regions=[Region([Block(ops=[inner])])])
    m = module_of(mid)
    assert inner.parent_op is mid and mid.parent_op is m and m.parent_op is None
    assert make().parent_op is None


def _tree():
    # a(b(c, d), e) with two regions on a
    c, d, e = make(0, name="x.c"), make(0, name="x.d"), make(0, name="x.e")
    b = make(0, regions=[Region([Block(ops=[c]), Block(ops=[d])])], name="x.b")
    a = make(0, regions=[Region([Block(ops=[b])]), Region([Block(ops=[e])])], name="x.a")
    return a


def test_walk_is_pre_order():
    assert [o.name for o in _tree().walk()] == ["x.a", "x.b", "x.c", "x.d", "x.e"]


def test_walk_reverse_is_post_order_backwards():
    assert [o.name for o in _tree().walk(reverse=True)] == ["x.e", "x.d", "x.c", "x.b", "x.a"]


def test_region_walk_and_ops():
    a = _tree()
    assert [o.name for o in a.regions[0].walk()] == ["x.b", "x.c", "x.d"]
    assert [o.name for o in a.regions[0].blocks[0].ops[0].regions[0].ops] == ["x.c", "x.d"]


def test_walk_may_erase_visited_ops():
    ops = [make(0, name="x.k") for _ in range(5)]
    m = module_of(*ops)
    for op in list(m.walk()):
        if op.name == "x.k":
            op.erase()
    assert m.ops == []


# ------------------------------------------------------------------------ traits


def test_has_trait_and_get_trait():
    assert T.FuncOp.has_trait(IsolatedFromAbove) and T.FuncOp.has_trait(Symbol)
    assert not T.FuncOp.has_trait(GraphRegions)
    assert T.GraphOp.has_trait(SymbolTable)
    h = T.NodeOp.get_trait(HasParent)
    assert isinstance(h, HasParent) and h.parents == ("test.graph",)
    assert T.AddOp.get_trait(HasParent) is None and T.AddOp.has_trait(Pure)
    assert not Op.has_trait(Pure) and Op.get_trait(Pure) is None


# ------------------------------------------------------------------------ declared ops


def test_build_single_operands_and_accessors():
    a = T.ConstantOp.build(value=IntegerAttr(1, i32), result_types=[i32])
    b = T.ConstantOp.build(value=IntegerAttr(2, i32), result_types=[i32])
    add = T.AddOp.build(lhs=a.res, rhs=b.res, result_types=[i32])
    assert add.lhs is a.res and add.rhs is b.res and add.res is add.results[0]
    assert a.value == IntegerAttr(1, i32)
    module_of(a, b, add).verify()


def test_build_variadic_and_optional_groups_with_segment_sizes():
    vs = [T.ConstantOp.build(value=IntegerAttr(i, i32), result_types=[i32]) for i in range(4)]
    v = [o.res for o in vs]
    s = T.SelectOp.build(cond=v[0], trues=[v[1], v[2]], falses=[v[3]], result_types=[i32])
    assert s.properties[OPERAND_SEGMENTS] == DenseArrayAttr(i32, [1, 2, 1])
    assert s.cond is v[0] and s.trues == (v[1], v[2]) and s.falses == (v[3],)
    s2 = T.SelectOp.build(trues=[], falses=[v[1]], result_types=[i32])
    assert s2.cond is None and s2.trues == () and s2.falses == (v[1],)
    assert list(s2.properties[OPERAND_SEGMENTS].data) == [0, 0, 1]
    module_of(*vs, s, s2).verify()


def test_build_variadic_results():
    c = T.CallOp.build(callee=SymbolRefAttr("f"), args=[], result_types=[[i32, f32]])
    assert c.outs == tuple(c.results) and [r.type for r in c.outs] == [i32, f32]
    assert c.args == ()
    c0 = T.CallOp.build(callee=SymbolRefAttr("f"), result_types=[None])
    assert c0.outs == ()


def test_build_errors():
    with pytest.raises(TypeError, match="operand 'lhs' is required"):
        T.AddOp.build(result_types=[i32])
    with pytest.raises(TypeError, match="result type groups"):
        T.FlagOp.build(result_types=[i32])
    with pytest.raises(TypeError, match="unknown fields"):
        T.FlagOp.build(bogus=1)


def test_properties_from_plain_python_values():
    op = T.ListOp.build(items=[1, 2.5, "s", True, [3]], note="hello")
    assert op.items == ArrayAttr([IntegerAttr(1), FloatAttr(2.5), StringAttr("s"), BoolAttr(True),
                                  ArrayAttr([IntegerAttr(3)])])
    assert op.attributes["note"] == StringAttr("hello") and "note" not in op.properties
    assert to_attr(IntegerAttr(3, i32)) == IntegerAttr(3, i32)
    with pytest.raises(TypeError):
        to_attr(object())
    s = T.ScaleOp.build(factor=2.0, result_types=[f32])
    assert s.factor == FloatAttr(2.0)


def test_accessors_for_every_field_kind():
    pop = T.PopType([4])
    p1 = T.PopulationOp.build(neuron=T.NeuronAttr(tau=0.5), result_types=[pop])
    p2 = T.PopulationOp.build(neuron=T.NeuronAttr(tau=0.5), result_types=[pop])
    c = T.ConnectOp.build(src=p1.res, dst=p2.res, weight=0.5, kernel=SymbolRefAttr("k"))
    assert c.src is p1.res and c.dst is p2.res
    assert c.weight == FloatAttr(0.5) and c.delay is None and c.kernel == SymbolRefAttr("k")
    c.delay = IntegerAttr(3)  # setter
    assert c.properties["delay"] == IntegerAttr(3)
    c.delay = None
    assert "delay" not in c.properties
    # default of a declared attribute
    lst = T.ListOp.build(items=[])
    assert lst.note == StringAttr("")
    # regions: single and variadic
    f = T.FuncOp.build(sym_name="f", body=Region([Block([i32])]))
    assert f.body is f.regions[0] and f.body.blocks[0].args[0].type == i32
    assert f.sym_name == "f"
    mr = T.MultiRegionOp.build(regions_=[Region(), Region()], tag="t")
    assert mr.regions_ == tuple(mr.regions) and len(mr.regions_) == 2 and mr.tag == StringAttr("t")
    fl = T.FlagOp.build(fast=UnitAttr())
    assert fl.fast == UnitAttr() and T.FlagOp.build().fast is None
    # class-level access gives the descriptor, not a value
    assert T.AddOp.lhs is not None and not isinstance(T.AddOp.lhs, OpResult)


# ------------------------------------------------------------------------ verification


def verify_message(op) -> str:
    with pytest.raises(DiagnosticError) as e:
        op.verify()
    return e.value.diagnostic.message


def test_verify_type_constraint_message():
    f = T.ScaleOp.build(factor=1.0, result_types=[f32])
    bad = T.AddOp.build(lhs=f.res, rhs=f.res, result_types=[i32])
    msg = verify_message(module_of(f, bad))
    assert msg.startswith("'test.add' op operand #0 ('lhs'): expected integer type, got f32")


def test_verify_missing_and_wrong_properties():
    op = T.ScaleOp(result_types=[f32])
    assert verify_message(module_of(op)) == "'test.scale' op requires property 'factor'"
    op = T.ScaleOp(result_types=[f32], properties={"factor": StringAttr("x")})
    assert "property 'factor': expected float attribute, got \"x\"" in verify_message(module_of(op))
    op = T.FlagOp(properties={"zzz": UnitAttr()})
    assert verify_message(module_of(op)) == "'test.flag' op unknown property 'zzz'"


def test_verify_predicate_and_verify_hook():
    pop = T.PopType([4])
    p = T.PopulationOp.build(neuron=T.NeuronAttr(tau=0.5), result_types=[pop])
    c = T.ConnectOp.build(src=p.res, dst=p.res, delay=0)
    assert "property 'delay': expected positive integer, got 0" in verify_message(module_of(p, c))
    k = T.ConstantOp.build(value=IntegerAttr(1, i32), result_types=[i64])
    assert "value type i32 does not match result type i64" in verify_message(module_of(k))


def test_verify_counts_and_segments():
    def check(make_op, expected):
        a = T.ConstantOp.build(value=IntegerAttr(1, i32), result_types=[i32])
        assert expected in verify_message(module_of(a, make_op(a.res)))

    check(lambda v: T.AddOp([v], [i32]), "expected 2 operands, got 1")
    check(lambda v: T.SelectOp([v], [i32]), "expected a 'operandSegmentSizes' property of 3 sizes")
    check(lambda v: T.SelectOp([v], [i32], properties={OPERAND_SEGMENTS: DenseArrayAttr(i32, [2, 0, 0])}),
          "'operandSegmentSizes' adds up to 2 but the op has 1 operands")
    check(lambda v: T.SelectOp([v, v], [i32], properties={OPERAND_SEGMENTS: DenseArrayAttr(i32, [2, 0, 0])}),
          "operand group 'cond' cannot have 2 values")


def test_verify_traits():
    node = T.NodeOp.build(sym_name="n", result_types=[i32])
    assert "expects parent op 'test.graph'" in verify_message(module_of(node))
    f1 = T.FuncOp.build(sym_name="f", body=Region([Block()]))
    f2 = T.FuncOp.build(sym_name="f", body=Region([Block()]))
    assert "redefinition of symbol '@f'" in verify_message(module_of(f1, f2))
    outer = T.ConstantOp.build(value=IntegerAttr(1, i32), result_types=[i32])
    user = T.AddOp.build(lhs=outer.res, rhs=outer.res, result_types=[i32])
    f = T.FuncOp.build(sym_name="g", body=Region([Block(ops=[user])]))
    assert "uses a value defined outside the isolated region of 'test.func'" in verify_message(module_of(outer, f))
    two = T.FuncOp.build(sym_name="h", body=Region([Block(), Block()]))
    assert "must have at most one block" in verify_message(module_of(two))


def test_verify_dominance_in_ssa_regions_but_not_graph_regions():
    a = T.ConstantOp.build(value=IntegerAttr(1, i32), result_types=[i32])
    user = T.AddOp.build(lhs=a.res, rhs=a.res, result_types=[i32])
    f = T.FuncOp.build(sym_name="f", body=Region([Block(ops=[user, a])]))
    assert "uses a value before it is defined" in verify_message(module_of(f))
    n1 = T.NodeOp.build(sym_name="a", result_types=[i32])
    n2 = T.NodeOp.build(sym_name="b", inputs=[n1.res], result_types=[i32])
    n1.operands = [n2.res]
    module_of(T.GraphOp.build(sym_name="g", body=Region([Block(ops=[n1, n2])]))).verify()


def test_verify_error_carries_the_op_location():
    from snnir.location import FileLineColLoc

    op = T.ScaleOp(result_types=[f32], loc=FileLineColLoc("f.snnir", 3, 7))
    with pytest.raises(DiagnosticError) as e:
        module_of(op).verify()
    assert e.value.diagnostic.loc == FileLineColLoc("f.snnir", 3, 7)
    assert e.value.diagnostic.render().startswith("f.snnir:3:7: error: 'test.scale' op requires property")


def test_unregistered_op_classes_are_cached_and_unverified():
    assert unregistered_op_class("q.a") is unregistered_op_class("q.a")
    op = unregistered_op_class("q.a")([], [i32])
    assert op.name == "q.a" and not op.registered
    module_of(op).verify()
