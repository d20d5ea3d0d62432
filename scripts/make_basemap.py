"""Write ``data/basemap/countries.topo.json``: the locator map's basemap, cut from world-atlas.

Source: the npm package ``world-atlas@2.0.2`` (ISC licence; Natural Earth 1:50m admin-0
countries, v4.1.0, public domain). Fetch it once and run this script on the tarball:

    cd /tmp && npm pack world-atlas@2.0.2
    .venv/bin/python scripts/make_basemap.py /tmp/world-atlas-2.0.2.tgz

Nothing is fetched at build time; the book reads only the JSON this script writes. The output is
deterministic, so re-running it on the same tarball gives byte-identical JSON.

What the script does to ``countries-50m.json``:

1. keeps only ``COUNTRIES`` (the ones the map's extent shows) and drops every polygon of theirs
   that lies wholly outside ``KEEP_BOX`` (Russia's Far East and Arctic islands, for example);
2. moves Crimea, which Natural Earth 4.1.0 draws as part of Russia, out of Russia into its own
   feature (id ``UA-43``), so the map can show it as Ukrainian territory occupied by Russia
   since 2014 rather than as Russian territory;
3. simplifies (Douglas-Peucker, ``FAR_TOLERANCE`` degrees) the arcs that lie wholly outside
   ``KEEP_BOX``: they are never drawn inside the map frame but are needed to close the rings;
4. drops the ``land`` object and every unused arc, and renumbers the arcs that remain (an arc
   index ``i`` is ``i`` forward and ``~i`` = ``-i - 1`` reversed, as TopoJSON specifies).

Arcs inside ``KEEP_BOX`` keep full 1:50m detail and the source's quantization.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "basemap" / "countries.topo.json"
MEMBER = "package/countries-50m.json"
# npm's dist.shasum for world-atlas@2.0.2 (`npm view world-atlas@2.0.2 dist.shasum`).
TARBALL_SHA1 = "4bca4a578f3a413bd409c3f07f2054fe7375824f"
# ISO 3166-1 numeric id -> name, as in world-atlas.
COUNTRIES = {
    "804": "Ukraine",
    "643": "Russia",
    "112": "Belarus",
    "616": "Poland",
    "498": "Moldova",
    "642": "Romania",
    "703": "Slovakia",
    "348": "Hungary",
    "100": "Bulgaria",
    "688": "Serbia",
    "268": "Georgia",
    "398": "Kazakhstan",
    "440": "Lithuania",
    "428": "Latvia",
    "233": "Estonia",
}
# (west, south, east, north) in degrees: the map frame (lon 22-46, lat 44-57) plus a wide margin.
KEEP_BOX = (12.0, 36.0, 56.0, 63.0)
FAR_TOLERANCE = 0.25  # degrees; at most this far off the source line, and only outside KEEP_BOX
# The Crimean peninsula polygon inside Natural Earth's Russia (lon 32.5-36.6, lat 44.4-46.2).
CRIMEA_BOX = (32.0, 44.0, 37.0, 46.5)
CRIMEA = {
    "type": "Polygon",
    "id": "UA-43",
    "properties": {
        "name": "Crimea",
        "note": "Part of Ukraine under international law; occupied and annexed by Russia in 2014",
    },
}

Point = tuple[int, int]


def decode(arc: list[list[int]]) -> list[Point]:
    """Delta-encoded quantized positions -> absolute quantized positions."""
    x = y = 0
    out = []
    for dx, dy in arc:
        x, y = x + dx, y + dy
        out.append((x, y))
    return out


def encode(points: list[Point]) -> list[list[int]]:
    out, px, py = [], 0, 0
    for x, y in points:
        out.append([x - px, y - py])
        px, py = x, y
    return out


def arc_index(i: int) -> int:
    return i if i >= 0 else ~i


def polygons(geometry: dict) -> list[list[list[int]]]:
    return geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]


class Degrees:
    """Converts quantized positions to degrees with the topology's transform."""

    def __init__(self, transform: dict) -> None:
        self.sx, self.sy = transform["scale"]
        self.tx, self.ty = transform["translate"]

    def __call__(self, p: Point) -> tuple[float, float]:
        return p[0] * self.sx + self.tx, p[1] * self.sy + self.ty


def bbox(points: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def intersects(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def inside(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return b[0] <= a[0] and a[2] <= b[2] and b[1] <= a[1] and a[3] <= b[3]


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[int]:
    """Indices kept by Douglas-Peucker (first and last always kept)."""
    keep = {0, len(points) - 1}
    stack = [(0, len(points) - 1)]
    while stack:
        lo, hi = stack.pop()
        (x0, y0), (x1, y1) = points[lo], points[hi]
        dx, dy = x1 - x0, y1 - y0
        norm = (dx * dx + dy * dy) ** 0.5
        best, where = 0.0, -1
        for k in range(lo + 1, hi):
            px, py = points[k]
            if norm == 0:
                d = ((px - x0) ** 2 + (py - y0) ** 2) ** 0.5
            else:
                d = abs(dy * (px - x0) - dx * (py - y0)) / norm
            if d > best:
                best, where = d, k
        if best > tolerance:
            keep.add(where)
            stack += [(lo, where), (where, hi)]
    return sorted(keep)


def subset(topo: dict) -> dict:
    """The basemap topology: see the module docstring for each step."""
    degrees = Degrees(topo["transform"])
    points = [decode(arc) for arc in topo["arcs"]]

    def polygon_box(polygon: list[list[int]]) -> tuple[float, float, float, float]:
        return bbox([degrees(p) for ring in polygon for i in ring for p in points[arc_index(i)]])

    geometries = []
    crimea = None
    by_id = {g.get("id"): g for g in topo["objects"]["countries"]["geometries"]}
    for ident, name in COUNTRIES.items():
        source = by_id[ident]
        assert source["properties"]["name"] == name, (ident, source["properties"])
        kept = []
        for polygon in polygons(source):
            box = polygon_box(polygon)
            if ident == "643" and inside(box, CRIMEA_BOX):
                assert crimea is None, "more than one Crimea polygon"
                crimea = {**CRIMEA, "arcs": polygon}
            elif intersects(box, KEEP_BOX):
                kept.append(polygon)
        geometry = {"id": ident, "properties": {"name": name}}
        if len(kept) == 1:
            geometry = {"type": "Polygon", "arcs": kept[0], **geometry}
        else:
            geometry = {"type": "MultiPolygon", "arcs": kept, **geometry}
        geometries.append(geometry)
    assert crimea is not None, "Crimea polygon not found in Russia"
    geometries.append(crimea)

    # Renumber the arcs in order of first use.
    new_index: dict[int, int] = {}
    for geometry in geometries:
        for polygon in polygons(geometry):
            for ring in polygon:
                for i in ring:
                    new_index.setdefault(arc_index(i), len(new_index))

    def renumber(i: int) -> int:
        j = new_index[arc_index(i)]
        return j if i >= 0 else ~j

    for geometry in geometries:
        arcs = [[[renumber(i) for i in ring] for ring in polygon] for polygon in polygons(geometry)]
        geometry["arcs"] = arcs if geometry["type"] == "MultiPolygon" else arcs[0]

    arcs = []
    for old in sorted(new_index, key=new_index.get):
        pts = points[old]
        deg = [degrees(p) for p in pts]
        if not intersects(bbox(deg), KEEP_BOX):
            pts = [pts[k] for k in simplify(deg, FAR_TOLERANCE)]
        arcs.append(encode(pts))

    return {
        "type": "Topology",
        "transform": topo["transform"],
        "objects": {"countries": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": arcs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tarball", type=Path, help="world-atlas-2.0.2.tgz from `npm pack`")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    digest = hashlib.sha1(args.tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA1:
        raise SystemExit(
            f"{args.tarball}: sha1 {digest}, expected {TARBALL_SHA1} (world-atlas@2.0.2)"
        )
    with tarfile.open(args.tarball) as tar:
        package = json.load(tar.extractfile("package/package.json"))
        assert (package["name"], package["version"]) == ("world-atlas", "2.0.2"), package
        topo = json.load(tar.extractfile(MEMBER))
    result = subset(topo)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, separators=(",", ":")) + "\n", encoding="utf-8")
    size = args.out.stat().st_size
    print(f"{args.out}: {len(result['arcs'])} arcs, {size:,} bytes")


if __name__ == "__main__":
    main()
