#!/usr/bin/env python3
"""Runs a command and prints its wall time (ms), CPU time (ms, user + system of its waited-for process
tree) and peak RSS (KiB, the largest of its process tree's members as reported by wait4) as JSON on
the last line of stderr. Used by bench/lib.ts."""
import json, os, resource, subprocess, sys, time

t0 = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL if os.environ.get('BENCH_QUIET') else None)
ms = (time.perf_counter() - t0) * 1000
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (usage.ru_utime + usage.ru_stime) * 1000
sys.stderr.write('\n' + json.dumps({'ms': ms, 'cpuMs': cpu, 'rssKiB': usage.ru_maxrss, 'code': proc.returncode}) + '\n')
sys.exit(proc.returncode)
