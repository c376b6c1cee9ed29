#!/usr/bin/env python3
"""Writes the envelope golden inputs (NAME.x12) of this folder.

Each file differs from a clean 850 interchange by exactly one envelope fault or
one delimiter layout, in X12 4010 (ISA12 00401) and 5010 (00501). The .expect
files beside them are reviewed by hand; `EDIGW_UPDATE_GOLDEN=1 edigw_tests
"[golden]"` rewrites them, after which `git diff` is the review.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def isa(v, ctl="000000101", ack="0", rep="^", date="240315", time="0930", test="P",
        sq="ZZ", rq="ZZ", sender="BUYERID", receiver="SELLERID"):
    r = rep if v >= "00402" else "U"
    return ("ISA*00*          *00*          *%s*%-15s*%s*%-15s*%s*%s*%s*%s*%s*%s*%s*:"
            % (sq, sender, rq, receiver, date, time, r, v, ctl, ack, test))


def body(po="PO-1", st="0001", se_count=None, se_ctl=None):
    segs = ["ST*850*%s" % st, "BEG*00*SA*%s**20240315" % po, "N1*ST*STORE 42*92*0042",
            "PO1*1*10*EA*9.5**VP*SKU-1", "CTT*1"]
    n = len(segs) + 1
    segs.append("SE*%s*%s" % (se_count if se_count is not None else n, se_ctl or st))
    return segs


def gs(v, ctl="101"):
    return "GS*PO*BUYERID*SELLERID*20240315*0930*%s*X*%s" % (ctl, "004010" if v == "00401" else "005010")


def interchange(v, groups=None, ctl="000000101", iea_count=None, iea_ctl=None, **kw):
    if groups is None:
        groups = [[gs(v)] + body() + ["GE*1*101"]]
    segs = [isa(v, ctl=ctl, **kw)]
    for g in groups:
        segs += g
    segs.append("IEA*%s*%s" % (iea_count if iea_count is not None else len(groups), iea_ctl or ctl))
    return segs


def write(name, segs, term="~", after="\n", prefix="", element=None, component=None, rep=None, raw=None):
    text = raw
    if text is None:
        out = []
        for s in segs:
            t = s
            if element or component or rep:
                if s.startswith("ISA"):
                    if rep and t[82] == "^":
                        t = t[:82] + rep + t[83:]
                    if component:
                        t = t[:104] + component
                    if element:
                        t = t.replace("*", element)
                else:
                    t = "".join((element or c) if c == "*" else (component or c) if c == ":" else
                                (rep or c) if c == "^" else c for c in t)
            out.append(t + term + after)
        text = prefix + "".join(out)
    with open(os.path.join(HERE, name + ".x12"), "w", newline="", encoding="utf-8") as f:
        f.write(text)


for v, tag in (("00401", "4010"), ("00501", "5010")):
    p = tag + "-"
    # Delimiter rules.
    write(p + "clean", interchange(v))
    write(p + "delim-bom-and-blanks-before-isa", interchange(v), prefix="\ufeff\r\n  \n")
    write(p + "delim-crlf-after-terminators", interchange(v), after="\r\n")
    write(p + "delim-no-line-breaks", interchange(v), after="")
    write(p + "delim-newline-is-terminator", interchange(v), term="\n", after="")
    write(p + "delim-other-characters", interchange(v), term="'", element="|", component=">", rep="{", after="\n")
    write(p + "delim-control-characters", interchange(v), term="\x1c", element="\x1d", component="\x1f",
          rep="\x1e", after="")
    write(p + "delim-two-interchanges", interchange(v) + interchange(v, ctl="000000102"))
    # Repetition separator: in 5010 a non-alphanumeric ISA11; never in 4010.
    g = [gs(v)] + ["ST*850*0001", "BEG*00*SA*PO-1**20240315", "REF*DP*A^B**ZZ:X1", "N1*ST*STORE*92*1",
                   "PO1*1*10*EA*9.5**VP*SKU-1", "CTT*1", "SE*7*0001", "GE*1*101"]
    write(p + "delim-repetition-separator", interchange(v, groups=[g]))
    # Interchange envelope (TA1 note codes).
    write(p + "ta1-001-iea02-differs", interchange(v, iea_ctl="000000999"))
    write(p + "ta1-021-iea01-group-count", interchange(v, iea_count=2))
    write(p + "ta1-023-file-ends-in-interchange", interchange(v)[:-1])
    write(p + "ta1-023-next-isa-before-iea", interchange(v)[:-1] + interchange(v, ctl="000000102"))
    write(p + "ta1-isa-fields", interchange(v, date="241345", time="2599", sq="QQ", test="X", ack="7"))
    write(p + "ta1-018-isa13-not-numeric", interchange(v, ctl="00000A101"))
    write(p + "ta1-024-segment-where-gs-must-be",
          interchange(v, groups=[["N1*ST*STRAY"], [gs(v)] + body() + ["GE*1*101"]], iea_count=1))
    # Functional group (AK905).
    write(p + "ak9-3-ge-missing", interchange(v, groups=[[gs(v)] + body()]))
    write(p + "ak9-4-ge02-differs", interchange(v, groups=[[gs(v)] + body() + ["GE*1*999"]]))
    write(p + "ak9-5-ge01-set-count", interchange(v, groups=[[gs(v)] + body() + ["GE*2*101"]]))
    write(p + "ak9-gs06-twice-in-interchange",
          interchange(v, groups=[[gs(v)] + body() + ["GE*1*101"], [gs(v)] + body(po="PO-2") + ["GE*1*101"]]))
    # Transaction set (AK502).
    write(p + "ak5-2-se-missing", interchange(v, groups=[[gs(v)] + body()[:-1] + ["GE*1*101"]]))
    write(p + "ak5-3-se02-differs", interchange(v, groups=[[gs(v)] + body(se_ctl="0009") + ["GE*1*101"]]))
    write(p + "ak5-4-se01-count", interchange(v, groups=[[gs(v)] + body(se_count=9) + ["GE*1*101"]]))
    write(p + "ak5-23-st02-twice-in-group",
          interchange(v, groups=[[gs(v)] + body() + body(po="PO-2") + ["GE*2*101"]]))
