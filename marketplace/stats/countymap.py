"""A simplified map of 舟山's counties and districts, drawn for this project (no map tiles).

Outlines are deliberately rough: the main island split into 定海区 / 新城 / 普陀区, 岱山 in the
middle, the 嵊泗 islands to the north-east, and 市直 (city-level organisations, no place) as a
tile. A region from REGIONS without an outline here gets a tile of its own, so a renamed or
added county still shows and can be clicked.
"""
from __future__ import annotations

from dataclasses import dataclass

VIEWBOX = (0, 0, 480, 360)


@dataclass(frozen=True)
class Shape:
    paths: tuple[str, ...]
    label: tuple[int, int]  # where its name is written
    tile: bool = False      # a tile, not a place
    label_outside: bool = False  # the name is written on the sea beside small islands


OUTLINES: dict[str, Shape] = {
    "嵊泗县": Shape((
        "M330,30 L370,22 L392,40 L372,58 L338,54 Z",
        "M400,60 L425,55 L435,72 L410,80 Z",
        "M300,62 L322,58 L328,74 L306,78 Z",
        "M440,28 L458,26 L462,40 L444,44 Z",
    ), (372, 96), label_outside=True),
    "岱山县": Shape((
        "M190,120 L250,105 L290,120 L285,150 L240,160 L200,152 Z",
        "M298,92 L332,86 L340,106 L306,112 Z",
        "M150,140 L172,136 L176,152 L154,156 Z",
    ), (238, 138)),
    "定海区": Shape((
        "M60,230 L110,200 L170,195 L185,215 L180,280 L130,300 L80,290 L55,262 Z",
        "M18,240 L44,232 L50,256 L26,264 Z",
    ), (118, 252)),
    "新城": Shape((
        "M185,215 L235,205 L245,225 L240,285 L180,280 Z",
    ), (212, 250)),
    "普陀区": Shape((
        "M235,205 L290,200 L320,225 L310,265 L270,285 L240,285 L245,225 Z",
        "M322,272 L346,265 L354,290 L332,300 Z",
        "M340,230 L356,226 L361,244 L345,249 Z",
        "M250,314 L290,307 L298,330 L262,338 Z",
    ), (282, 248)),
    "市直": Shape(("M20,20 H130 V76 H20 Z",), (75, 54), tile=True),
}


def shapes_for(regions: list[str]) -> list[tuple[str, Shape]]:
    """Outlines for the configured regions, in their order; a tile for any without one."""
    result = []
    extra = 0
    for name in regions:
        shape = OUTLINES.get(name)
        if shape is None:
            y = 90 + extra * 66
            shape = Shape((f"M20,{y} H130 V{y + 56} H20 Z",), (75, y + 34), tile=True)
            extra += 1
        result.append((name, shape))
    return result
