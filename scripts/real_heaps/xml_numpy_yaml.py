"""Real heap: lxml, ElementTree, numpy and PyYAML at work, as a data
pipeline does it: XML documents built, serialised, parsed back by lxml and by
ElementTree (its C accelerator), queried with XPath and iterparse, turned into
numpy arrays and statistics, dumped to YAML and loaded back (libyaml's C
loader and the pure-Python one, with anchors and aliases that make recursive
structures).

The first round runs with the collector on and its results are kept; then the
collector is turned off and a second round runs whose results are dropped,
leaving the garbage this work makes (PyYAML loaders and their bound-method
cycles, recursive documents, lxml and ElementTree trees caught in cycles,
numpy arrays hung from them), and each round leaks an object array that holds
itself (invisible to gc: numpy arrays have no tp_traverse). Truth and waiting as in truth.py.
"""
import gc
import io
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import truth  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from lxml import etree  # noqa: E402

ROWS = int(os.environ.get("REAL_HEAPS_ROWS", "3000"))


def build_xml(seed, rows):
    """An lxml document of measurement records."""
    root = etree.Element("dataset", name="set%d" % seed, version="1.%d" % seed)
    meta = etree.SubElement(root, "meta")
    etree.SubElement(meta, "source").text = "station-%d" % seed
    etree.SubElement(meta, "comment").text = "generated & checked <%d>" % seed
    records = etree.SubElement(root, "records")
    rng = np.random.default_rng(seed)
    values = rng.normal(20.0, 5.0, size=(rows, 3))
    for i in range(rows):
        rec = etree.SubElement(records, "record", id=str(i), kind=("a", "b", "c")[i % 3])
        for name, v in zip(("temp", "wind", "rain"), values[i]):
            etree.SubElement(rec, name).text = "%.4f" % v
        if i % 50 == 0:
            rec.append(etree.Comment("checkpoint %d" % i))
    return root


def lxml_work(seed, rows):
    root = build_xml(seed, rows)
    data = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    parsed = etree.fromstring(data, etree.XMLParser(remove_blank_text=True))
    temps = [float(t) for t in parsed.xpath("//record[@kind='a']/temp/text()")]
    find = etree.XPath("//record[number(temp) > $limit]/@id")
    hot = find(parsed, limit=25.0)
    tree = etree.ElementTree(parsed)
    transform = etree.XSLT(etree.XML(
        b'<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        b'<xsl:template match="/"><summary><xsl:value-of select="count(//record)"/></summary></xsl:template>'
        b'</xsl:stylesheet>'))
    summary = transform(tree)
    return {"tree": tree, "root": parsed, "temps": temps, "hot": hot, "summary": str(summary),
            "records": parsed.find("records"), "bytes": data}


def etree_work(data):
    root = ET.fromstring(data)
    by_kind = {}
    for rec in root.iter("record"):
        by_kind.setdefault(rec.get("kind"), []).append(rec)
    events = []
    for event, elem in ET.iterparse(io.BytesIO(data), events=("start", "end")):
        if event == "end" and elem.tag == "record":
            events.append((elem.get("id"), elem.findtext("wind")))
    out = ET.tostring(root, encoding="unicode")
    return {"root": root, "by_kind": by_kind, "events": events, "length": len(out)}


def numpy_work(lx, seed):
    temps = np.array(lx["temps"], dtype=np.float64)
    table = np.array([[float(x.text) for x in rec.iterchildren(tag=etree.Element)] for rec in lx["records"]],
                     dtype=np.float64)
    stats = {"mean": table.mean(axis=0), "std": table.std(axis=0), "corr": np.corrcoef(table.T),
             "hist": np.histogram(temps, bins=20), "sorted": np.sort(table[:, 0])}
    structured = np.zeros(len(table), dtype=[("id", "i4"), ("temp", "f8"), ("kind", "U1")])
    structured["id"] = np.arange(len(table))
    structured["temp"] = table[:, 0]
    structured["kind"] = ["abc"[i % 3] for i in range(len(table))]
    objects = np.empty(8, dtype=object)
    for i in range(8):
        objects[i] = {"slot": i, "view": table[i::8, 1]}
    return {"table": table, "stats": stats, "structured": structured, "objects": objects,
            "masked": np.ma.masked_greater(table, 30.0), "seed": seed}


def yaml_work(np_result, seed):
    doc = {
        "seed": seed,
        "mean": [float(x) for x in np_result["stats"]["mean"]],
        "histogram": [int(x) for x in np_result["stats"]["hist"][0]],
        "rows": [{"id": int(r["id"]), "temp": float(r["temp"]), "kind": str(r["kind"])}
                 for r in np_result["structured"][:300]],
    }
    text = yaml.dump(doc, Dumper=yaml.CDumper if hasattr(yaml, "CDumper") else yaml.Dumper)
    fast = yaml.load(text, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader)
    slow = yaml.safe_load(text)
    recursive = yaml.load("base: &b {name: base, self: *b, list: &l [1, 2, *l]}\nother: *b\n", Loader=yaml.Loader)
    full = yaml.load(yaml.dump({"when": __import__("datetime").datetime(2024, 1, seed % 28 + 1), "set": {1, 2},
                                "tuple": (1, "a")}), Loader=yaml.UnsafeLoader)
    return {"text": text, "fast": fast, "slow": slow, "recursive": recursive, "full": full}


def round_of_work(seed):
    lx = lxml_work(seed, ROWS)
    et = etree_work(lx["bytes"])
    npr = numpy_work(lx, seed)
    ym = yaml_work(npr, seed)
    result = {"lxml": lx, "etree": et, "numpy": npr, "yaml": ym}
    # Cycles through each library's objects, as caches and back-references make them.
    et["root"].text = et  # an ElementTree element's text may be any object
    npr["stats"]["result"] = result
    # An object array holding itself through a dict: numpy arrays have no
    # tp_traverse, so this is a leak gc never sees, and no garbage.
    npr["objects"][0]["owner"] = npr["objects"]
    ym["recursive"]["base"]["result"] = result
    lx["self"] = lx
    return result


KEPT = [round_of_work(seed) for seed in range(2)]
gc.collect()
gc.disable()
for seed in range(2, 4):
    dropped = round_of_work(seed)
del dropped

truth.serve("xml_numpy_yaml", rows=ROWS, numpy=np.__version__, lxml=".".join(map(str, etree.LXML_VERSION)),
            yaml=yaml.__version__, yaml_c=hasattr(yaml, "CSafeLoader"))
