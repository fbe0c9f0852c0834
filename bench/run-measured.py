#!/usr/bin/env python3
"""Runs a command and prints its wall time (ms) and peak RSS (KiB, the largest of its process tree's
members as reported by wait4) as JSON on the last line of stderr. Used by bench/lib.ts."""
import json, os, resource, subprocess, sys, time

t0 = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL if os.environ.get('BENCH_QUIET') else None)
ms = (time.perf_counter() - t0) * 1000
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stderr.write('\n' + json.dumps({'ms': ms, 'rssKiB': rss, 'code': proc.returncode}) + '\n')
sys.exit(proc.returncode)
