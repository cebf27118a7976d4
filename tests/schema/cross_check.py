#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The configuration rules that relate two values, which JSON Schema can't state.

usage: cross_check.py [--keys] [FILE|-]

FILE is a configuration in JSON (tests/tools/cfg2json's output) that already
passes schema/nsping.conf.schema.json. Prints "KEY: message" on stderr for each
broken rule (with --keys, also each KEY on stdout) and exits 1; exits 0 when
none is broken, 2 when the input can't be read. The rules and KEYs are those of
docs/DESIGN.md, as listed in the schema's top-level description:
  - tx_ping is bound to veth.host, rx_ping to the uplink   instances[i].xdp[k].interface
  - veth.host is not the instance's own uplink               instances[i].veth.host
  - across instances (the later instance j is reported):
    name, netns, veth.peer unique                            instances[j].name / .netns / .veth.peer
    veth.host unique, not another instance's uplink          instances[j].veth.host
    uplink not another instance's veth.host                  instances[j].uplink
    no two instances bind attach="xdp" on one interface      instances[j].xdp[k].interface
"""
import json
import sys


def problems(cfg):
    out = []
    insts = [i if isinstance(i, dict) else {} for i in cfg.get("instances", [])]

    def veth(inst, end):
        v = inst.get("veth")
        return v.get(end) if isinstance(v, dict) else None

    def bindings(inst):
        x = inst.get("xdp")
        return [b for b in x if isinstance(b, dict)] if isinstance(x, list) else []

    for i, inst in enumerate(insts):
        p = f"instances[{i}]"
        want = {"tx_ping": ("veth.host", veth(inst, "host")), "rx_ping": ("uplink", inst.get("uplink"))}
        for k, b in enumerate(bindings(inst)):
            if b.get("program") in want:
                what, name = want[b["program"]]
                if name is not None and b.get("interface") != name:
                    out.append((f"{p}.xdp[{k}].interface",
                                f"{b['program']} must be bound to {what} ({name}), not {b.get('interface')!r}"))

        ping = inst.get("ping") if isinstance(inst.get("ping"), dict) else {}
        lo, hi = ping.get("sport_min", 61000), ping.get("sport_max", 65535)
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            out.append((f"{p}.ping.sport_max", f"{hi} is below sport_min {lo}"))

    for j, b in enumerate(insts):
        q = f"instances[{j}]"
        for i, a in enumerate(insts[:j]):
            if b.get("name") is not None and a.get("name") == b.get("name"):
                out.append((f"{q}.name", f"already the name of instances[{i}]"))
            if b.get("netns") is not None and a.get("netns") == b.get("netns"):
                out.append((f"{q}.netns", f"already the netns of instances[{i}]"))
            bh = veth(b, "host")
            if bh is not None and bh in (veth(a, "host"), a.get("uplink")):
                out.append((f"{q}.veth.host", f"already used by instances[{i}]"))
            if b.get("uplink") is not None and b.get("uplink") == veth(a, "host"):
                out.append((f"{q}.uplink", f"the veth.host of instances[{i}]"))
            if veth(b, "peer") is not None and veth(b, "peer") == veth(a, "peer"):
                out.append((f"{q}.veth.peer", f"already the veth.peer of instances[{i}]"))
            a_xdp = {x.get("interface") for x in bindings(a) if attach(x) == "xdp"}
            for k, x in enumerate(bindings(b)):
                if attach(x) == "xdp" and x.get("interface") in a_xdp:
                    out.append((f"{q}.xdp[{k}].interface",
                                f"instances[{i}] already binds XDP to {x.get('interface')!r}"))
        if veth(b, "host") is not None and veth(b, "host") == b.get("uplink"):
            out.append((f"{q}.veth.host", "is also the uplink"))
    return out


def attach(binding):
    """The hook of a binding: rx_ping's default is tc, tx_ping's xdp; a mode means xdp."""
    if "attach" in binding:
        return binding["attach"]
    if "mode" in binding or binding.get("program") != "rx_ping":
        return "xdp"
    return "tc"


def main(argv):
    args = argv[1:]
    keys_out = bool(args) and args[0] == "--keys"
    if keys_out:
        args = args[1:]
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = args[0] if args else "-"
    try:
        cfg = json.load(sys.stdin if path == "-" else open(path, encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(f"{path}: {e}", file=sys.stderr)
        return 2
    found = problems(cfg if isinstance(cfg, dict) else {})
    for key, msg in found:
        print(f"{key}: {msg}", file=sys.stderr)
        if keys_out:
            print(key)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
