#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# jcheck.py -- evaluate Python expressions over JSON files, for run.sh
#
# Runs as a coprocess so that each check costs a line, not a Python
# start-up. Reads lines "MODE<TAB>FILE<TAB>EXPR"; EXPR is evaluated with
# j bound to the JSON in FILE. Answers one line each:
#	test:	"1" when EXPR is true, else "0 WHY"
#	value:	"1 VALUE" (newlines as spaces), or "0 WHY"

import json
import sys


def answer(s):
    sys.stdout.write(s.replace("\n", " ") + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    mode, path, expr = line.rstrip("\n").split("\t", 2)
    try:
        with open(path, "rb") as f:
            j = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        answer("0 not JSON: %s" % e)
        continue
    try:
        v = eval("(" + expr + ")", {"j": j})
    except Exception as e:  # pylint: disable=broad-except
        answer("0 %s: %s" % (type(e).__name__, e))
        continue
    if mode == "value":
        answer("1 %s" % (v,))
    else:
        answer("1" if v else "0 false")
