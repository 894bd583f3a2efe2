"""Every document refscope writes is UTF-8, whatever bytes the target holds
where text should be. tests/programs/bad_utf8_names.py patches, in itself,
a class's tp_name and a __slots__ member's C name to bytes that are not
UTF-8, and a str marked ASCII to hold a byte past 0x7f, and holds a dict
key too long for a label, in two-byte characters; every command that
meets them must still write UTF-8 (JSON that parses, and text), show a
placeholder naming the address where the name or text would be, and warn
about that address. Live and from a core, on every interpreter."""
import json
import os
import subprocess

import pytest

from conftest import REFSCOPE, program_fixture

bad_names = program_fixture("bad_utf8_names.py")

COMMANDS = ["refs", "show", "referrers", "path", "summary", "cycles", "garbage"]
CORE_INTERPRETERS = {"debian-3.11-stripped", "pyenv-3.8.18", "sid-3.15-debug-offsets"}


def utf8(data, what):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        pytest.fail("%s is not UTF-8 at byte %d: %r" % (what, e.start, data[max(0, e.start - 200):e.start + 50]))


def run(target, mode, args, as_json=True):
    """refscope's stdout, checked to be UTF-8: the parsed document with
    --json, else the text."""
    where = ["--pid", str(target.pid)] if mode == "live" else [target.core()]
    command = ([REFSCOPE] + (["--json"] if as_json else []) + target.interp.refscope_args + args[:1] + where +
               args[1:])
    env = dict(os.environ)
    env.update(target.interp.refscope_env)
    proc = subprocess.run(command, capture_output=True, env=env, timeout=120)
    what = "refscope %s%s (%s)" % ("--json " if as_json else "", " ".join(args), mode)
    stderr = utf8(proc.stderr, what + " stderr")
    assert proc.returncode == 0, "%s failed (%d): %s" % (what, proc.returncode, stderr)
    out = utf8(proc.stdout, what + " stdout")
    return json.loads(out) if as_json else out


def h(address):
    return "0x%x" % address


@pytest.fixture(params=["live", "core"])
def mode(request, bad_names):
    if request.param == "core" and bad_names.interp.name not in CORE_INTERPRETERS:
        pytest.skip("cores are taken of %s only" % ", ".join(sorted(CORE_INTERPRETERS)))
    return request.param


def test_every_command_writes_utf8_with_placeholders_and_warnings(bad_names, mode):
    t = bad_names.truth
    slot = "<unreadable name at %s>" % h(t["slot_name_at"])
    slot_warning = "slot name at %s is not text" % h(t["slot_name_at"])
    type_placeholder = "<unreadable type at %s>" % h(t["bad_name_type"])
    type_warning = "type object at %s: its name at %s is not text" % (h(t["bad_name_type"]), h(t["type_name_at"]))
    str_warning = "object at %s (str): text unreadable: str at %s is marked ASCII but character 3 is 0xe9" % (
        h(t["bad_str"]), h(t["bad_str"]))

    docs = {}
    for args in (["refs", h(t["held"])], ["show", h(t["held"])], ["show", h(t["slotted"])],
                 ["show", h(t["bad_str"])], ["show", h(t["bad_name_type"])], ["show", h(t["long_key"])],
                 ["referrers", h(t["held_list"])],
                 ["path", h(t["held_list"])], ["summary"], ["cycles"], ["garbage"]):
        doc = run(bad_names, mode, args)
        assert type_warning in doc["warnings"], (args, doc["warnings"][:5])
        docs[" ".join(args)] = doc

    # The labels of references through the bad slot.
    refs = docs["refs " + h(t["held"])]["referents"]
    assert {(r["via"], r["address"]) for r in refs} >= {(".good", h(t["held_good"])), ("." + slot, h(t["held_list"]))}
    assert slot_warning in docs["refs " + h(t["held"])]["warnings"]
    assert docs["refs " + h(t["held"])]["warnings"].count(slot_warning) == 1
    referrers = docs["referrers " + h(t["held_list"])]["referrers"]
    assert [(r["via"], r["address"]) for r in referrers] == [("." + slot, h(t["held"]))]
    assert slot_warning in docs["referrers " + h(t["held_list"])]["warnings"]
    path = docs["path " + h(t["held_list"])]
    assert (path["path"][-2]["address"], path["path"][-1]["via"]) == (h(t["held"]), "." + slot)
    assert slot_warning in path["warnings"]

    # Reprs: the slot's name, the str marked ASCII, the class's own name.
    held = docs["show " + h(t["held"])]
    assert held["repr"] == "<RefscopeBadSlot object at %s> {good=<list at %s>, %s=<list at %s>}" % (
        h(t["held"]), h(t["held_good"]), slot, h(t["held_list"]))
    assert slot_warning in held["warnings"]
    slotted = docs["show " + h(t["slotted"])]
    assert slotted["repr"].startswith("<RefscopeBadSlot object at %s> {good=<unreadable str at %s>, %s=" % (
        h(t["slotted"]), h(t["bad_str"]), slot)), slotted["repr"]
    assert str_warning in slotted["warnings"]
    bad_str = docs["show " + h(t["bad_str"])]
    assert bad_str["repr"] == "<unreadable str at %s>" % h(t["bad_str"])
    assert str_warning in bad_str["warnings"]
    assert docs["show " + h(t["bad_name_type"])]["repr"] == "<class %s>" % type_placeholder
    # A label cut at its buffer's end loses the character cut in half.
    long_key = docs["show " + h(t["long_key"])]["repr"]
    assert long_key.startswith("{'a" + "\u00e9" * 40) and long_key.endswith("\u00e9: 1} (1 items)"), long_key

    # The whole heap: the badly named class is counted under its placeholder;
    # the references through the bad slot are followed all the same.
    rows = {r["type_address"]: (r["type"], r["count"]) for r in docs["summary"]["types"]}
    assert rows[h(t["bad_name_type"])] == (type_placeholder, t["count"])
    assert rows[h(t["bad_slot_type"])] == ("RefscopeBadSlot", t["slot_count"])
    cycles = {frozenset(o["address"] for o in c["objects"]): c["reachable"] for c in docs["cycles"]["cycles"]}
    assert cycles[frozenset(map(h, t["pair"]))] is True
    assert cycles[frozenset(map(h, t["garbage"]))] is False
    groups = [frozenset(o["address"] for o in g["objects"]) for g in docs["garbage"]["groups"]]
    assert frozenset(map(h, t["garbage"])) in groups


def test_text_output_is_utf8_too(bad_names, mode):
    t = bad_names.truth
    slot = "<unreadable name at %s>" % h(t["slot_name_at"])
    for args in (["refs", h(t["held"])], ["show", h(t["slotted"])], ["show", h(t["bad_name_type"])],
                 ["show", h(t["long_key"])], ["referrers", h(t["held_list"])], ["path", h(t["held_list"])], ["summary"], ["cycles"],
                 ["garbage"]):
        text = run(bad_names, mode, args, as_json=False)
        assert "type object at %s: its name at %s is not text" % (h(t["bad_name_type"]), h(t["type_name_at"])) \
            in text, args
        if args[0] in ("refs", "referrers", "path") or args[1:] == [h(t["slotted"])]:
            assert slot in text and "slot name at %s is not text" % h(t["slot_name_at"]) in text, (args, text)
