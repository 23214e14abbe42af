"""`tile-sweep`: throughput against the number of tiles, design-time flow and run-time admission side by side.

    snn-opt net.snnir --partition --sdfg --tile-sweep='max-tiles=16 report=tiles.json plot=tiles.png' --target=paper4

For each tile count T from 1 to `max-tiles` (the first T tiles along the target's mesh), the
design-time flow (bind, refine the binding by throughput analysis, list-schedule, analyse:
`snnir.passes.admit.design_flow`) and run-time admission from the recorded self-timed order each
give a guaranteed throughput; the report and the plot show both, so a user can see what each
tile buys. The IR is left unchanged (no binding is chosen).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from snnir.algorithms import mapping
from snnir.algorithms.sdf import SDFError
from snnir.dialects import sdf
from snnir.ir import Operation
from snnir.pass_manager import Pass, PassContext, PassFailure, option
from snnir.passes import hardware
from snnir.passes.admit import design_flow, free_tiles
from snnir.passes.analyze_throughput import sdf_graph_of
from snnir.passes.buffer_size import write_outputs


def plot_sweep(rows: list[dict[str, Any]], path: str, title: str) -> None:
    """Throughput against tiles for both flows (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    tiles = [r["tiles"] for r in rows]
    ax.plot(tiles, [r["design_flow"]["throughput"] for r in rows], marker="o",
            label="design time (bind + refine + schedule)")
    ax.plot(tiles, [r["admission"]["throughput"] for r in rows], marker="s", label="run-time admission")
    ax.set_xlabel("tiles")
    ax.set_ylabel("throughput (iterations per time unit)")
    ax.set_xticks(tiles)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


@dataclass(frozen=True)
class TileSweep(Pass):
    name = "tile-sweep"
    description = "Report the throughput of each sdf.graph on 1..N tiles, by the design-time flow and by admission"
    option_flags = {"target": "target", "plot": "plot"}

    max_tiles: int = option(0, "the largest tile count (0: the target's tiles, at most 16)")
    target: str = option("paper4", "a bundled target (docs/targets.md) or a target JSON file")
    report: str = option("", "write the sweep as JSON to this file")
    plot: str = option("", "draw throughput against tiles as a PNG to this file")

    def apply(self, module: Operation, ctx: PassContext) -> None:
        target = hardware.load(self.target, module.loc)
        top = self.max_tiles or min(target.tiles, 16)
        if not 0 < top <= target.tiles:
            raise PassFailure(f"max-tiles must be between 1 and the target's {target.tiles}, got {self.max_tiles}",
                              module.loc)
        graphs = [op for op in module.regions[0].block.ops if isinstance(op, sdf.GraphOp)]
        if not graphs:
            raise PassFailure("no sdf.graph to sweep (run --sdfg first)", module.loc)
        platform = mapping.Platform.from_target(target)
        reports = []
        for graph in graphs:
            g, actors, channels = sdf_graph_of(graph)
            size = np.array([ch.token_size.value for ch in channels], dtype=np.int64)
            rows = []
            try:
                order = mapping.record_order(g)
                for t in range(1, top + 1):
                    tiles = free_tiles(target, t)
                    full, seconds = design_flow(g, platform, tiles, size)
                    adm = mapping.admit(g, order, platform, tiles, None, token_size=size)
                    rows.append({"tiles": t,
                                 "design_flow": {"throughput": float(full.throughput),
                                                 "throughput_exact": hardware.rate_text(full.throughput),
                                                 "seconds": round(seconds, 6)},
                                 "admission": {"throughput": float(adm.throughput),
                                               "throughput_exact": hardware.rate_text(adm.throughput),
                                               "seconds": round(adm.seconds, 6)}})
            except SDFError as e:
                blamed = actors[e.actors[0]] if e.actors else graph
                raise PassFailure(f"@{graph.sym_name}: {e}", blamed.loc) from None
            reports.append({"graph": graph.sym_name, "target": target.name, "sweep": rows})
        plot = None
        if self.plot:
            def plot() -> None:
                plot_sweep(reports[0]["sweep"], self.plot, f"@{graphs[0].sym_name} on {target.name}")
        write_outputs(self.report, self.plot, reports, module.loc, plot)
